"""Scoring clause extraction on the whole corpus, split once into `dev` and `test` (tests/corpus/SPLIT.yml).

Ground truth comes in two shapes: tests/fixtures/licenses/CLAUSES.yml (the 48 texts of ../shared/corpus,
present/absent lists read from FACTS.md) and tests/corpus/truth/<stem>.yml (all 16 kinds, each present with
value and evidence, absent, or uncertain). Both become one `Truth` per text; uncertain kinds are not scored.

Run ``python -m tests.clause_corpus`` for the tables; ``--misses`` lists what went wrong, for the `dev` half
only: the `test` half is scored, never read while writing rules.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scanner.clauses import engine
from scanner.models import Clause

TESTS = Path(__file__).parent
FIXTURE_LICENSES = TESTS / "fixtures" / "licenses"
CORPUS = TESTS / "corpus"
KINDS = ("non-commercial", "user-threshold", "revenue-threshold", "attribution", "naming", "notice",
         "output-restriction", "use-restrictions", "restriction-passthrough", "patent-grant", "patent-termination",
         "registration", "governing-law", "territory", "share-alike", "no-derivatives")


@dataclass(frozen=True)
class Truth:
    name: str  # path under tests/, e.g. corpus/texts/x.txt
    language: str
    present: dict[str, Any]  # kind -> value (True when the kind has none)
    absent: frozenset[str]

    @property
    def path(self) -> Path:
        return TESTS / self.name


def load_truths() -> dict[str, Truth]:
    truths: dict[str, Truth] = {}
    legacy = yaml.safe_load((FIXTURE_LICENSES / "CLAUSES.yml").read_text(encoding="utf-8"))
    for file, entry in legacy.items():
        name = f"fixtures/licenses/{file}"
        truths[name] = Truth(name, "en", dict(entry.get("present") or {}), frozenset(entry.get("absent") or ()))
    for node in sorted((CORPUS / "truth").glob("*.yml")):
        data = yaml.safe_load(node.read_text(encoding="utf-8"))
        present: dict[str, Any] = {}
        absent: set[str] = set()
        for kind, entry in data["kinds"].items():
            if entry["status"] == "present":
                present[kind] = entry.get("value", True)
            elif entry["status"] == "absent":
                absent.add(kind)
        name = f"corpus/{data['file']}"
        truths[name] = Truth(name, str(data.get("language", "en")), present, frozenset(absent))
    return truths


def load_split() -> dict[str, str]:
    data = yaml.safe_load((CORPUS / "SPLIT.yml").read_text(encoding="utf-8"))
    return {name: half for half in ("dev", "test") for name in data[half]}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[\"'“”‘’「」【】《》]", "", text).lower().split())


def _jurisdiction_matches(expected: dict[str, Any], value: dict[str, Any]) -> bool:
    wanted = [_norm(str(v)) for k, v in expected.items() if k.startswith("jurisdiction") and v]
    got = [_norm(str(v)) for k, v in value.items() if k.startswith("jurisdiction") and v]
    return any(w in g or g in w for w in wanted for g in got if g)


def value_matches(kind: str, expected: Any, found: list[Clause]) -> bool:
    """Whether one of the clauses found of this kind carries the expected value (True: any clause will do)."""
    if expected is True:
        return bool(found)
    for clause in found:
        value = dict(clause.value or {})
        if kind == "governing-law":
            if _jurisdiction_matches(expected, value):
                return True
        elif kind == "territory":
            places = [_norm(str(p)) for p in value.get("excluded", [])]
            if all(any(_norm(str(x)) in p or p in _norm(str(x)) for p in places if p) for x in expected["excluded"]):
                return True
        elif kind == "attribution":
            text = _norm(str(value.get("text", "")))
            wanted = _norm(str(expected.get("text", "")))
            if not wanted or (text and (wanted in text or text in wanted)):
                return True
        elif kind == "naming":
            if all(_norm(str(value.get(k, ""))) == _norm(str(v)) for k, v in expected.items()):
                return True
        elif kind == "user-threshold":
            if value.get("limit") == expected.get("limit") and (
                    expected.get("metric") in (None, "users") or value.get("metric") == expected.get("metric")):
                return True
        elif kind == "revenue-threshold":
            if value.get("limit") == expected.get("limit") and all(
                    value.get(k) == expected[k] for k in ("currency", "period") if expected.get(k)):
                return True
        elif all(value.get(k) == v for k, v in expected.items()):
            return True
    return False


@dataclass
class Outcome:
    """One (text, kind) judgement: tp, fn (missed or wrong value), fp (found where the truth says absent)."""

    name: str
    kind: str
    verdict: str
    expected: Any = None
    found: tuple[Clause, ...] = ()


Extractor = Callable[[str, str], list[Clause]]


def default_extractor(text: str, name: str) -> list[Clause]:
    return engine().extract(text, name)


def judge(truths: Iterable[Truth], extract: Extractor = default_extractor) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for truth in truths:
        found: dict[str, list[Clause]] = {}
        for clause in extract(truth.path.read_text(encoding="utf-8"), truth.name):
            found.setdefault(clause.kind, []).append(clause)
        for kind, expected in truth.present.items():
            hit = value_matches(kind, expected, found.get(kind, []))
            outcomes.append(Outcome(truth.name, kind, "tp" if hit else "fn", expected, tuple(found.get(kind, []))))
        for kind in truth.absent:
            if kind in found:
                outcomes.append(Outcome(truth.name, kind, "fp", None, tuple(found[kind])))
    return outcomes


def table(outcomes: list[Outcome], title: str) -> str:
    """Recall and precision per kind, and over all kinds."""
    rows: dict[str, dict[str, int]] = {}
    for outcome in outcomes:
        rows.setdefault(outcome.kind, {"tp": 0, "fn": 0, "fp": 0})[outcome.verdict] += 1
    total = {v: sum(r[v] for r in rows.values()) for v in ("tp", "fn", "fp")}
    lines = [title, f"{'clause kind':24}{'recall':>8}{'precision':>11}{'found':>7}{'missed':>8}{'false+':>8}"]
    for kind, row in [*sorted(rows.items()), ("all kinds", total)]:
        recall, precision = ratios(row)
        lines.append(f"{kind:24}{recall:8.2f}{precision:11.2f}{row['tp']:7d}{row['fn']:8d}{row['fp']:8d}")
    return "\n".join(lines)


def ratios(row: dict[str, int]) -> tuple[float, float]:
    recall = row["tp"] / (row["tp"] + row["fn"]) if row["tp"] + row["fn"] else 1.0
    precision = row["tp"] / (row["tp"] + row["fp"]) if row["tp"] + row["fp"] else 1.0
    return recall, precision


def totals(outcomes: list[Outcome], kind: str | None = None) -> tuple[float, float]:
    row = {"tp": 0, "fn": 0, "fp": 0}
    for outcome in outcomes:
        if kind is None or outcome.kind == kind:
            row[outcome.verdict] += 1
    return ratios(row)


def halves(extract: Extractor = default_extractor) -> dict[str, list[Outcome]]:
    """Outcomes for each half, and for the texts added for issue 12 (not those the old rules were tuned on)."""
    truths, split = load_truths(), load_split()
    missing = sorted(set(truths) ^ set(split))
    if missing:
        raise AssertionError(f"texts not in both the truth and SPLIT.yml: {missing}")
    result: dict[str, list[Outcome]] = {}
    for half in ("dev", "test"):
        chosen = [t for name, t in sorted(truths.items()) if split[name] == half]
        result[half] = judge(chosen, extract)
        result[f"{half}, new texts"] = [o for o in result[half] if o.name.startswith("corpus/")]
        result[f"{half}, Chinese"] = [o for o in result[half] if truths[o.name].language != "en"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the dev half's misses and false positives")
    parser.add_argument("--kind", help="only this kind in the misses")
    args = parser.parse_args(argv)
    results = halves()
    for name, outcomes in results.items():
        print(table(outcomes, f"== {name}"), end="\n\n")
    if args.misses:
        for outcome in results["dev"]:
            if outcome.verdict == "tp" or (args.kind and outcome.kind != args.kind):
                continue
            found = "; ".join(f"{c.value} L{c.start_line}" for c in outcome.found) or "nothing"
            print(f"{outcome.verdict} {outcome.kind:24} {outcome.name}: expected {outcome.expected}, found {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
