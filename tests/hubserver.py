"""A fixture Hugging Face Hub: a real HTTP server on 127.0.0.1 serving repos from a folder.

The real huggingface_hub client talks to it (no mocking), so the tests see the client's real behaviour:
its HEAD-then-GET downloads, its error mapping from X-Error-Code, its own retries.

Layout: ROOT/<org>/<name>/ for models, ROOT/datasets/<org>/<name>/ for datasets (the Hub's URL layout).
An optional ``_fixture.yml`` in a repo folder (never served) sets: ``sha``, ``gated`` (manual|auto),
``tokens`` (tokens that may read a gated repo), ``base_models`` (the API's baseModels), ``extra_files``
({name: size} listed but never servable, e.g. weights), and ``fault``:
{kind: not_found|bare_404|unauthorized|forbidden|rate_limit|slow|error|trickle, scope: api|files|all, times: N,
 retry_after: seconds, delay: seconds, interval: seconds, part: headers|body}. ``times`` limits how many
requests fail (default: all); ``trickle`` answers one byte every ``interval`` seconds (0.5), in the headers
or in the body, until the client goes away.

Hostile answers (tests/fixtures/hub/hostile-server/): ``omit_sizes`` (siblings without ``size``, as the API
may answer), ``generated_files`` ({name: size}: served as that many bytes, listed like the rest),
``api_patch`` (merged over the API's JSON, e.g. ``siblings: nope``), ``sibling_patch`` ({name: {field:
value}} merged over one sibling), ``extra_siblings`` (raw entries appended to the list), ``api_raw`` (a
string served verbatim as the API's body) and ``file_headers`` (headers added to every file answer).
Faults and any of these keys can also be set at run time through ``FixtureHub.faults`` and
``FixtureHub.overrides`` ({repo_id: {key: value}}).

Revisions (a repo's history, e.g. 01-ai/Yi-34B moving from the Yi license to Apache-2.0): ``revisions``
maps a revision name (a tag or branch) to ``{sha, folder}`` and any other keys above for that revision
alone (``extra_files``, ``base_models``, ...); ``folder`` is a sub-folder of the repo holding that
revision's files (``.`` is the repo folder itself, whose files are what ``main`` serves). ``main`` names
the revision ``main`` points at (default: the repo folder at ``sha``), so a test can move ``main`` at run
time with ``overrides[repo] = {"main": NAME}``. /api/models/{repo}/revision/{rev} and
/{repo}/resolve/{rev}/{file} answer for ``main``, each name and each commit sha; anything else is
RevisionNotFound. Repos without ``revisions`` serve ``main`` and their ``sha`` as before.
"""

from __future__ import annotations

import copy
import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import yaml

FIXTURE_FILE = "_fixture.yml"


def git_blob_sha1(data: bytes) -> str:
    """The git blob id the Hub uses as ETag and blobId."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Request:
    method: str
    path: str
    status: int
    authorization: str | None


@dataclass(frozen=True)
class _FolderFacts:
    sha: str
    listing: tuple[tuple[str, int, str], ...]  # (name, size, git blob sha1)
    card: dict[str, Any] | None


@dataclass
class FixtureHub:
    root: Path
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    page_size: int = 25  # models per page of /api/models (the client follows the Link header)
    # the listing's pages from this one on trickle a byte every 0.5 s ({"from_page": N}), or answer 500
    # ({"from_page": N, "status": 500})
    listing_fault: dict[str, Any] | None = None
    _counts: dict[tuple[str, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _facts: dict[Path, tuple[Any, _FolderFacts]] = field(default_factory=dict)
    closed: threading.Event = field(default_factory=threading.Event)  # ends trickling answers at shutdown

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FixtureHub:
        hub = self

        class Handler(_Handler):
            fixture = hub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- bookkeeping used by tests ---------------------------------------------------------------
    def count(self, needle: str, method: str | None = None) -> int:
        return sum(1 for r in self.requests if needle in r.path and (method is None or r.method == method))

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def fault_fires(self, repo_key: str, fault: dict[str, Any], scope: str) -> bool:
        """True when this request should fail; counts down ``times`` per repo and scope."""
        if fault.get("scope", "all") not in (scope, "all"):
            return False
        times = fault.get("times")
        with self._lock:
            seen = self._counts.get((repo_key, scope), 0)
            self._counts[(repo_key, scope)] = seen + 1
        return times is None or seen < int(times)

    # -- repo model ------------------------------------------------------------------------------
    def repo(self, kind: str, repo_id: str) -> tuple[Path, dict[str, Any]] | None:
        base = self.root / "datasets" if kind == "dataset" else self.root
        folder = base.joinpath(*repo_id.split("/"))
        if ".." in repo_id or not folder.is_dir():
            return None
        meta_path = folder / FIXTURE_FILE
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
        meta = dict(meta or {})
        meta.update(self.overrides.get(repo_id) or {})
        fault = self.faults.get(repo_id) or meta.get("fault")
        if fault:
            meta["fault"] = fault
        if "sha" not in meta:
            meta["sha"] = self.facts(folder).sha
        return folder, meta

    def facts(self, folder: Path) -> _FolderFacts:
        """The folder's commit-like digest, file listing and card front matter, computed once per content
        (keyed by each file's name, size and mtime): the server stays cheap beside the client it serves."""
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != FIXTURE_FILE)
        key = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)
        with self._lock:
            cached = self._facts.get(folder)
        if cached is not None and cached[0] == key:
            return cached[1]
        digest = hashlib.sha1()
        listing = []
        for path in files:
            data = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + data)
            listing.append((path.name, len(data), git_blob_sha1(data)))
        readme = folder / "README.md"
        card = _front_matter(readme.read_text(encoding="utf-8", errors="replace")) if readme.is_file() else None
        facts = _FolderFacts(digest.hexdigest(), tuple(listing), card)
        with self._lock:
            self._facts[folder] = (key, facts)
        return facts

    def at_revision(self, kind: str, repo_id: str, revision: str | None
                    ) -> tuple[Path, dict[str, Any]] | str | None:
        """(folder, meta) of the repo at ``revision`` (None or ``main``: what main points at); the error code
        ("RepoNotFound", "RevisionNotFound") when there is none; None for a repo whose fault must answer."""
        found = self.repo(kind, repo_id)
        if found is None:
            return "RepoNotFound"
        folder, meta = found
        revisions: dict[str, Any] = dict(meta.get("revisions") or {})
        wanted = revision or "main"
        if wanted == "main" and meta.get("main"):
            wanted = str(meta["main"])
        if wanted in ("main", meta["sha"]) and wanted not in revisions:
            return folder, meta
        for name, entry in revisions.items():
            if wanted in (str(name), str(entry["sha"])):
                sub = (folder / str(entry.get("folder", "."))).resolve()
                if not sub.is_dir() or not sub.is_relative_to(folder.resolve()):
                    raise ValueError(f"{repo_id}: revision {name} has no folder {entry.get('folder')!r}")
                merged = {k: v for k, v in meta.items() if k not in ("revisions", "main")}
                merged.update({k: v for k, v in entry.items() if k != "folder"})
                return sub, merged
        return "RevisionNotFound"


class _Handler(BaseHTTPRequestHandler):
    fixture: FixtureHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):  # a client that gave up (a timeout test): not news
            pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm holds the body until the
        # client's delayed ACK (~40 ms a request), a stall no real Hub front end has.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._route(head=False)

    def do_HEAD(self) -> None:
        self._route(head=True)

    # -- routing ---------------------------------------------------------------------------------
    def _route(self, head: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        try:
            if path == "/api/models":
                self._list(dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True)),
                           [value for key, value in parse_qsl(urlsplit(self.path).query) if key == "filter"])
            elif path.startswith("/api/models/"):
                self._api("model", path[len("/api/models/"):])
            elif path.startswith("/api/datasets/"):
                self._api("dataset", path[len("/api/datasets/"):])
            elif "/resolve/" in path:
                rest = path[1:]
                kind = "model"
                if rest.startswith("datasets/"):
                    kind, rest = "dataset", rest[len("datasets/"):]
                repo_id, _, tail = rest.partition("/resolve/")
                revision, _, filename = tail.partition("/")
                self._resolve(kind, repo_id, revision, filename, head)
            else:
                self._send(404, b"", {})
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _list(self, query: dict[str, str], tags: list[str]) -> None:
        """The model listing: ``author`` (the org folder), ``search`` (part of the id, any case) and
        ``filter`` (each a tag of the card: its ``tags`` or ``license:<id>``), ``cursor`` pages."""
        root = self.fixture.root
        ids = []
        for org in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "datasets"):
            if query.get("author") and org.name != query["author"]:
                continue
            for folder in sorted(p for p in org.iterdir() if p.is_dir()):
                repo_id = f"{org.name}/{folder.name}"
                if query.get("search", "").lower() not in repo_id.lower():
                    continue
                card = self.fixture.facts(folder).card or {}
                licenses = card.get("license") or []
                have = {str(t) for t in (card.get("tags") or [])} | {
                    f"license:{name}" for name in (licenses if isinstance(licenses, list) else [licenses])}
                if all(tag in have for tag in tags):
                    ids.append(repo_id)
        start = int(query.get("cursor") or 0)
        fault = self.fixture.listing_fault
        if fault and start >= int(fault.get("from_page", 0)) * self.fixture.page_size:
            if fault.get("status"):
                return self._error(int(fault["status"]), "", "listing failed")
            return self._trickle(0.5, "body")
        page = ids[start:start + self.fixture.page_size]
        headers = {}
        if start + self.fixture.page_size < len(ids):
            rest = [(k, v) for k, v in parse_qsl(urlsplit(self.path).query) if k != "cursor"]
            rest.append(("cursor", str(start + self.fixture.page_size)))
            headers["Link"] = f'<{self.fixture.url}/api/models?{urlencode(rest)}>; rel="next"'
        self._send_json(200, [{"id": repo_id, "modelId": repo_id} for repo_id in page], headers)

    def _api(self, kind: str, rest: str) -> None:
        repo_id, _, revision = rest.partition("/revision/")
        found = self.fixture.repo(kind, repo_id)
        if found is None:
            return self._error(404, "RepoNotFound")
        if self._fault(repo_id, found[1], "api"):
            return
        at = self.fixture.at_revision(kind, repo_id, revision or None)
        if isinstance(at, str) or at is None:
            return self._error(404, at or "RevisionNotFound")
        folder, meta = at
        if "api_raw" in meta:
            return self._send(200, str(meta["api_raw"]).encode("utf-8"), {"Content-Type": "application/json"})
        self._send_json(200, self._info(repo_id, folder, meta))

    def _info(self, repo_id: str, folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
        facts = self.fixture.facts(folder)
        siblings: list[Any] = [{"rfilename": name, "size": size, "blobId": blob} for name, size, blob in facts.listing]
        for name, size in (meta.get("generated_files") or {}).items():
            siblings.append({"rfilename": name, "size": size})
        for name, size in (meta.get("extra_files") or {}).items():
            siblings.append({"rfilename": name, "size": size, "blobId": "0" * 40,
                             "lfs": {"size": size, "sha256": "0" * 64, "pointerSize": 134}})
        for sibling in siblings:
            sibling.update((meta.get("sibling_patch") or {}).get(sibling["rfilename"]) or {})
            if meta.get("omit_sizes"):
                sibling.pop("size", None)
        siblings.extend(meta.get("extra_siblings") or [])
        card_data = meta.get("card_data")
        if card_data is None:
            card_data = copy.deepcopy(facts.card)
        info: dict[str, Any] = {
            "id": repo_id, "_id": hashlib.md5(repo_id.encode()).hexdigest()[:24], "sha": meta["sha"],
            "private": False, "gated": meta.get("gated", False), "disabled": False,
            "tags": [], "siblings": siblings, "cardData": card_data,
        }
        if meta.get("base_models"):
            info["baseModels"] = meta["base_models"]
        info.update(meta.get("api_patch") or {})
        return info

    def _resolve(self, kind: str, repo_id: str, revision: str, filename: str, head: bool) -> None:
        found = self.fixture.repo(kind, repo_id)
        if found is None:
            return self._error(404, "RepoNotFound")
        if self._fault(repo_id, found[1], "files"):
            return
        at = self.fixture.at_revision(kind, repo_id, revision)
        if isinstance(at, str) or at is None:
            return self._error(404, at or "RevisionNotFound")
        folder, meta = at
        gated = meta.get("gated")
        if gated:
            auth = self.headers.get("Authorization") or ""
            tokens = [f"Bearer {token}" for token in meta.get("tokens") or []]
            if auth not in tokens:
                return self._error(401 if not auth else 403, "GatedRepo",
                                   message="Access to this repo is restricted")
        path = folder / filename
        generated = (meta.get("generated_files") or {}).get(filename)
        if generated is not None and "/" not in filename:
            headers = {"X-Repo-Commit": meta["sha"], "ETag": '"' + "1" * 40 + '"',
                       "Content-Type": "text/plain; charset=utf-8", **(meta.get("file_headers") or {})}
            return self._send_generated(int(generated), headers, head)
        if "/" in filename or filename == FIXTURE_FILE or not path.is_file():
            return self._error(404, "EntryNotFound", commit=meta["sha"])
        data = path.read_bytes()
        headers = {"X-Repo-Commit": meta["sha"], "ETag": f'"{git_blob_sha1(data)}"',
                   "Content-Type": "text/plain; charset=utf-8", **(meta.get("file_headers") or {})}
        self._send(200, b"" if head else data, headers, length=len(data))

    # -- faults and replies ----------------------------------------------------------------------
    def _fault(self, repo_id: str, meta: dict[str, Any], scope: str) -> bool:
        fault = meta.get("fault")
        if not fault or not self.fixture.fault_fires(repo_id, fault, scope):
            return False
        kind = fault["kind"]
        if kind == "slow":
            time.sleep(float(fault.get("delay", 3)))
            return False
        if kind == "trickle":
            self._trickle(float(fault.get("interval", 0.5)), fault.get("part", "body"))
            return True
        if kind == "not_found":
            self._error(404, "RepoNotFound")
        elif kind == "bare_404":
            self._send(404, b"Not Found", {})
        elif kind == "unauthorized":
            self._send(401, b"Unauthorized", {})
        elif kind == "forbidden":
            self._send(403, b"Forbidden", {})
        elif kind == "rate_limit":
            self._send_json(429, {"error": "rate limited"}, {"Retry-After": str(fault.get("retry_after", 1))})
        elif kind == "error":
            self._send_json(500, {"error": "internal error"}, {})
        else:
            raise ValueError(f"unknown fault kind {kind}")
        return True

    def _error(self, status: int, code: str, message: str = "", commit: str | None = None) -> None:
        headers = {"X-Error-Code": code, "X-Error-Message": message or code}
        if commit:
            headers["X-Repo-Commit"] = commit
        self._send_json(status, {"error": message or code}, headers)

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode("utf-8")
        self._send(status, data, {"Content-Type": "application/json", **(headers or {})})

    def _send(self, status: int, data: bytes, headers: dict[str, str], length: int | None = None) -> None:
        # Logged before replying: once the client has its answer, the log already shows the request.
        self.fixture.record(Request(self.command, self.path, status, self.headers.get("Authorization")))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


    def _trickle(self, interval: float, part: str) -> None:
        """One byte every ``interval`` s, each well within any per-read timeout, until the client leaves."""
        self.fixture.record(Request(self.command, self.path, 200, self.headers.get("Authorization")))
        if part == "headers":
            head, tail = b"HTTP/1.1 200 OK\r\nX-Trickle: ", b"a" * 100_000
        else:
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            tail = b" " * 100_000
        self.wfile.write(head)
        self.wfile.flush()
        for byte in tail:
            if self.fixture.closed.wait(interval):
                break
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
        self.close_connection = True

    def _send_generated(self, size: int, headers: dict[str, str], head: bool) -> None:
        """``size`` bytes of license-like text, written in chunks (tens of MB never sit in memory)."""
        self.fixture.record(Request(self.command, self.path, 200, self.headers.get("Authorization")))
        self.send_response(200)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if head:
            return
        line = b"Permission is hereby granted, free of charge, to any person obtaining a copy.\n"
        chunk = line * (65536 // len(line))
        sent = 0
        while sent < size and not self.fixture.closed.is_set():
            piece = chunk[: size - sent]
            self.wfile.write(piece)
            sent += len(piece)


def _front_matter(text: str) -> dict[str, Any] | None:
    """What the Hub puts in cardData: the README's YAML front matter, or None when it has none."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---", 4)
    if end < 0:
        return None
    try:
        data = yaml.safe_load(text[4:end])
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None
