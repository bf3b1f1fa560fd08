"""Benchmark: the lineage stage on a synthetic graph (not a test; prints figures).

Builds N model reports shaped like the Hub's derivation forest (a few hundred bases under six licenses; each
other model a fine-tune, quantization, adapter or merge of one or two earlier models, a fifth of them
relicensed to Apache-2.0, so laundering has to be found), then times the graph build, inherited licenses and
the laundering check, at N and at N/10 in the same process: a ratio near 1 means the cost is linear.

    python bench/lineage.py [--nodes 100000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.clauses import kind_infos  # noqa: E402
from scanner.identify import hub_license_map  # noqa: E402
from scanner.lineage import build_graph, find_conflicts, inherited_licenses  # noqa: E402
from scanner.models import Clause, LicenseHit, ModelReport, Parent, Relation, RepoKind, Role, Status  # noqa: E402

LICENSES = [("llama-3.1-license-2024", ("user-threshold", "attribution", "naming")),
            ("gemma-tou-2025-03-24", ("use-restrictions",)), ("flux-1-nc", ("non-commercial",)),
            ("qwen-2024", ("user-threshold",)), ("apache-2.0", ()), ("mit", ())]


def synthetic(count: int, seed: int = 7) -> list[ModelReport]:
    rng = random.Random(seed)
    reports: list[ModelReport] = []
    for i in range(count):
        if i < max(6, count // 300):
            key, kinds = LICENSES[i % len(LICENSES)]
            parents: tuple[Parent, ...] = ()
        else:
            chosen = {rng.randrange(i)} | ({rng.randrange(i)} if rng.random() < 0.1 else set())
            parents = tuple(Parent(f"org/m{p}", rng.choice(list(Relation))) for p in sorted(chosen))
            key, kinds = ("apache-2.0", ()) if rng.random() < 0.2 else LICENSES[int(parents[0].id[5:]) % 6]
        hits = (LicenseHit(key, None, "declared", "README.md", 2, 2, None),)
        clauses = tuple(Clause(kind=k, value=None, license=key, file="LICENSE", start_line=1, end_line=1,
                               quote="...", rule=None) for k in kinds)
        reports.append(ModelReport(id=f"org/m{i}", kind=RepoKind.MODEL, role=Role.ANCESTOR, status=Status.OK,
                                   source="bench", licenses=hits, clauses=clauses, parents=parents))
    return reports


def stage(count: int) -> tuple[float, int]:
    reports = synthetic(count)
    restrictive = {kind for kind, info in kind_infos().items() if info.restrictive}
    start = time.perf_counter()
    graph = build_graph(reports)
    inherited = inherited_licenses(graph)
    conflicts = find_conflicts(graph, restrictive, hub_license_map().accepted_keys, inherited)
    return time.perf_counter() - start, len(conflicts)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100_000)
    args = parser.parse_args()
    small, _ = stage(args.nodes // 10)
    wall, conflicts = stage(args.nodes)
    print(f"{args.nodes:,} models: graph, inherited licenses and laundering check in {wall:.1f} s "
          f"(goal < 10 s); {conflicts:,} laundering conflicts found")
    print(f"cost per node at N vs N/10: {(wall / args.nodes) / (small / (args.nodes // 10)):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
