"""SPDX 3.0.1 validation with the SPDX project's own tools, offline.

``spdx3-validate`` fetches three published files at validation time: the JSON-LD context (rdflib resolves
the document's ``@context``), the JSON schema and the SHACL model. They are bundled in
tests/fixtures/schemas/spdx-3.0.1/ (provenance in tests/fixtures/schemas/SOURCES.tsv) and served from there;
any other URL, and any socket, fails the test, so validation provably needs no network.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

BUNDLE = Path(__file__).parent / "fixtures" / "schemas" / "spdx-3.0.1"
FILES = {
    "https://spdx.org/rdf/3.0.1/spdx-context.jsonld": BUNDLE / "spdx-context.jsonld",
    "https://spdx.org/schema/3.0.1/spdx-json-schema.json": BUNDLE / "schema.json",
    "https://spdx.org/rdf/3.0.1/spdx-model.ttl": BUNDLE / "spdx-model.ttl",
}


class _Response(io.BytesIO):
    """Enough of urllib's response for rdflib and spdx3-validate: bytes, a URL, headers."""

    def __init__(self, url: str, data: bytes) -> None:
        super().__init__(data)
        self.url = url
        kind = "text/turtle" if url.endswith(".ttl") else "application/ld+json" if url.endswith(".jsonld") \
            else "application/json"
        self.headers = {"Content-Type": kind}
        self.status = 200

    def geturl(self) -> str:
        return self.url

    def info(self) -> Any:
        return self.headers


def _open(request: Any, *args: Any, **kwargs: Any) -> _Response:
    url = request if isinstance(request, str) else request.full_url
    if url not in FILES:
        raise AssertionError(f"SPDX validation tried to fetch {url}: not bundled")
    return _Response(url, FILES[url].read_bytes())


@contextmanager
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import urllib.request

    import rdflib.parser

    def no_socket(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("SPDX validation opened a network connection")

    monkeypatch.setattr(urllib.request, "urlopen", _open)
    monkeypatch.setattr(rdflib.parser, "_urlopen", _open)
    monkeypatch.setattr(socket.socket, "connect", no_socket)
    yield


def validate(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """spdx3-validate's JSON-schema and SHACL errors for one document (empty when it is valid)."""
    import spdx3_validate

    with offline(monkeypatch):
        result = spdx3_validate.validate(str(path))
    return [str(error) for error in result.errors]
