"""Benchmark: clause extraction per 10 KB of license text (not a test; prints figures).

Every text of the clause corpus (both languages) is extracted with the shipped engine, which prefilters the
rules of each sentence with one RE2 Set, and, in the same process, with the prefilter off (every rule's
patterns searched on every sentence): the ratio cancels out the machine's speed. Then a hostile megabyte of
short sentences. Figures are medians over --runs.

    python bench/clauses.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.clauses import ClauseEngine, engine  # noqa: E402

TEXTS = sorted((ROOT / "tests" / "corpus" / "texts").glob("*.txt")) + \
    sorted((ROOT / "tests" / "fixtures" / "licenses").glob("*.txt"))


def per_10kb(run: ClauseEngine, texts: list[str], runs: int) -> float:
    """Median milliseconds per 10,000 characters over the corpus."""
    chars = sum(len(t) for t in texts)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        for text in texts:
            run.extract(text, "LICENSE")
        timings.append((time.perf_counter() - start) * 1000 * 10_000 / chars)
    return statistics.median(timings)


class NoPrefilter(ClauseEngine):
    """The engine as it was: every rule tried on every sentence."""

    def candidates(self, normalized: str) -> list:  # type: ignore[type-arg]
        return [(rule, list(rule.patterns)) for rule in self.rules]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in TEXTS]
    shipped = engine()
    naive = NoPrefilter(shipped.rules, shipped.kinds)
    fast, slow = per_10kb(shipped, texts, args.runs), per_10kb(naive, texts, args.runs)
    worst = max(texts, key=len)
    start = time.perf_counter()
    shipped.extract(worst, "LICENSE")
    worst_ms = (time.perf_counter() - start) * 1000
    hostile = "You may use it. Licensee shall not use the outputs to train other models. " * 14000
    start = time.perf_counter()
    shipped.extract(hostile, "LICENSE")
    hostile_s = time.perf_counter() - start
    print(f"corpus: {len(texts)} texts, {sum(map(len, texts)):,} characters, {len(shipped.rules)} rules")
    print(f"extraction per 10 KB, prefiltered:   {fast:7.1f} ms   (goals: <= 50 ms issue 12, <= 20 ms issue 13)")
    print(f"extraction per 10 KB, every rule:    {slow:7.1f} ms   ratio {slow / fast:.1f}x")
    print(f"longest text ({len(worst):,} characters): {worst_ms:.0f} ms")
    print(f"hostile 1 MB of short sentences:     {hostile_s:7.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
