"""Find the shipped data folders (rules/, policies/) with importlib.resources.

In the wheel they live inside the package (scanner/rules, scanner/policies, see pyproject.toml); in a
source checkout or an editable install they are top-level folders beside scanner/. One function knows both.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import ResourceError

DATA_FOLDERS = ("rules", "policies")


def data_folder(name: str) -> Traversable:
    """The Traversable for a shipped data folder, wherever the installation put it."""
    if name not in DATA_FOLDERS:
        raise ValueError(f"unknown data folder {name!r}")
    packaged = resources.files("scanner").joinpath(name)
    if packaged.is_dir():
        return packaged
    checkout = Path(str(resources.files("scanner"))).parent / name
    if checkout.is_dir():
        return checkout
    raise ResourceError(f"modelclear's {name}/ data folder is missing from this installation")


# libyaml's safe loader when PyYAML was built with it (~10x faster on the rules and fingerprints).
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=64)
def load_yaml(folder: str, relative: str) -> Any:
    """Load a shipped YAML file (safe loader only); cached because the data never changes in a process."""
    text = read_text(folder, relative)
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - the C build of the safe loader
    except yaml.YAMLError as exc:
        raise ResourceError(f"shipped file {folder}/{relative} is not valid YAML: {exc}") from exc


def read_text(folder: str, relative: str) -> str:
    node = data_folder(folder).joinpath(*relative.split("/"))
    if not node.is_file():
        raise ResourceError(f"shipped file {folder}/{relative} is missing from this installation")
    return str(node.read_text(encoding="utf-8"))


def sha256_of(folder: str, relative: str) -> str:
    return hashlib.sha256(read_text(folder, relative).encode("utf-8")).hexdigest()
