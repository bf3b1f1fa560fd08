"""ScanCode's license index, extended with modelclear's own licenses and rules (rules/scancode/).

The only module that imports ScanCode. ScanCode 32.5's ``additional_directory`` silently drops custom
rules, so the combined index is built explicitly with ``build_index`` and installed as ScanCode's process
cache, where ``detect_licenses`` finds it. Building costs ~1 minute and ~1.4 GiB once; the result is pickled
in modelclear's own cache under a name that hashes ScanCode's version and every file of rules/scancode, so
an edited rule or an upgraded ScanCode rebuilds it. Loading it is lazy: nothing here runs at import.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle  # our own index file, written by this module; never a file from a repo
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from scanner.cachefiles import check_trusted, write_atomic
from scanner.report.common import scancode_version
from scanner.resources import data_folder

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_LOADED: Any = None


def cache_root() -> Path:
    """modelclear's cache folder: MODELCLEAR_CACHE, else XDG_CACHE_HOME/modelclear, else ~/.cache/modelclear."""
    explicit = os.environ.get("MODELCLEAR_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "modelclear"


def extra_rules_dir() -> Path:
    return Path(str(data_folder("rules").joinpath("scancode")))


_KEY = re.compile(r"[a-z0-9][a-z0-9.+_-]{0,120}")


@lru_cache(maxsize=512)
def license_facts(key: str) -> dict[str, str]:
    """name, category and spdx of a license key, from its .LICENSE front matter (no index needed)."""
    raw = _license_file(key)
    if raw is None or not raw.startswith("---"):
        return {}
    front = raw.split("\n---\n", 1)[0].removeprefix("---")
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {field: str(data[source]) for field, source in (("name", "name"), ("category", "category"),
                                                            ("spdx", "spdx_license_key")) if data.get(source)}


def _license_file(key: str) -> str | None:
    if not _KEY.fullmatch(key):
        return None
    from importlib.resources import files

    for folder in (extra_rules_dir() / "licenses", files("licensedcode").joinpath("data").joinpath("licenses")):
        node = folder.joinpath(f"{key}.LICENSE")
        if node.is_file():
            return str(node.read_text(encoding="utf-8"))
    return None


def reference_text(key: str) -> str | None:
    """A license's own text, from rules/scancode/licenses or ScanCode's LicenseDB files (no index needed).

    Used to read a declared license's clauses when the repo's own copy cannot be read (gated repos, cards
    without a LICENSE file). The text is what follows the .LICENSE file's YAML front matter.
    """
    text = _license_file(key)
    if text is None:
        return None
    if text.startswith("---"):
        parts = text.split("\n---\n", 1)
        text = parts[1] if len(parts) == 2 else ""
    return text.lstrip("\n") or None


def rules_digest() -> str:
    """A digest of ScanCode's version and every file in rules/scancode: the identity of the extended index."""
    digest = hashlib.sha256((scancode_version() or "none").encode())
    root = extra_rules_dir()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".LICENSE", ".RULE"):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def index_path() -> Path:
    return cache_root() / "scancode-index" / f"index-{rules_digest()}.pickle"


def get_license_cache() -> Any:
    """The extended LicenseCache, loaded or built once per process, and installed as ScanCode's own."""
    global _LOADED
    with _LOCK:
        if _LOADED is None:
            _prepare_scancode_env()
            path = index_path()
            cache = _load(path) if path.is_file() else None
            if cache is None:
                _check_folder(path)  # before a minute of building, not when the next run loads it
                cache = _build()
                _save(cache, path)
            import licensedcode.cache as scancode_cache

            scancode_cache._LICENSE_CACHE = cache
            _LOADED = cache
        return _LOADED


def _check_folder(path: Path) -> None:
    """The folder the index will be saved in (its nearest existing part) must be one only this user can
    write, or the pickle saved there could be replaced before it is loaded."""
    root = cache_root()
    folder = path.parent
    while not folder.exists() and folder != root and folder.parent != folder:
        folder = folder.parent
    if folder.exists() and Path(os.path.realpath(folder)).is_relative_to(os.path.realpath(root)):
        check_trusted(folder, root)


def _prepare_scancode_env() -> None:
    """Keep ScanCode's temp and cache files inside modelclear's cache unless the user chose otherwise."""
    root = cache_root()
    os.environ.setdefault("SCANCODE_TEMP", str(root / "scancode-temp"))
    os.environ.setdefault("SCANCODE_CACHE", str(root / "scancode-cache"))


def _build() -> Any:
    log.warning("building the extended ScanCode license index (once; about a minute)")
    from licensedcode.cache import (
        LicenseCache,
        build_index,
        build_licensing,
        build_spdx_symbols,
        build_unknown_spdx_symbol,
    )
    from licensedcode.models import licenses_data_dir, load_licenses_from_multiple_dirs

    extra = extra_rules_dir()
    db = load_licenses_from_multiple_dirs(
        builtin_license_data_dir=licenses_data_dir,
        additional_license_data_dirs=[str(extra / "licenses")],
        with_deprecated=False,
    )
    index = build_index(licenses_db=db, additional_directories=[str(extra)])
    return LicenseCache(
        db=db, index=index, licensing=build_licensing(db), spdx_symbols=build_spdx_symbols(db),
        unknown_spdx_symbol=build_unknown_spdx_symbol(db),
    )


def _load(path: Path) -> Any:
    check_trusted(path, cache_root())  # a pickle another user could write is their code running here
    try:
        with open(path, "rb") as handle:
            return pickle.loads(handle.read())  # noqa: S301 - our own cache file
    except Exception as exc:  # a corrupt or incompatible cache is rebuilt, not fatal
        log.warning("ignoring unreadable index cache %s: %s", path, exc.__class__.__name__)
        return None


def _save(cache: Any, path: Path) -> None:
    write_atomic(path, pickle.dumps(cache, protocol=pickle.HIGHEST_PROTOCOL))
