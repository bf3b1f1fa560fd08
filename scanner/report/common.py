"""What every report says the same way: tool versions and the not-legal-advice notice."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from scanner import __version__

TOOL_NAME = "modelclear"
NOT_LEGAL_ADVICE = (
    "This report is produced automatically from public metadata and license texts. It is not legal advice; "
    "have a qualified lawyer review the licenses and obligations before relying on it."
)


@dataclass(frozen=True)
class RunInfo:
    """Facts about the run that are not part of the audit itself (for provenance headers)."""

    source: str
    color: bool = False


@lru_cache(maxsize=1)
def scancode_version() -> str | None:
    """The installed ScanCode toolkit version, read from package metadata (importing ScanCode costs seconds)."""
    try:
        return version("scancode-toolkit")
    except PackageNotFoundError:
        return None


def tool_info() -> dict[str, str | None]:
    return {"name": TOOL_NAME, "version": __version__, "scancode_version": scancode_version()}
