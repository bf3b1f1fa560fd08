"""Local sources: a checkout of one model repo, and a mirror folder laid out like the Hub (air-gapped audits)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scanner.card import parse_card
from scanner.errors import UsageError
from scanner.hubid import normalize_hub_id
from scanner.models import CARD_FILE, FetchedRepo, RepoKind, RepoRef, SourceProblem, Status
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

    def list_models(self, author: str | None, search: str | None, tags: tuple[str, ...]) -> Iterator[str]:
        """The mirror's models as the Hub lists them: ``author`` is the org folder, ``search`` a
        case-insensitive part of the id, and every one of ``tags`` must be among the card's tags (its
        ``tags``, and ``license:<id>`` for each declared license)."""
        if author and (normalize_hub_id(author) != author or "/" in author):  # a name, never a path out of the mirror
            raise UsageError(f"--author {author!r} is not a Hub user or organisation name")
        orgs = [self.root / author] if author else sorted(p for p in self.root.iterdir() if p.name != "datasets")
        for org in orgs:
            if not org.is_dir() or org.is_symlink():
                continue
            for folder in sorted(org.iterdir()):
                model_id = f"{org.name}/{folder.name}"
                if not folder.is_dir() or folder.is_symlink() or (search and search.lower() not in model_id.lower()):
                    continue
                if tags and not set(tags) <= self._tags(folder):
                    continue
                yield model_id

    def _tags(self, folder: Path) -> set[str]:
        repo_file, _ = self.selection.read_local(folder / CARD_FILE, CARD_FILE, folder)
        card = parse_card(repo_file.text) if repo_file.text is not None else None
        return set(card.tags) | {f"license:{name}" for name in card.licenses} if card else set()

    def fetch(self, ref: RepoRef) -> FetchedRepo:
        directory = self.repo_dir(ref).resolve()
        if not directory.is_relative_to(self.root) or not directory.is_dir():
            problem = SourceProblem(f"{ref.id} is not in the mirror {self.root}", status=Status.NOT_FOUND)
            return FetchedRepo(ref, Status.NOT_FOUND, self.name, problems=(problem,))
        return self.read_directory(ref, directory, self.name)
