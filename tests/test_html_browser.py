"""The HTML report in a real headless browser (Debian's chromium): it renders, shows the evidence, and a
card carrying <script> runs nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import HUB_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError(".ci/run installs chromium; the browser test must not be skipped in CI")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


def browse(page: Path, tmp_path: Path, *extra: str) -> str:
    assert CHROMIUM is not None
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_report_renders_and_runs_nothing(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "report.html"
    result = run_cli("audit", "--mirror", str(HUB_ROOT), "--format", "html", "-o", str(page),
                     "cards/hostile-html", "city96/FLUX.1-dev-gguf")
    assert result.exit_code == 3
    dom = browse(page, tmp_path, "--dump-dom")
    assert "<title>modelclear report: FAIL</title>" in dom  # the script that would retitle the page never ran
    assert "PWNED" not in dom.split("</title>")[0]
    assert 'id="verdict">FAIL<' in dom
    assert "You may not use this model for any commercial purposes." in dom  # the evidence quote is shown
    assert "LICENSE.md:15" in dom and "<svg" in dom  # file:line evidence and the inline lineage
    assert "<script" not in dom.lower()
    shot = tmp_path / "report.png"
    browse(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,1800")
    assert shot.stat().st_size > 10_000
    if os.environ.get("MODELCLEAR_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["MODELCLEAR_KEEP_SCREENSHOT"])


def test_inventory_report_renders_its_charts(run_cli, hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = str(tmp_path / "inv.db")
    models = ["01-ai/Yi-34B", "meta-llama/Llama-2-7b-hf", "nobody/nothing"]
    assert run_cli("inventory", "run", "--store", store, *models).exit_code == 0
    hub.overrides["01-ai/Yi-34B"] = {"main": "2024-05-30"}  # relicensed upstream: a change to list first
    assert run_cli("inventory", "run", "--store", store, *models).exit_code == 0
    page = tmp_path / "inventory.html"
    assert run_cli("inventory", "report", "--store", store, "--format", "html", "-o", str(page)).exit_code == 0
    dom = browse(page, tmp_path, "--dump-dom")
    assert "<title>modelclear inventory: 3 models</title>" in dom
    assert dom.index('id="changes"') < dom.index('id="charts"') < dom.index('id="models"')
    assert "01-ai/Yi-34B" in dom.split('id="charts"')[0]  # the change is listed before the charts
    assert 'id="verdict-chart"' in dom and 'id="license-chart"' in dom
    assert 'data-key="llama-2-license-2023" data-count="1"' in dom
    assert "<script" not in dom.lower()
    shot = tmp_path / "inventory.png"
    browse(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,1400")
    assert shot.stat().st_size > 10_000
    if os.environ.get("MODELCLEAR_KEEP_SCREENSHOT"):
        shutil.copy(shot, Path(os.environ["MODELCLEAR_KEEP_SCREENSHOT"]).with_suffix(".inventory.png"))
