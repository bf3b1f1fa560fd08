"""The wheel carries rules/ and policies/ and finds them with importlib.resources after a real install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(REPO_ROOT)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = work.glob("modelclear-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "scanner/rules/findings.yml" in names and "scanner/policies/commercial.yml" in names
    assert not any(name.startswith(("tests/", "rules/", "policies/")) for name in names)
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=600)
    return site


def run_installed(site: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HF_")}, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_installed_wheel_finds_its_data(installed: Path, tmp_path: Path) -> None:
    probe = run_installed(installed, ["-c", "import scanner.resources as r; print(r.data_folder('rules'))"], tmp_path)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().startswith(str(installed))


def test_installed_wheel_audits_the_example(installed: Path, tmp_path: Path) -> None:
    mirror = REPO_ROOT / "examples" / "mirror"
    proc = run_installed(installed, ["-m", "scanner", "audit", "--format", "json", "--mirror", str(mirror),
                                     "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["models"][0]["declared"]["license"] == "llama3.1"
