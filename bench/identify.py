"""Benchmark: identifying a known license text, modelclear vs the scancode CLI (not a test; prints figures).

Audits a fixture model whose LICENSE is a known text (the Llama 3.1 license) through the fixture Hub over
HTTP, in new processes: cold (empty modelclear cache) and warm (cache filled by the cold run). In the same
run it times `scancode --license --json` on the same LICENSE file. Each figure is the wall time and peak RSS
of that child process (os.wait4), and the ratios compare them, so the machine's speed cancels out.

    python bench/identify.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hubserver import FixtureHub  # noqa: E402

MODEL = "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"
LICENSE_FILE = ROOT / "tests" / "fixtures" / "hub" / MODEL / "LICENSE"


def run(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB, and stdout of one child process."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if child.returncode not in (0, 3):
        raise SystemExit(f"{command[:3]} failed with exit code {child.returncode}")
    return wall, usage.ru_maxrss / 1024, text


def modelclear(hub_url: str, cache: Path) -> tuple[float, float, str]:
    env = {**os.environ, "HF_ENDPOINT": hub_url, "MODELCLEAR_CACHE": str(cache),
           "HF_HUB_CACHE": str(cache / "hf"), "HF_HOME": str(cache / "hf-home")}
    wall, rss, out = run([sys.executable, "-m", "scanner", "audit", "--format", "json", MODEL], env)
    model = json.loads(out)["models"][0]
    keys = sorted({lic["key"] for lic in model["licenses"] if lic["source"] == "file"})
    return wall, rss, ",".join(keys)


def scancode_cli() -> tuple[float, float, str]:
    scancode = shutil.which("scancode") or str(Path(sys.executable).parent / "scancode")
    with tempfile.TemporaryDirectory() as work:
        target = Path(work) / "LICENSE"
        shutil.copy(LICENSE_FILE, target)
        output = Path(work) / "out.json"
        wall, rss, _ = run([scancode, "--license", "--json", str(output), "--quiet", str(target)], dict(os.environ))
        result = json.loads(output.read_text())
    expression = result["files"][0].get("detected_license_expression") or ""
    return wall, rss, expression


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each (the median is reported)")
    args = parser.parse_args()
    rows: dict[str, list[tuple[float, float, str]]] = {"modelclear cold": [], "modelclear warm": [],
                                                        "scancode CLI": []}
    with FixtureHub(ROOT / "tests" / "fixtures" / "hub") as hub:
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as cache:
                rows["modelclear cold"].append(modelclear(hub.url, Path(cache)))
                rows["modelclear warm"].append(modelclear(hub.url, Path(cache)))
            rows["scancode CLI"].append(scancode_cli())
    print(f"identify bench: {MODEL} LICENSE ({LICENSE_FILE.stat().st_size} bytes), median of {args.runs} runs")
    print(f"{'':18}{'wall s':>9}{'peak RSS MiB':>14}  license")
    medians = {}
    for name, samples in rows.items():
        wall = statistics.median(s[0] for s in samples)
        rss = statistics.median(s[1] for s in samples)
        medians[name] = (wall, rss)
        print(f"{name:18}{wall:9.2f}{rss:14.0f}  {samples[0][2]}")
    base_wall, base_rss = medians["scancode CLI"]
    for name in ("modelclear cold", "modelclear warm"):
        wall, rss = medians[name]
        print(f"scancode CLI / {name}: {base_wall / wall:.1f}x faster, {base_rss / rss:.1f}x less memory")
    same = {s[2] for samples in rows.values() for s in samples}
    print("same license key everywhere:", "yes" if len(same) == 1 else f"NO {sorted(same)}")


if __name__ == "__main__":
    main()
