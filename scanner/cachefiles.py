"""Writing modelclear's own cache files: atomically, so concurrent audits never read a half-written file."""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path

from scanner.errors import UsageError

log = logging.getLogger(__name__)


def check_trusted(path: Path, root: Path) -> None:
    """Refuse a cache file that someone else could have written, as pip refuses a cache it does not own.

    The ScanCode index is a pickle: loading one that another user could replace is running their code. The
    file and every folder from it up to ``root`` must be owned by this user and writable by no one else.
    """
    uid = os.getuid()
    root = Path(os.path.realpath(root))
    current = Path(os.path.realpath(path))
    if not current.is_relative_to(root):
        raise UsageError(f"the cache file {path} resolves outside the cache folder {root}; refusing to load it")
    while True:
        info = os.stat(current)
        if info.st_uid != uid:
            raise UsageError(f"the cache {current} is owned by another user (uid {info.st_uid}); refusing to load "
                             f"it. Use a cache folder of your own (MODELCLEAR_CACHE) or remove it")
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise UsageError(f"the cache {current} is writable by other users (mode {stat.filemode(info.st_mode)});"
                             f" refusing to load it. Run chmod go-w on it or use another MODELCLEAR_CACHE")
        if current == root:
            return
        current = current.parent


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; False (logged) when it cannot.

    A cache that cannot be written only costs speed, so failures are not errors.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("could not write cache file %s: %s", path, exc)
        return False
    return True
