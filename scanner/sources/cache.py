"""Offline audits from the local Hugging Face cache (HF_HUB_CACHE layout), with no network at all.

The cache keeps ``<kind>s--<org>--<name>/refs/<revision>`` (a commit hash) and
``snapshots/<commit>/<file>`` (symlinks into blobs/). A repo or revision that is not cached is reported
as an error with the reason, never silently skipped.
"""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import constants

from scanner.models import FetchedRepo, RepoRef, SourceProblem, Status
from scanner.sources.base import COMMIT, FileSelection, Source


def repo_folder_name(repo_id: str, kind: str) -> str:
    """The cache folder of a repo, as huggingface_hub names it (``models--org--name``), without importing
    its file_download module (a sixth of an audit's start-up) for one line."""
    return constants.REPO_ID_SEPARATOR.join([f"{kind}s", *repo_id.split("/")])


class CacheSource(Source):
    name = "cache"

    def __init__(self, cache_dir: Path | None = None, selection: FileSelection | None = None) -> None:
        super().__init__(selection)
        self.cache_dir = Path(cache_dir or constants.HF_HUB_CACHE)

    def describe(self) -> str:
        return f"offline cache {self.cache_dir}"

    def fetch(self, ref: RepoRef) -> FetchedRepo:
        folder = self.cache_dir / repo_folder_name(ref.id, ref.kind.value)
        revision = ref.revision or "main"
        if not folder.is_dir():
            return self._not_cached(ref, f"{ref.id} is not in the local Hugging Face cache ({self.cache_dir})")
        commit = revision if COMMIT.fullmatch(revision) else self._read_ref(folder, revision)
        if commit is None:
            return self._not_cached(ref, f"revision {revision!r} of {ref.id} is not in the local cache")
        snapshot = folder / "snapshots" / commit
        if not snapshot.is_dir():
            return self._not_cached(ref, f"commit {commit} of {ref.id} is not in the local cache")
        # Symlinks in a snapshot point into the repo folder's blobs/; read_directory follows those, no others.
        return self.read_directory(ref, snapshot, self.name, revision=commit, root=folder)

    @staticmethod
    def _read_ref(folder: Path, revision: str) -> str | None:
        ref_file = (folder / "refs").joinpath(*revision.split("/"))
        if ".." in revision.split("/") or not ref_file.is_file():
            return None
        commit = ref_file.read_text(encoding="ascii", errors="replace").strip()
        return commit if COMMIT.fullmatch(commit) else None

    def _not_cached(self, ref: RepoRef, message: str) -> FetchedRepo:
        problem = SourceProblem(message + " and offline mode forbids fetching it")
        return FetchedRepo(ref, Status.ERROR, self.name, problems=(problem,))
