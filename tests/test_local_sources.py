"""Offline sources: a mirror folder, a local checkout, and the Hugging Face cache with no network."""

from __future__ import annotations

import shutil
from pathlib import Path

from scanner.models import RepoKind, RepoRef, Status
from scanner.sources import CacheSource, HubSettings, HubSource, LocalDirSource, MirrorSource
from tests.conftest import HUB_ROOT
from tests.hubserver import FixtureHub

LLAMA_GGUF = "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"


def test_mirror_reads_models_and_datasets() -> None:
    mirror = MirrorSource(HUB_ROOT)
    repo = mirror.fetch(RepoRef(LLAMA_GGUF))
    assert repo.status is Status.OK and repo.source == "mirror"
    assert {f.path for f in repo.files} == {"README.md", "LICENSE"}  # _fixture.yml is not license-bearing
    dataset = mirror.fetch(RepoRef("Salesforce/APIGen-MT-5k", kind=RepoKind.DATASET))
    assert dataset.status is Status.OK
    missing = mirror.fetch(RepoRef("nobody/nothing"))
    assert missing.status is Status.NOT_FOUND and "not in the mirror" in missing.problems[0].message


def test_mirror_cannot_escape_its_root(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "README.md").write_text("---\nlicense: mit\n---\n")
    repo = MirrorSource(tmp_path / "mirror").fetch(RepoRef("../secret"))
    assert repo.status is Status.NOT_FOUND


def test_local_directory(tmp_path: Path) -> None:
    shutil.copytree(HUB_ROOT / "01-ai" / "Yi-34B", tmp_path / "yi")
    (tmp_path / "yi" / "weights.safetensors").write_bytes(b"\x00" * 64)
    (tmp_path / "yi" / "vocab.txt").write_text("hello\n")
    (tmp_path / "yi" / "MODEL_LICENSE_AGREEMENT.txt").write_text("terms\n")
    repo = LocalDirSource().fetch(RepoRef(str(tmp_path / "yi"), local_path=str(tmp_path / "yi")))
    assert repo.status is Status.OK
    assert [f.path for f in repo.files] == ["README.md", "LICENSE", "MODEL_LICENSE_AGREEMENT.txt"]


def test_max_files_cap_is_reported(tmp_path: Path) -> None:
    for index in range(45):
        (tmp_path / f"NOTES{index:02}.md").write_text("notes\n")
    repo = LocalDirSource().fetch(RepoRef(str(tmp_path), local_path=str(tmp_path)))
    assert len(repo.files) == 40
    assert any("5 more license-bearing files were not read" in p.message for p in repo.problems)


def test_offline_cache_after_an_online_audit(hub: FixtureHub, cache_dir: Path) -> None:
    online = HubSource(HubSettings(endpoint=hub.url, cache_dir=cache_dir)).fetch(RepoRef(LLAMA_GGUF))
    assert online.status is Status.OK
    requests_before = len(hub.requests)
    offline = CacheSource(cache_dir).fetch(RepoRef(LLAMA_GGUF))
    assert len(hub.requests) == requests_before  # no network at all
    assert offline.status is Status.OK and offline.source == "cache"
    assert offline.revision == online.revision
    license_file = offline.file("LICENSE")
    assert license_file is not None and license_file.text == online.file("LICENSE").text  # type: ignore[union-attr]
    pinned = CacheSource(cache_dir).fetch(RepoRef(LLAMA_GGUF, revision=online.revision))
    assert pinned.status is Status.OK


def test_offline_cache_misses_are_errors(cache_dir: Path) -> None:
    missing = CacheSource(cache_dir).fetch(RepoRef("nobody/nothing"))
    assert missing.status is Status.ERROR
    assert "not in the local Hugging Face cache" in missing.problems[0].message
