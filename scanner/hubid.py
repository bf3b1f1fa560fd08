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


def is_hub_id(value: str) -> bool:
    return normalize_hub_id(value) == value.strip() and bool(value.strip())
