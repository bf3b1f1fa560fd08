"""A hostile Hub: every wait, every byte and every field the source takes from it is bounded or typed.

The real client against the fixture Hub (tests/fixtures/hub/hostile-server/). Liveness, not timing: a call
that used to take hours must end within a generous bound (``bounded``), whatever the machine's load.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from scanner.models import RepoRef, Status
from scanner.report.common import RunInfo
from scanner.sources import FileSelection, HubSettings, HubSource
from tests.conftest import run_console_script
from tests.hubserver import FixtureHub

T = TypeVar("T")
HOSTILE = "hostile-server"
PLAIN = f"{HOSTILE}/malformed"  # a sound repo until a test patches it (FixtureHub.overrides)
LIVENESS = 60.0  # seconds; what used to hang ran for hours


def bounded(call: Callable[[], T], seconds: float = LIVENESS) -> T:
    """``call()``, which must finish within ``seconds`` (run in a daemon thread so a hang fails, not blocks)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:
            outcome.append((False, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds:g} s"
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def source(hub: FixtureHub, cache_dir: Path, sleeps: list[float] | None = None,
           selection: FileSelection | None = None, **settings: Any) -> HubSource:
    options: dict[str, Any] = {"endpoint": hub.url, "timeout": 2.0, "retries": 3, "cache_dir": cache_dir}
    options.update(settings)
    sleep = sleeps.append if sleeps is not None else None
    if sleep is None:
        return HubSource(HubSettings(**options), selection)  # real sleeps: the bound is the point
    return HubSource(HubSettings(**options), selection, sleep=sleep)


def largest_cached_file(cache_dir: Path) -> int:
    sizes = [os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(cache_dir) for name in names
             if not os.path.islink(os.path.join(root, name))]
    return max(sizes, default=0)


# -- 1. Retry-After and retries -----------------------------------------------------------------------
def test_an_hour_of_retry_after_on_files_is_refused_not_slept(hub: FixtureHub, cache_dir: Path) -> None:
    """The client would sleep 3601 s up to five times per file; the cap (max_retry_wait) refuses at once."""
    repo = bounded(lambda: source(hub, cache_dir).fetch(RepoRef(f"{HOSTILE}/rate-limited-files")))
    assert repo.status is Status.ERROR
    assert "asked to wait 3600 s, more than the 60 s allowed" in repo.problems[0].message
    assert hub.count("/resolve/") == 1


@pytest.mark.parametrize("retries", [0, 1, 3])
@pytest.mark.parametrize("kind", ["rate_limit", "error"])
def test_retries_is_the_bound_for_file_downloads(hub: FixtureHub, cache_dir: Path, retries: int, kind: str) -> None:
    hub.faults[PLAIN] = {"kind": kind, "scope": "files", "retry_after": 1}
    sleeps: list[float] = []
    repo = source(hub, cache_dir, sleeps, retries=retries).fetch(RepoRef(PLAIN))
    assert repo.status is Status.ERROR
    assert hub.count("/resolve/") == retries + 1  # no retry of the client's own on top
    assert sleeps == ([1.0] * retries if kind == "rate_limit" else [1.0, 2.0, 4.0][:retries])


def test_a_retry_that_would_pass_the_repo_deadline_is_not_waited_for(hub: FixtureHub, cache_dir: Path) -> None:
    hub.faults[PLAIN] = {"kind": "rate_limit", "scope": "files", "retry_after": 30}
    sleeps: list[float] = []
    repo = source(hub, cache_dir, sleeps, deadline=5.0).fetch(RepoRef(PLAIN))
    assert repo.status is Status.ERROR
    assert "a retry in 30 s would pass the deadline of 5 s per repo" in repo.problems[0].message
    assert sleeps == []


def test_a_transient_file_error_is_still_retried(hub: FixtureHub, cache_dir: Path) -> None:
    hub.faults[PLAIN] = {"kind": "rate_limit", "scope": "files", "retry_after": 1, "times": 1}
    sleeps: list[float] = []
    repo = source(hub, cache_dir, sleeps).fetch(RepoRef(PLAIN))
    assert repo.status is Status.OK and repo.file("README.md") is not None
    assert sleeps == [1.0]


# -- 2. Total time per request, per repo, per audit ------------------------------------------------------
@pytest.mark.parametrize(("scope", "part"), [("files", "body"), ("files", "headers"), ("api", "body"),
                                             ("api", "headers")])
def test_a_trickling_server_is_cut_off(hub: FixtureHub, cache_dir: Path, scope: str, part: str) -> None:
    """A byte every 0.5 s never trips a per-read timeout; the request's total time (timeout) does."""
    hub.faults[PLAIN] = {"kind": "trickle", "scope": scope, "part": part, "interval": 0.5}
    repo = bounded(lambda: source(hub, cache_dir, retries=0, timeout=1.0).fetch(RepoRef(PLAIN)))
    assert repo.status is Status.ERROR
    assert "timed out after 1 s" in repo.problems[0].message


def test_the_repo_deadline_ends_a_repo_and_the_audit_goes_on(hub: FixtureHub, cache_dir: Path) -> None:
    hub_source = source(hub, cache_dir, timeout=30.0, deadline=2.0)
    slow = bounded(lambda: hub_source.fetch(RepoRef(f"{HOSTILE}/trickle-files")))
    assert slow.status is Status.ERROR
    assert "stopped: the deadline of 2 s per repo passed" in slow.problems[0].message
    assert hub_source.fetch(RepoRef(PLAIN)).status is Status.OK


def test_the_audit_deadline_ends_every_later_fetch(hub: FixtureHub, cache_dir: Path) -> None:
    hub_source = source(hub, cache_dir, timeout=30.0, audit_deadline=2.0)
    slow = bounded(lambda: hub_source.fetch(RepoRef(f"{HOSTILE}/trickle-api-headers")))
    assert slow.status is Status.ERROR and "the audit's deadline of 2 s passed" in slow.problems[0].message
    later = hub_source.fetch(RepoRef(PLAIN))
    assert later.status is Status.ERROR and "not fetched: the audit's deadline of 2 s had passed" in \
        later.problems[0].message
    assert hub.count(PLAIN) == 0


def test_deadline_option_reaches_the_audit(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = bounded(lambda: run_cli("audit", f"{HOSTILE}/trickle-files", PLAIN, "--timeout", "30",
                                     "--deadline", "2", "--format", "json"))
    assert result.exit_code == 3, result.stderr
    models = {m["id"]: m for m in result.json()["models"]}
    assert models[f"{HOSTILE}/trickle-files"]["status"] == "error"
    assert models[PLAIN]["status"] == "ok"
    assert any("deadline of 2 s per repo" in f["message"] for f in result.json()["findings"])


# -- 3. Size cap while streaming --------------------------------------------------------------------
def test_a_file_of_unlisted_size_is_read_only_to_the_cap(hub: FixtureHub, cache_dir: Path) -> None:
    """20 MB of README with no size in the listing: cut at the cap; nothing above the cap is cached."""
    repo = bounded(lambda: source(hub, cache_dir).fetch(RepoRef(f"{HOSTILE}/huge-readme-no-sizes")))
    readme = repo.file("README.md")
    # The card keeps what was read up to the cap (its front matter is at the top), and says so.
    assert readme is not None and readme.text is not None and len(readme.text.encode()) <= 1048576
    assert "the 1048576-byte cap; only its first" in (readme.note or "")
    assert repo.status is Status.OK
    assert largest_cached_file(cache_dir) <= 1048576


@pytest.mark.parametrize("listing", [{"omit_sizes": True}, {"sibling_patch": {"LICENSE": {"size": 10}}},
                                     {"sibling_patch": {"LICENSE": {"size": "big"}}}])
def test_the_cap_holds_whatever_the_listing_says(hub: FixtureHub, cache_dir: Path, listing: dict[str, Any]) -> None:
    hub.overrides[PLAIN] = {"generated_files": {"LICENSE": 3_000_000}, **listing}
    selection = FileSelection.load(max_file_bytes=4096)
    repo = source(hub, cache_dir, selection=selection).fetch(RepoRef(PLAIN))
    license_file = repo.file("LICENSE")
    assert license_file is not None and license_file.text is None and "4096-byte cap" in (license_file.note or "")
    assert repo.file("README.md") is not None and repo.file("README.md").text is not None  # type: ignore[union-attr]
    assert largest_cached_file(cache_dir) <= 4096


def test_a_compressed_answer_that_was_not_asked_for_is_not_expanded(hub: FixtureHub, cache_dir: Path) -> None:
    hub.overrides[PLAIN] = {"file_headers": {"Content-Encoding": "gzip"}}
    repo = source(hub, cache_dir).fetch(RepoRef(PLAIN))
    readme = repo.file("README.md")
    assert readme is not None and readme.text is None and "Content-Encoding 'gzip'" in (readme.note or "")


def test_hostile_commit_and_etag_headers_never_leave_the_cache(hub: FixtureHub, cache_dir: Path,
                                                               tmp_path: Path) -> None:
    hub.overrides[PLAIN] = {"api_patch": {"sha": None},
                            "file_headers": {"X-Repo-Commit": "../../escaped", "ETag": '"../../escaped"'}}
    repo = source(hub, cache_dir).fetch(RepoRef(PLAIN))
    assert repo.status is Status.OK and repo.file("README.md") is not None
    assert not any("escaped" in name for _, dirs, files in os.walk(tmp_path) for name in dirs + files)


# -- 4. Malformed API answers ---------------------------------------------------------------------------
MALFORMED_FIELDS = [
    {"sibling_patch": {"README.md": {"size": "big"}}},
    {"sibling_patch": {"README.md": {"size": -1}}},
    {"sibling_patch": {"README.md": {"size": True}}},
    {"sibling_patch": {"README.md": {"size": 1.5}}},
    {"sibling_patch": {"README.md": {"size": [1]}}},
    {"extra_siblings": [{"rfilename": 7}, {"rfilename": None}, {"rfilename": ["LICENSE"]}, {"size": 3}]},
    {"extra_siblings": ["junk", 5, None, [1]]},
    {"api_patch": {"siblings": "nope"}},
    {"api_patch": {"siblings": 5}},
    {"api_patch": {"siblings": {"README.md": 1}}},
    {"api_patch": {"baseModels": "meta-llama/Llama-2-7b"}},
    {"api_patch": {"baseModels": [{"id": "a/b"}]}},
    {"api_patch": {"baseModels": {"relation": "finetune", "models": 5}}},
    {"api_patch": {"baseModels": {"relation": 5, "models": [5, {"id": 7}, None]}}},
    {"api_patch": {"sha": 12345}},
    {"api_patch": {"sha": ["0" * 40]}},
    {"api_patch": {"sha": "../../../outside"}},
    {"api_patch": {"cardData": [1, 2]}},
    {"api_patch": {"cardData": "license: mit"}},
    {"api_patch": {"gated": {"x": 1}}},
    {"api_patch": {"gated": 5}},
]


@pytest.mark.parametrize("patch", MALFORMED_FIELDS, ids=lambda p: json.dumps(p)[:60])
def test_a_malformed_field_is_ignored_and_named(hub: FixtureHub, cache_dir: Path, patch: dict[str, Any]) -> None:
    hub.overrides[PLAIN] = patch
    repo = source(hub, cache_dir).fetch(RepoRef(PLAIN))
    assert repo.status is Status.OK
    assert repo.file("README.md") is not None and repo.file("README.md").text is not None  # type: ignore[union-attr]
    assert any("metadata is malformed" in p.message for p in repo.problems), repo.problems
    assert repo.revision is None or len(repo.revision) == 40


@pytest.mark.parametrize("patch", [{"blobId": 5}, {"blobId": "../x"}, {"lfs": "x"}, {"lfs": {"size": "big"}}])
def test_a_malformed_field_the_audit_does_not_use_changes_nothing(hub: FixtureHub, cache_dir: Path,
                                                                  patch: dict[str, Any]) -> None:
    hub.overrides[PLAIN] = {"sibling_patch": {"README.md": patch}}
    repo = source(hub, cache_dir).fetch(RepoRef(PLAIN))
    readme = repo.file("README.md")
    assert repo.status is Status.OK and readme is not None and readme.text is not None
    assert readme.blob_id is not None and len(readme.blob_id) == 40  # the id of the bytes read


@pytest.mark.parametrize("body", ["<html>busy</html>", "[1, 2]", "null", '"a string"', "[" * 100_000, "{" * 3,
                                  ""])
def test_a_malformed_answer_is_the_repos_error(hub: FixtureHub, cache_dir: Path, body: str) -> None:
    hub.overrides[PLAIN] = {"api_raw": body}
    repo = source(hub, cache_dir).fetch(RepoRef(PLAIN))
    assert repo.status is Status.ERROR
    assert "the Hub's answer is malformed" in repo.problems[0].message


def test_an_oversized_answer_is_not_read(hub: FixtureHub, cache_dir: Path) -> None:
    hub.overrides[PLAIN] = {"api_patch": {"padding": "x" * 200_000}}
    repo = source(hub, cache_dir, max_api_bytes=100_000).fetch(RepoRef(PLAIN))
    assert repo.status is Status.ERROR and "larger than 100000 bytes" in repo.problems[0].message


def test_malformed_answers_leave_the_rest_of_the_audit_alone(run_cli) -> None:  # type: ignore[no-untyped-def]
    hostile = [f"{HOSTILE}/{name}" for name in ("malformed-sizes", "malformed-siblings", "malformed-names",
                                                "malformed-fields", "not-json")]
    result = run_cli("audit", *hostile, PLAIN, "--format", "json")
    assert result.exit_code == 3, result.stderr  # findings, not "the scanner itself failed" (1)
    status = {m["id"]: m["status"] for m in result.json()["models"]}
    assert status == {**{repo_id: "ok" for repo_id in hostile[:4]}, f"{HOSTILE}/not-json": "error", PLAIN: "ok"}
    unverifiable = {f["model"] for f in result.json()["findings"] if f["rule"] == "unverifiable"}
    assert set(hostile) <= unverifiable  # never silent: each malformed answer is a finding


# -- 5. Endpoint credentials ----------------------------------------------------------------------------
SECRETS = ("s3cr3t-pw", "k3y-s3cr3t", "mirror-user")


def secret_endpoint(hub: FixtureHub) -> str:
    return hub.url.replace("http://", "http://mirror-user:s3cr3t-pw@") + "/?key=k3y-s3cr3t"


def assert_no_secret(text: str) -> None:
    assert not [secret for secret in SECRETS if secret in text], text


def test_endpoint_credentials_are_used_but_never_echoed(hub: FixtureHub, cache_dir: Path) -> None:
    hub_source = source(hub, cache_dir, endpoint=secret_endpoint(hub), retries=0, timeout=1.0)
    assert_no_secret(hub_source.describe())
    assert hub_source.describe() == f"hub {hub.url}/"
    assert hub_source.fetch(RepoRef(PLAIN)).status is Status.OK
    basic = "Basic " + base64.b64encode(b"mirror-user:s3cr3t-pw").decode()
    assert {r.authorization for r in hub.requests} == {basic}  # the credentials still reach the mirror
    assert all("key=k3y-s3cr3t" in r.path for r in hub.requests)
    hub.faults[f"{HOSTILE}/trickle-files"] = {"kind": "trickle", "scope": "files", "interval": 0.5}
    for repo_id in ("nobody/nothing", "faults/server-error", f"{HOSTILE}/not-json", f"{HOSTILE}/trickle-files"):
        for problem in bounded(lambda r=repo_id: hub_source.fetch(RepoRef(r))).problems:
            assert_no_secret(problem.message)
    assert_no_secret(RunInfo(source=f"hub {secret_endpoint(hub)}").source)


def test_no_report_or_log_shows_endpoint_credentials(hub: FixtureHub, tmp_path: Path) -> None:
    base = tmp_path / "report"
    formats = ["text", "json", "markdown", "html", "sarif", "cyclonedx", "notice"]
    args = ["-vv", "audit", PLAIN, f"{HOSTILE}/not-json", "--cache-dir", str(tmp_path / "hf"), "-o", str(base)]
    for output_format in formats:
        args += ["--format", output_format]
    result = run_console_script(args, env={"HF_ENDPOINT": secret_endpoint(hub)})
    assert result.returncode == 3, result.stderr
    written = [path for path in tmp_path.iterdir() if path.name.startswith("report.")]
    assert len(written) == len(formats)
    for path in written:
        assert_no_secret(path.read_text(encoding="utf-8"))
    assert "HTTP Request" in result.stderr  # the client's own request log is there, and clean
    assert_no_secret(result.stdout + result.stderr)


def test_a_bad_endpoint_is_refused_without_echoing_its_password(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", PLAIN, "--endpoint", "ftp://mirror-user:s3cr3t-pw@mirror.example/?key=k3y-s3cr3t")
    assert result.exit_code == 2
    assert "ftp://mirror.example/" in result.stderr
    assert_no_secret(result.stdout + result.stderr)
