"""Benchmark: many models in one audit (not a test; prints figures).

Builds N fixture models (fine-tunes of six real bases of the fixture Hub, every second one carrying its
base's LICENSE, as real fine-tunes do) and audits all of them in one `modelclear audit` run, from a mirror
and through the fixture Hub over HTTP, in new processes with warm caches. It prints models per second and
peak RSS, and the per-model cost at N against N/10 in the same run: a ratio near 1 means cost is linear.

    python bench/many.py [--models 1000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hubserver import FixtureHub  # noqa: E402

HUB = ROOT / "tests" / "fixtures" / "hub"
BASES = ["meta-llama/Llama-2-7b-hf", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "google/gemma-3-1b-it",
         "black-forest-labs/FLUX.1-dev", "01-ai/Yi-34B", "Qwen/Qwen3-8B"]


def build(root: Path, count: int) -> list[str]:
    """A hub folder: the bases copied from the fixture Hub, and ``count`` fine-tunes of them."""
    for base in BASES:
        shutil.copytree(HUB / base, root / base, dirs_exist_ok=True)
    ids = []
    for i in range(count):
        base = BASES[i % len(BASES)]
        repo = root / "bench" / f"m{i}"
        repo.mkdir(parents=True)
        (repo / "README.md").write_text(f"---\nlicense: other\nbase_model: {base}\nbase_model_relation: finetune\n"
                                        f"---\n# m{i}\n", encoding="utf-8")
        licenses = [p for p in (root / base).iterdir() if p.name.upper().startswith("LICENSE")]
        if i % 2 == 0 and licenses:
            shutil.copy(licenses[0], repo / "LICENSE")
        ids.append(f"bench/m{i}")
    return ids


def audit(ids: list[str], env: dict[str, str], extra: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one audit of all ``ids`` in a new process."""
    command = [sys.executable, "-m", "scanner", "audit", "--format", "json", "-o", os.devnull, "--jobs", "16",
               "--max-nodes", str(len(ids) + 100), *extra, *ids]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        raise SystemExit(f"the audit failed with exit code {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "hub"
        ids = build(root, args.models)
        env = {**os.environ, "MODELCLEAR_CACHE": str(Path(work) / "cache"), "HF_HUB_CACHE": str(Path(work) / "hf")}
        rows = []
        with FixtureHub(root) as hub:
            for label, extra, run_env in (("mirror", ["--mirror", str(root)], env),
                                          ("fixture Hub over HTTP", [], {**env, "HF_ENDPOINT": hub.url})):
                audit(ids[:10], run_env, extra)  # warm the caches (fingerprints, clauses)
                small_wall, _ = audit(ids[: len(ids) // 10], run_env, extra)
                wall, rss = audit(ids, run_env, extra)
                linear = (wall / len(ids)) / (small_wall / (len(ids) // 10))
                rows.append((label, wall, rss, linear))
    print(f"{args.models} models (fine-tunes of {len(BASES)} bases), one audit each way, --jobs 16, warm caches")
    print(f"{'source':24}{'wall s':>8}{'models/s':>10}{'peak MiB':>10}{'cost/model at N vs N/10':>26}")
    for label, wall, rss, linear in rows:
        print(f"{label:24}{wall:8.2f}{args.models / wall:10.0f}{rss:10.0f}{linear:26.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
