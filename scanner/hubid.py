"""Hub repo ids: one validator for targets, card fields and (later) discovered references."""

from __future__ import annotations

import re

# Same shape the Hub accepts (huggingface_hub.utils.validate_repo_id): optional namespace, a name of
# word characters, dots and dashes, at most 96 each; bounded quantifiers keep matching linear.
_HUB_ID = re.compile(r"(?:[A-Za-z0-9][\w.\-]{0,95}/)?[A-Za-z0-9][\w.\-]{0,95}")
_URL_PREFIXES = ("https://huggingface.co/", "http://huggingface.co/", "hf.co/", "https://hf.co/")


def normalize_hub_id(value: str) -> str | None:
    """Return the canonical ``org/name`` for a Hub id or Hub URL, or None when it is not one."""
    candidate = value.strip()
    for prefix in _URL_PREFIXES:
        if candidate.startswith(prefix):
            candidate = candidate[len(prefix):]
            if candidate.startswith("datasets/"):
                return None
            candidate = "/".join(candidate.split("/")[:2])
            break
    if not _HUB_ID.fullmatch(candidate):
        return None
    if ".." in candidate or "--" in candidate or candidate.endswith((".git", ".")):
        return None
    return candidate


_HOST = re.compile(r"(?i)^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/")
_REVISION_PART = re.compile(r"/(?:tree|blob|resolve|commit)/.*$")
# What people wrap ids in or leave after them in YAML written by hand.
_WRAPPING = " \t\r\n\"'`<>[](){}"
_TRAILING = ".,;:!?"


def parse_hub_reference(value: str) -> str | None:
    """The ``org/name`` a card field means, written the ways cards really write it: a Hub URL with or
    without scheme, ``org/name@rev``, ``org/name/tree/main``, quoted, or with a trailing full stop. None
    when it cannot be read as one (a local path, a sentence): the caller must then report it, not drop it."""
    candidate = value.strip().strip(_WRAPPING).rstrip(_TRAILING).strip(_WRAPPING)
    candidate = _HOST.sub("", candidate)
    if candidate.lower().startswith(("datasets/", "spaces/")):
        return None
    candidate = _REVISION_PART.sub("", candidate).split("@", 1)[0].strip().rstrip("/").rstrip(_TRAILING)
    candidate = re.sub(r"\s*/\s*", "/", candidate)
    return normalize_hub_id(candidate)


def is_hub_id(value: str) -> bool:
    return normalize_hub_id(value) == value.strip() and bool(value.strip())
