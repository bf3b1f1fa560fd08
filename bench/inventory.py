"""Benchmark: an inventory of many fixture models (not a test; prints figures).

The models are bench/many.py's (fine-tunes of six real bases, every second one carrying its base's LICENSE),
listed in a --from-file. Each source (a mirror, the fixture Hub over HTTP) is inventoried into a fresh
SQLite store in a new process with warm caches, then run again with nothing changed. It prints models per
second for both runs, the rerun's speed against the first run's (the ratio says what incremental buys),
and the per-model cost at N against N/10 in the same process family (near 1: linear in models).

    python bench/inventory.py [--models 10000] [--jobs 8]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.many import BASES, build  # noqa: E402
from tests.hubserver import FixtureHub  # noqa: E402


def inventory(ids_file: Path, store: Path, env: dict[str, str], extra: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds of one `inventory run` in a new process; CPU and RSS
    include any worker processes it started and reaped (an engine's own local cluster)."""
    command = [sys.executable, "-m", "scanner", "inventory", "run", "--from-file", str(ids_file), "--store",
               str(store), "--format", "json", *extra]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the inventory failed with exit code {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=10000)
    parser.add_argument("--jobs", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "hub"
        ids = build(root, args.models)
        small_file, ids_file = Path(work) / "small.txt", Path(work) / "ids.txt"
        small_file.write_text("\n".join(ids[: len(ids) // 10]) + "\n", encoding="utf-8")
        ids_file.write_text("\n".join(ids) + "\n", encoding="utf-8")
        env = {**os.environ, "MODELCLEAR_CACHE": str(Path(work) / "cache"), "HF_HUB_CACHE": str(Path(work) / "hf")}
        rows = []
        with FixtureHub(root) as hub:
            for label, source, run_env in (("mirror", ["--mirror", str(root)], env),
                                           ("fixture Hub over HTTP", [], {**env, "HF_ENDPOINT": hub.url})):
                extra = ["--jobs", str(args.jobs), *source]
                warm = Path(work) / f"warm-{len(rows)}.db"
                inventory(small_file, warm, run_env, extra)  # warm the caches
                small_store = Path(work) / f"small-{len(rows)}.db"
                small_wall, _, _ = inventory(small_file, small_store, run_env, extra)
                store = Path(work) / f"store-{len(rows)}.db"
                wall, rss, cpu = inventory(ids_file, store, run_env, extra)
                rerun, rerun_rss, rerun_cpu = inventory(ids_file, store, run_env, extra)
                linear = (wall / len(ids)) / (small_wall / (len(ids) // 10))
                rows.append((label, wall, rss, cpu, rerun, rerun_rss, rerun_cpu, linear))
    print(f"{args.models} models (fine-tunes of {len(BASES)} bases) inventoried into SQLite, --jobs {args.jobs}, "
          "warm caches")
    print("(cpu s: the inventory process alone; over HTTP the fixture Hub, a Python server, shares the 2 cores)")
    print(f"{'source':24}{'first s':>9}{'models/s':>10}{'cpu s':>7}{'MiB':>6}{'rerun s':>9}{'models/s':>10}"
          f"{'cpu s':>7}{'MiB':>6}{'first/rerun':>13}{'cost/model N vs N/10':>22}")
    for label, wall, rss, cpu, rerun, rerun_rss, rerun_cpu, linear in rows:
        print(f"{label:24}{wall:9.1f}{args.models / wall:10.0f}{cpu:7.1f}{rss:6.0f}{rerun:9.1f}"
              f"{args.models / rerun:10.0f}{rerun_cpu:7.1f}{rerun_rss:6.0f}{wall / rerun:12.1f}x{linear:22.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
