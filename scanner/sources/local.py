"""Local sources: a checkout of one model repo, and a mirror folder laid out like the Hub (air-gapped audits)."""

from __future__ import annotations

from pathlib import Path

from scanner.models import FetchedRepo, RepoKind, RepoRef, SourceProblem, Status
from scanner.sources.base import FileSelection, Source


class LocalDirSource(Source):
    """Audits a directory given on the command line; ids that are not directories are not found."""

    name = "local"

    def fetch(self, ref: RepoRef) -> FetchedRepo:
        directory = Path(ref.local_path or ref.id)
        if not directory.is_dir():
            problem = SourceProblem(f"{directory} is not a directory", status=Status.NOT_FOUND)
            return FetchedRepo(ref, Status.NOT_FOUND, self.name, problems=(problem,))
        return self.read_directory(ref, directory, self.name)


class MirrorSource(Source):
    """DIR/<org>/<name>/ for models and DIR/datasets/<org>/<name>/ for datasets, as the Hub lays out URLs."""

    name = "mirror"

    def __init__(self, root: Path, selection: FileSelection | None = None) -> None:
        super().__init__(selection)
        self.root = root.resolve()

    def describe(self) -> str:
        return f"mirror {self.root}"

    def repo_dir(self, ref: RepoRef) -> Path:
        base = self.root / "datasets" if ref.kind is RepoKind.DATASET else self.root
        return base.joinpath(*ref.id.split("/"))

    def fetch(self, ref: RepoRef) -> FetchedRepo:
        directory = self.repo_dir(ref).resolve()
        if not directory.is_relative_to(self.root) or not directory.is_dir():
            problem = SourceProblem(f"{ref.id} is not in the mirror {self.root}", status=Status.NOT_FOUND)
            return FetchedRepo(ref, Status.NOT_FOUND, self.name, problems=(problem,))
        return self.read_directory(ref, directory, self.name)
