"""The source interface and the one place that decides which repo files are read."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import UsageError
from scanner.models import CARD_FILE, FetchedRepo, RepoFile, RepoRef, SourceProblem, Status
from scanner.resources import load_yaml
from scanner.safefile import FileRefused, read_head, resolve_inside
from scanner.text import decode_text

COMMIT = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class FileSelection:
    """Which root-level files are license-bearing, and the caps on how many and how large (rules/sources.yml)."""

    patterns: tuple[str, ...]
    txt_name_words: tuple[str, ...]
    max_files: int
    max_file_bytes: int

    @classmethod
    def load(cls, max_file_bytes: int | None = None) -> FileSelection:
        data = load_yaml("rules", "sources.yml")
        return cls(
            patterns=tuple(data["license_bearing"]),
            txt_name_words=tuple(data["txt_name_words"]),
            max_files=int(data["max_files"]),
            max_file_bytes=int(max_file_bytes or data["max_file_bytes"]),
        )

    def _rank(self, name: str) -> int | None:
        if "/" in name or "\\" in name:
            return None  # root-level files only
        lowered = name.lower()
        if lowered.endswith(".txt") and not any(word in lowered for word in self.txt_name_words):
            return None
        for rank, pattern in enumerate(self.patterns):
            if fnmatch.fnmatchcase(lowered, pattern.lower()):
                return rank
        return None

    def select(self, names: Iterable[str]) -> tuple[list[str], list[str]]:
        """Return (files to read in priority order, license-bearing files left out by the max_files cap)."""
        ranked = sorted((rank, name) for name in set(names) if (rank := self._rank(name)) is not None)
        chosen = [name for _, name in ranked]
        return chosen[: self.max_files], chosen[self.max_files:]

    def read_local(self, path: Path, name: str, root: Path) -> tuple[RepoFile, SourceProblem | None]:
        """Read one local file under the size cap; a file that is too large or not text is data, not a crash.
        Only a regular file that resolves inside ``root`` is read (scanner.safefile)."""
        try:
            data, size = read_head(resolve_inside(path, root), self.max_file_bytes)
        except FileRefused as exc:
            return self.refused(name, f"is {exc}")
        except OSError as exc:
            message = f"{name} could not be read: {exc.strerror or exc.__class__.__name__}"
            return RepoFile(name, None, note=message), SourceProblem(message, file=name)
        if len(data) > self.max_file_bytes:
            return self.too_large(name, max(size, len(data)), head=data)
        return self.decode(name, data, size=len(data))

    @staticmethod
    def refused(name: str, why: str) -> tuple[RepoFile, SourceProblem]:
        message = f"{name} {why}; not read"
        return RepoFile(name, None, note=message), SourceProblem(message, file=name, status=Status.OK)

    def too_large(self, name: str, size: int | None, head: bytes | None = None) -> tuple[RepoFile, SourceProblem]:
        """A file over the cap is not read; but the card's first bytes are kept when we have them, because its
        front matter (license, base_model) sits at the top and dropping it would clear a model unread.
        ``size`` is None when a stream was cut at the cap before its end was known."""
        amount = f"is {size} bytes, above" if size is not None else "is larger than"
        if name == CARD_FILE and head:
            cut = head[: self.max_file_bytes]
            text = decode_text(cut[: cut.rfind(b"\n") + 1] or cut)
            if text is not None:
                message = (f"{name} {amount} the {self.max_file_bytes}-byte cap; only its first "
                           f"{len(text.encode('utf-8', 'surrogatepass'))} bytes (front matter included) were read")
                return RepoFile(name, text, size=size, note=message), SourceProblem(message, file=name,
                                                                                    status=Status.OK)
        message = f"{name} {amount} the {self.max_file_bytes}-byte cap; not read"
        return RepoFile(name, None, size=size, note=message), SourceProblem(message, file=name, status=Status.OK)

    @staticmethod
    def decode(name: str, data: bytes, size: int | None = None, blob_id: str | None = None
               ) -> tuple[RepoFile, SourceProblem | None]:
        text = decode_text(data)
        if text is None:
            message = f"{name} is not a text file; not read"
            return (RepoFile(name, None, size=size, blob_id=blob_id, note=message),
                    SourceProblem(message, file=name, status=Status.OK))
        return RepoFile(name, text, size=size, blob_id=blob_id), None


MISSING = "missing"


def commit_fingerprint(commit: str) -> str:
    return f"commit:{commit}"


def fingerprint_of(repo: FetchedRepo) -> str | None:
    """A repo's content identity: its commit when the source knows one, else a digest of the files it
    lists and of the license-bearing texts read; ``MISSING`` for a repo that does not exist (a base that is
    still missing has not changed either); None for a repo that could not be read."""
    if repo.status is Status.NOT_FOUND:
        return MISSING
    if repo.status not in (Status.OK, Status.GATED):
        return None
    if repo.revision and COMMIT.fullmatch(repo.revision):
        return commit_fingerprint(repo.revision)
    digest = hashlib.sha256()
    for name in repo.listed_files:
        digest.update(b"name\0" + name.encode("utf-8", "surrogatepass") + b"\0")
    for repo_file in repo.files:
        text = "" if repo_file.text is None else repo_file.text
        digest.update(b"file\0" + repo_file.path.encode("utf-8", "surrogatepass") + b"\0" +
                      hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    return f"files:{digest.hexdigest()}"


class Source(ABC):
    """Fetches repos. ``fetch`` never raises for a repo's content or availability: that is returned as data."""

    name: str = "source"

    def __init__(self, selection: FileSelection | None = None) -> None:
        self.selection = selection or FileSelection.load()

    @abstractmethod
    def fetch(self, ref: RepoRef) -> FetchedRepo:
        """Return what this source knows of ``ref``; its status says whether that is complete."""

    def describe(self) -> str:
        """A short human description for provenance headers (no secrets)."""
        return self.name

    def for_one_audit(self) -> Source:
        """The source one audit of many uses (an inventory): sources with per-audit state renew it."""
        return self

    def fingerprint(self, ref: RepoRef) -> str | None:
        """What identifies the repo's current content, as cheaply as the source can tell: an inventory
        audits a model again only when this differs from its last audit's. Local sources read the files."""
        return fingerprint_of(self.fetch(ref))

    def list_models(self, author: str | None, search: str | None, tags: tuple[str, ...]) -> Iterator[str]:
        """Model ids this source lists (the Hub's model listing); a source that cannot list says so."""
        raise UsageError(f"{self.describe()} cannot list models; name them, or use --from-file")

    def read_directory(self, ref: RepoRef, directory: Path, source_name: str,
                       revision: str | None = None, root: Path | None = None) -> FetchedRepo:
        """Read the license-bearing files at the root of a directory (a checkout, a mirror, a cache snapshot).

        ``root`` is the folder every file must resolve into (the directory itself unless said otherwise: a
        cache snapshot's files are links into the repo folder's blobs/)."""
        try:
            names = [entry.name for entry in os.scandir(directory) if not entry.is_dir(follow_symlinks=False)]
        except OSError as exc:
            failure = SourceProblem(f"{directory} could not be listed: {exc.strerror or exc}")
            return FetchedRepo(ref, Status.ERROR, source_name, revision=revision, problems=(failure,))
        chosen, left_out = self.selection.select(names)
        files: list[RepoFile] = []
        problems: list[SourceProblem] = [self.left_out_problem(left_out)] if left_out else []
        for name in chosen:
            problem: SourceProblem | None
            repo_file, problem = self.selection.read_local(directory / name, name, root or directory)
            files.append(repo_file)
            if problem is not None:
                problems.append(problem)
        return FetchedRepo(ref, Status.OK, source_name, revision=revision, files=tuple(files),
                           listed_files=tuple(sorted(names)), problems=tuple(problems))

    def left_out_problem(self, left_out: list[str]) -> SourceProblem:
        shown = ", ".join(left_out[:5]) + (", ..." if len(left_out) > 5 else "")
        return SourceProblem(f"{len(left_out)} more license-bearing files were not read "
                             f"(cap of {self.selection.max_files}): {shown}", status=Status.OK)
