"""Benchmark: the inventory on Dask against the local executor (not a test; prints figures).

bench/many.py's fine-tunes (known license texts, as most fine-tunes carry their base's) served by the
fixture Hub over HTTP, inventoried into fresh SQLite stores with warm caches, in new processes of the same
family: the local executor (--jobs W x J threads), `--engine dask` starting its own local cluster (W worker
processes x J threads), and `--engine dask --address` joining a cluster this script started, whose workers
report their own CPU seconds and peak RSS. It prints models per second of each and the Dask run's against
the local one's, the measured per-model cost (worker CPU, driver CPU, Hub requests, worker RSS) that the
README's whole-Hub sizing uses, and the same for models whose license text is unknown (ScanCode runs, its
index loaded once per worker).

    python bench/engine.py [--models 2000] [--workers 2] [--jobs 4] [--unknown 40]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.inventory import inventory  # noqa: E402
from bench.many import BASES, HUB, build  # noqa: E402
from scanner.scancode_index import cache_root  # noqa: E402
from tests.hubserver import FixtureHub  # noqa: E402


def worker_usage() -> tuple[float, float]:
    """CPU seconds and peak RSS (MiB) of this worker process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def load_index() -> float:
    """Wall seconds this worker takes to load ScanCode's index (what the first unknown text costs it)."""
    from scanner.scancode_index import get_license_cache

    start = time.perf_counter()
    get_license_cache()
    return time.perf_counter() - start


def unknown_models(root: Path, count: int) -> list[str]:
    """Fine-tunes whose LICENSE is the Llama 2 license with a sentence of their own: no fingerprint or
    cache entry knows the text, so ScanCode reads it and the clause rules run."""
    text = (HUB / "meta-llama" / "Llama-2-7b-hf" / "LICENSE.txt").read_text(encoding="utf-8")
    ids = []
    for i in range(count):
        repo = root / "unknown" / f"u{i}"
        repo.mkdir(parents=True)
        (repo / "README.md").write_text("---\nlicense: other\nbase_model: meta-llama/Llama-2-7b-hf\n"
                                        f"base_model_relation: finetune\n---\n# u{i}\n", encoding="utf-8")
        (repo / "LICENSE").write_text(f"{text}\n\nAddendum {i}: this copy of the agreement was made for the unknown "
                                      f"fine-tune number {i} and no other.\n", encoding="utf-8")
        ids.append(f"unknown/u{i}")
    return ids


def with_index(cache: Path) -> bool:
    """Give the fresh cache the ScanCode index already built (a hard link, else a copy), so the unknown
    texts' phase measures loading and matching, not the minute of building it."""
    found = cache_root() / "scancode-index"
    if not found.is_dir() or not any(found.iterdir()):
        return False
    target = cache / "scancode-index"
    target.mkdir(parents=True, mode=0o700)
    for entry in found.iterdir():
        try:
            os.link(entry, target / entry.name)
        except OSError:
            shutil.copy2(entry, target / entry.name)
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=4, help="threads per Dask worker")
    parser.add_argument("--unknown", type=int, default=40, help="models with an unknown license text (0: skip)")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    threads = args.workers * args.jobs
    rows: list[tuple[str, float, float, float]] = []
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "hub"
        ids = build(root, args.models)
        unknown = unknown_models(root, args.unknown)
        files = {name: Path(work) / f"{name}.txt" for name in ("warm", "ids", "unknown")}
        for name, listed in (("warm", ids[: len(ids) // 10]), ("ids", ids), ("unknown", unknown)):
            files[name].write_text("\n".join(listed) + "\n", encoding="utf-8")
        cache = Path(work) / "cache"
        indexed = with_index(cache)
        env = {**os.environ, "MODELCLEAR_CACHE": str(cache), "HF_HUB_CACHE": str(Path(work) / "hf"),
               "HF_TOKEN": ""}
        with FixtureHub(root) as hub:
            env["HF_ENDPOINT"] = hub.url
            inventory(files["warm"], Path(work) / "warm.db", env, ["--jobs", str(threads)])  # warm the caches
            asked = len(hub.requests)
            rows.append((f"local executor, --jobs {threads}",
                         *inventory(files["ids"], Path(work) / "local.db", env, ["--jobs", str(threads)])))
            made = hub.requests[asked:]
            api = sum(1 for r in made if r.path.startswith("/api/")) / len(ids)
            files_asked = sum(1 for r in made if "/resolve/" in r.path) / len(ids)
            rows.append((f"dask, own cluster {args.workers}x{args.jobs}",
                         *inventory(files["ids"], Path(work) / "own.db", env,
                                    ["--engine", "dask", "--workers", str(args.workers), "--jobs", str(args.jobs)])))
            os.environ.update(env)  # the joined cluster's workers see the driver's cache and Hub
            with LocalCluster(n_workers=args.workers, threads_per_worker=args.jobs, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                joined = ["--engine", "dask", "--address", cluster.scheduler_address]
                before = client.run(worker_usage)
                rows.append((f"dask, joined cluster {args.workers}x{args.jobs}",
                             *inventory(files["ids"], Path(work) / "joined.db", env, joined)))
                after = client.run(worker_usage)
                known = _per_worker(before, after, len(ids))
                unknown_cost: tuple[float, float, float, float] | None = None
                if unknown and indexed:
                    before = client.run(worker_usage)
                    loads = client.run(load_index)
                    loaded = client.run(worker_usage)
                    wall = inventory(files["unknown"], Path(work) / "unknown.db", env, joined)[0]
                    unknown_cost = (max(loads.values()), _per_worker(before, loaded, args.workers)[0] / 1000,
                                    wall, *_per_worker(loaded, client.run(worker_usage), len(unknown)))
    local_rate = args.models / rows[0][1]
    print(f"{args.models} models (fine-tunes of {len(BASES)} bases, known license texts) through the fixture Hub "
          f"over HTTP into SQLite, warm caches, {os.cpu_count()} cores")
    print("(cpu s and MiB: the inventory process and the workers it reaped; a joined cluster's workers are "
          "counted below; the fixture Hub, a Python server, shares the cores)")
    print(f"{'engine':34}{'wall s':>8}{'models/s':>10}{'vs local':>10}{'cpu s':>8}{'peak MiB':>10}")
    for label, wall, rss, cpu in rows:
        print(f"{label:34}{wall:8.1f}{args.models / wall:10.0f}{args.models / wall / local_rate:9.2f}x"
              f"{cpu:8.1f}{rss:10.0f}")
    cpu_ms, rss = known
    driver_ms = rows[2][3] / args.models * 1000
    print(f"per model, joined cluster: {cpu_ms:.1f} ms worker CPU, {driver_ms:.1f} ms driver CPU, "
          f"{api:.2f} Hub API + {files_asked:.2f} file requests; peak RSS per worker {rss:.0f} MiB")
    if unknown_cost is not None:
        load_wall, load_cpu, wall, cpu_ms, rss = unknown_cost
        print(f"{args.unknown} models with an unknown license text (ScanCode and the clause rules on the workers): "
              f"{wall:.1f} s, {cpu_ms / 1000:.2f} s worker CPU per model; loading the index took {load_wall:.1f} s "
              f"({load_cpu:.1f} s CPU) per worker; peak RSS per worker {rss:.0f} MiB")
    elif unknown:
        print("unknown license texts skipped: no ScanCode index built in MODELCLEAR_CACHE yet (run the tests once)")
    return 0


def _per_worker(before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]],
                models: int) -> tuple[float, float]:
    """Worker CPU milliseconds per model between two readings, and the largest worker's peak RSS (MiB)."""
    cpu = sum(after[w][0] - before.get(w, (0.0, 0.0))[0] for w in after)
    return cpu / models * 1000, max(after[w][1] for w in after)


if __name__ == "__main__":
    sys.exit(main())
