"""The Action on a pull request that changes the lock: the step summary shows the license diff between the
base branch's copy (read with git) and the pull request's, as Markdown."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import HUB_ROOT
from tests.test_action import run_action
from tests.test_lock import YI, write_lock


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=cwd,
                   check=True, capture_output=True)


def pull_request(tmp_path: Path, run_cli, base: str, head: str) -> Path:  # type: ignore[no-untyped-def]
    """A checkout whose base branch (origin/main) holds the lock of ``base`` and whose working tree holds
    the lock of ``head``."""
    work = tmp_path / "workspace"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    write_lock(run_cli, work / "modelclear.lock", base)
    git(work, "add", "modelclear.lock")
    git(work, "commit", "-q", "-m", "lock")
    git(work, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(work, "checkout", "-q", "-b", "relicense")
    write_lock(run_cli, work / "modelclear.lock", head)
    return work


def env() -> dict[str, str]:
    return {"MODELCLEAR_MIRROR": str(HUB_ROOT), "GITHUB_BASE_REF": "main"}


def test_a_pull_request_that_changes_the_lock_shows_the_license_diff(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pull_request(tmp_path, run_cli, f"{YI}@2023-11-15", f"{YI}@2024-05-30")
    code, outputs, summary = run_action(tmp_path, {"path": "", "models": YI}, env())
    assert code == 0 and outputs["verdict"] == "pass"
    assert summary.startswith("## modelclear: ✅ PASS")  # the audit's report first
    diff = summary[summary.index("## modelclear: license diff"):]
    assert "modelclear.lock on main" in diff and "modelclear.lock in this pull request" in diff
    assert "**1 of 1 repos changed licensing**" in diff
    assert "| ➖ removed | license yi\\-community\\-license\\-2\\.1 |" in diff
    assert "| ➕ added | license apache\\-2\\.0 |" in diff
    assert "clause patent\\-grant" in diff


def test_an_unchanged_lock_adds_no_diff(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pull_request(tmp_path, run_cli, f"{YI}@2023-11-15", f"{YI}@2023-11-15")
    code, _, summary = run_action(tmp_path, {"path": "", "models": YI}, env())
    assert code == 0 and "license diff" not in summary


def test_an_option_like_lock_input_is_refused(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pull_request(tmp_path, run_cli, f"{YI}@2023-11-15", f"{YI}@2024-05-30")
    for hostile in ("--output=/etc/x", "../outside.lock"):
        code, _, summary = run_action(tmp_path, {"path": "", "models": YI, "lock": hostile}, env())
        assert code == 2 and summary == ""
