"""Where repos come from. Only this package does network or filesystem I/O on repos."""

from scanner.sources.base import FileSelection, Source
from scanner.sources.cache import CacheSource
from scanner.sources.hub import HubSettings, HubSource
from scanner.sources.local import LocalDirSource, MirrorSource

__all__ = ["CacheSource", "FileSelection", "HubSettings", "HubSource", "LocalDirSource", "MirrorSource", "Source"]
