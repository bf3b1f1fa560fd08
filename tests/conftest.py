"""Shared fixtures: the fixture Hub (a real HTTP server) and ways to run the CLI against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from tests.hubserver import FixtureHub

FIXTURES = Path(__file__).parent / "fixtures"
HUB_ROOT = FIXTURES / "hub"
REPO_ROOT = Path(__file__).parent.parent
LICENSES = FIXTURES / "licenses"
REPORTS: list[str] = []
# Findings about the target's own availability, card and license identity. Clause findings (thresholds,
# naming, ...) and lineage findings (ancestors, datasets) are tested on their own, so tests of the former
# look at these rules, on the target itself, only.
CORE_RULES = frozenset({"unverifiable", "card-invalid", "license-unknown", "license-mismatch"})


def core_findings(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["rule"] in CORE_RULES and len(f["path"]) == 1]
  # tables that tests compute (e.g. clause recall), printed at the end of the run

# The extended ScanCode index (~1 minute to build) and detection caches live here for the whole run, and
# across local runs; CI starts from a clean clone, so it builds once per run.
os.environ.setdefault("MODELCLEAR_CACHE", str(REPO_ROOT / ".pytest_cache" / "modelclear"))


@pytest.fixture
def hub() -> Iterator[FixtureHub]:
    """A fresh fixture Hub per test, so request logs and fault counters start at zero."""
    with FixtureHub(HUB_ROOT) as server:
        yield server


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "hf-cache"


class CliResult:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr

    def json(self) -> dict[str, Any]:
        return json.loads(self.stdout)


@pytest.fixture
def run_cli(hub: FixtureHub, cache_dir: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run ``modelclear`` in-process against the fixture Hub (HF_ENDPOINT set, private cache)."""
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    def run(*args: str, env: dict[str, str] | None = None) -> CliResult:
        runner = CliRunner()
        full_env = {"HF_ENDPOINT": hub.url, **(env or {})}
        argv = list(args)
        if argv and argv[0] in ("audit", "lock", "diff") and "--cache-dir" not in argv:
            argv[1:1] = ["--cache-dir", str(cache_dir)]
        result = runner.invoke(cli, argv, env=full_env, catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


def run_console_script(args: list[str], env: dict[str, str],
                       cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run modelclear in a new process, as ``python -m scanner``, with the HF_* environment replaced."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    full_env.update(env)
    command = [sys.executable, "-m", "scanner", *args]
    return subprocess.run(command, capture_output=True, text=True, env=full_env, cwd=cwd or REPO_ROOT, timeout=300)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the measurement tables some tests compute, so every run (and CI's log) shows them."""
    for report in REPORTS:
        terminalreporter.write_sep("-", "measured")
        terminalreporter.write_line(report)
