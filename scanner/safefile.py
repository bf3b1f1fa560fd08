"""Reading a user's or a repo's file with bounds: a regular file only, at most a given number of bytes.

A path in a repository can name a FIFO, a device (``app.py -> /dev/zero``) or a file of any size; an
unbounded ``read_text`` on it never returns or exhausts memory. Every reader of such paths goes through here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from scanner.errors import UsageError
from scanner.text import shorten


class FileRefused(OSError):
    """The file was not read; the message says why (not a regular file, a symlink, over the size limit)."""


def read_bounded(path: Path, limit: int, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; else FileRefused (OSError on I/O errors)."""
    data, _ = read_head(path, limit, follow_symlinks, refuse_larger=True)
    if len(data) > limit:
        raise FileRefused(f"more than {limit} bytes (it grew while read)")
    return data


def read_head(path: Path, limit: int, follow_symlinks: bool = True, refuse_larger: bool = False
              ) -> tuple[bytes, int]:
    """(at most limit + 1 bytes of a regular file, its size): a caller that keeps a file's head (a model
    card's front matter) tells "too large" from the bytes read. FileRefused for anything but a regular file,
    and for a file over ``limit`` when ``refuse_larger``.

    Opened non-blocking (a FIFO cannot hang the open) and, unless ``follow_symlinks``, with O_NOFOLLOW;
    the checks are made on the open descriptor, and at most limit + 1 bytes are ever read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        if path.is_symlink():
            raise FileRefused("a symbolic link; not followed")
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused("not a regular file")
        if refuse_larger and info.st_size > limit:
            raise FileRefused(f"{info.st_size} bytes exceed the limit of {limit}")
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks), info.st_size


def resolve_inside(path: Path, root: Path) -> Path:
    """Where ``path`` really is, when that is inside ``root``; else FileRefused. A checkout's LICENSE linked
    to ~/.cache/huggingface/token or app.py linked to /dev/zero must never be read."""
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(Path(os.path.realpath(root))):
        raise FileRefused("a symbolic link to a file outside the repository")
    return real


def confined(root: Path, value: str, what: str) -> Path:
    """``value`` (relative to ``root``) as a path that resolves inside ``root``; a path that leaves it (``..``,
    an absolute path, a symlink out) is a UsageError that names it, never what the file holds."""
    resolved = (root / value).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise UsageError(f"{what} {shorten(value)} points outside the repository {root}; only files inside it are read")
    return resolved
