"""The Hub source: the real huggingface_hub client against the fixture Hub, one test per outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.models import RepoKind, RepoRef, Status
from scanner.sources import FileSelection, HubSettings, HubSource
from tests.hubserver import FixtureHub

LLAMA_GGUF = "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"
GEMMA_GATED = "google/gemma-3-1b-it-qat-q4_0-gguf"


def source(hub: FixtureHub, cache_dir: Path, sleeps: list[float] | None = None, **settings: object) -> HubSource:
    options: dict[str, object] = {"endpoint": hub.url, "timeout": 2.0, "retries": 3, "cache_dir": cache_dir}
    options.update(settings)
    recorder = sleeps if sleeps is not None else []
    return HubSource(HubSettings(**options), sleep=recorder.append)  # type: ignore[arg-type]


def test_ok_repo_reads_license_files_and_never_weights(hub: FixtureHub, cache_dir: Path) -> None:
    repo = source(hub, cache_dir).fetch(RepoRef(LLAMA_GGUF))
    assert repo.status is Status.OK
    assert repo.revision == "9a8c5f1e7d6b4a3c2e1f0a9b8c7d6e5f4a3b2c1d"
    assert [f.path for f in repo.files] == ["README.md", "LICENSE"]
    license_file = repo.file("LICENSE")
    assert license_file is not None and license_file.text is not None
    assert "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT" in license_file.text
    assert license_file.blob_id and len(license_file.blob_id) == 40
    assert "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf" in repo.listed_files
    assert hub.count(".gguf") == 0
    assert [(p.id, p.relation.value) for p in repo.api_parents] == [("meta-llama/Meta-Llama-3.1-8B-Instruct",
                                                                      "quantized")]
    # Files were fetched at the commit model_info reported, so the audit is of one consistent revision.
    assert hub.count(f"/resolve/{repo.revision}/LICENSE", "GET") == 1


def test_gated_without_token_uses_api_card_data(hub: FixtureHub, cache_dir: Path) -> None:
    repo = source(hub, cache_dir).fetch(RepoRef(GEMMA_GATED))
    assert repo.status is Status.GATED
    assert repo.gated == "manual"
    assert repo.api_card_data is not None and repo.api_card_data["license"] == "gemma"
    assert all(f.text is None for f in repo.files)
    assert hub.count("/resolve/") == 1  # gated once means gated everywhere: no request storm


def test_gated_with_approved_token_reads_files(hub: FixtureHub, cache_dir: Path) -> None:
    repo = source(hub, cache_dir, token="hf_fixture_approved_token").fetch(RepoRef(GEMMA_GATED))
    assert repo.status is Status.OK
    assert repo.file("README.md") is not None
    assert all(r.authorization == "Bearer hf_fixture_approved_token" for r in hub.requests)


def test_gated_with_unapproved_token_never_leaks_it(hub: FixtureHub, cache_dir: Path) -> None:
    secret = "hf_not_approved_secret_123"
    repo = source(hub, cache_dir, token=secret).fetch(RepoRef(GEMMA_GATED))
    assert repo.status is Status.GATED
    assert all(secret not in p.message for p in repo.problems)
    assert "token given has no access" in repo.problems[0].message


@pytest.mark.parametrize(
    ("repo_id", "status", "text"),
    [
        ("nobody/nothing", Status.NOT_FOUND, "repository not found"),
        ("faults/bare-404", Status.NOT_FOUND, "HTTP 404"),
        ("faults/unauthorized", Status.NOT_FOUND, "HTTP 401"),
        ("faults/server-error", Status.ERROR, "HTTP 500"),
        ("faults/always-rate-limited", Status.ERROR, "rate limited (HTTP 429) (after 4 attempts)"),
    ],
)
def test_unavailable_repos_are_data(hub: FixtureHub, cache_dir: Path, repo_id: str, status: Status,
                                    text: str) -> None:
    repo = source(hub, cache_dir).fetch(RepoRef(repo_id))
    assert repo.status is status
    assert text in repo.problems[0].message
    assert repo.files == ()


def test_rate_limit_retries_honour_retry_after(hub: FixtureHub, cache_dir: Path) -> None:
    sleeps: list[float] = []
    repo = source(hub, cache_dir, sleeps).fetch(RepoRef("faults/rate-limited-once"))
    assert repo.status is Status.OK
    assert sleeps == [1.0, 1.0]  # the server's Retry-After, not our own backoff
    assert hub.count("/api/models/faults/rate-limited-once") == 3


def test_retry_after_beyond_the_cap_gives_up_at_once(hub: FixtureHub, cache_dir: Path) -> None:
    hub.faults["faults/always-rate-limited"] = {"kind": "rate_limit", "scope": "api", "retry_after": 3600}
    sleeps: list[float] = []
    repo = source(hub, cache_dir, sleeps, max_retry_wait=30.0).fetch(RepoRef("faults/always-rate-limited"))
    assert repo.status is Status.ERROR
    assert "3600 s" in repo.problems[0].message
    assert sleeps == []


def test_slow_server_times_out_with_bounded_retries(hub: FixtureHub, cache_dir: Path) -> None:
    sleeps: list[float] = []
    repo = source(hub, cache_dir, sleeps, timeout=0.5, retries=1).fetch(RepoRef("faults/slow-api"))
    assert repo.status is Status.ERROR
    assert "timed out after 0.5 s (after 2 attempts)" in repo.problems[0].message
    assert len(sleeps) == 1


def test_transient_file_error_is_absorbed_by_the_client(hub: FixtureHub, cache_dir: Path) -> None:
    hub.faults["faults/files-error"] = {"kind": "error", "scope": "files", "times": 1}
    repo = source(hub, cache_dir).fetch(RepoRef("faults/files-error"))
    assert repo.status is Status.OK
    assert repo.file("README.md") is not None


def test_persistent_file_error_stops_after_one_file(hub: FixtureHub, cache_dir: Path) -> None:
    repo = source(hub, cache_dir).fetch(RepoRef("faults/files-error"))
    assert repo.status is Status.ERROR
    assert repo.revision is not None  # metadata was read
    assert "HTTP 500" in repo.problems[0].message and repo.problems[0].file == "README.md"


def test_size_cap_skips_large_files_without_downloading(hub: FixtureHub, cache_dir: Path) -> None:
    selection = FileSelection.load(max_file_bytes=4096)
    hub_source = HubSource(HubSettings(endpoint=hub.url, cache_dir=cache_dir), selection)
    repo = hub_source.fetch(RepoRef(LLAMA_GGUF))
    license_file = repo.file("LICENSE")
    assert license_file is not None and license_file.text is None and "cap" in (license_file.note or "")
    assert hub.count("/LICENSE") == 0
    assert repo.status is Status.OK


def test_revision_pinning(hub: FixtureHub, cache_dir: Path) -> None:
    sha = "9a8c5f1e7d6b4a3c2e1f0a9b8c7d6e5f4a3b2c1d"
    assert source(hub, cache_dir).fetch(RepoRef(LLAMA_GGUF, revision=sha)).status is Status.OK
    assert hub.count(f"/revision/{sha}") == 1
    missing = source(hub, cache_dir).fetch(RepoRef(LLAMA_GGUF, revision="v9"))
    assert missing.status is Status.NOT_FOUND and "revision not found" in missing.problems[0].message


def test_dataset_repos(hub: FixtureHub, cache_dir: Path) -> None:
    repo = source(hub, cache_dir).fetch(RepoRef("Salesforce/APIGen-MT-5k", kind=RepoKind.DATASET))
    assert repo.status is Status.OK
    assert hub.count("/api/datasets/Salesforce/APIGen-MT-5k") == 1
    assert hub.count("/datasets/Salesforce/APIGen-MT-5k/resolve/") >= 1


def test_binary_license_is_not_read_as_text(hub: FixtureHub, cache_dir: Path) -> None:
    repo = source(hub, cache_dir).fetch(RepoRef("cards/binary-license"))
    license_file = repo.file("LICENSE")
    assert license_file is not None and license_file.text is None
    assert any("not a text file" in p.message for p in repo.problems)


def test_file_urls_are_the_clients_own() -> None:
    """The source builds download URLs from huggingface_hub's template instead of importing hf_hub_url (and
    its whole file_download module); the two must agree, for models, datasets, revisions and odd names."""
    from huggingface_hub import hf_hub_url

    from scanner.models import RepoKind
    from scanner.sources.hub import file_url

    endpoint = "http://127.0.0.1:9"
    for ref, name, revision in [(RepoRef("a/b"), "LICENSE", None),
                                (RepoRef("a/b", kind=RepoKind.DATASET), "dir name/ü #1.md", "refs/pr/1"),
                                (RepoRef("org/m-1.5"), "LICENSE.txt", "v1.0")]:
        assert file_url(endpoint, ref, name, revision) == hf_hub_url(
            ref.id, name, repo_type=ref.kind.value, revision=revision, endpoint=endpoint)
