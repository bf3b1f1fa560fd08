"""The Hugging Face Hub, through huggingface_hub's own HTTP session and headers, with every wait bounded.

Facts this relies on (DESIGN section 2, read in huggingface_hub 2.x): ``hf_hub_download`` cannot be bounded
from outside. Its HEAD is retried with ``max_retries=5`` and a 60 s timeout, its GET retries 408/429 five
more times, and both sleep for whatever ``Retry-After`` says (plus 1 s), uncapped; ``timeout`` is per read,
so a server trickling a byte at a time is never cut off; and the whole file is written to the cache before
anyone can look at its size. ``HfApi.model_info`` reads its whole answer the same way. So the source makes
its own GETs, with the client's session (``get_async_session``: its offline-mode hook, proxies and
redirect rules), the client's headers (``build_hf_headers``), its URL template (``file_url``) and its error
mapping (``hf_raise_for_status``), and bounds them itself:

- every request has a total deadline (``timeout``): it runs under ``asyncio.wait_for``, which cancels a
  trickle in the headers as well as in the body;
- bodies are streamed and stopped at a cap (``max_file_bytes + 1`` for files, ``max_api_bytes`` for the
  API), and only a complete file below the cap is stored in the cache;
- retries are ours alone: at most ``retries`` per request, ``Retry-After`` honoured up to ``max_retry_wait``;
- each repo has a deadline (``deadline``) and the whole audit another (``audit_deadline``); past either the
  repo is an ``error`` saying so and the audit goes on;
- the API's answer is parsed in one place (``_parse_info``) that types every field it uses: a malformed
  field is ignored with a problem noted, a malformed answer is the repo's ``error``, never a crash.

Gated repos answer metadata publicly but gate every file, README.md included, so the API's cardData is the
card of record there. Secrets never reach a message: every text built from an exception goes through
``redact``, and the endpoint is echoed only through ``redact_urls``.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

from huggingface_hub import constants, get_async_session, hf_raise_for_status
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    HFValidationError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import build_hf_headers, validate_repo_id  # type: ignore[attr-defined]  # lazy exports

from scanner.cachefiles import write_atomic
from scanner.models import CARD_FILE, FetchedRepo, Parent, Relation, RepoFile, RepoKind, RepoRef, SourceProblem, Status
from scanner.safefile import read_head, resolve_inside
from scanner.sources.base import COMMIT, MISSING, FileSelection, Source, commit_fingerprint
from scanner.sources.cache import repo_folder_name
from scanner.text import redact_urls

try:  # huggingface_hub 2.x ships its HTTP stack as httpx2; 1.x used httpx.
    import httpx2 as _http
except ImportError:  # pragma: no cover - depends on the installed huggingface_hub
    import httpx as _http  # type: ignore[no-redef]

# No telemetry: with it on, huggingface_hub 2.x fetches an "agent harness" registry from the default
# endpoint to build its User-Agent; modelclear asks the Hub only for what the audit needs.
constants.HF_HUB_DISABLE_TELEMETRY = True

log = logging.getLogger(__name__)


class _RedactURLs(logging.Filter):
    """The client logs every request's URL (httpx at INFO, huggingface_hub at DEBUG): without secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact_urls(record.getMessage()), None
        return True


for _logger in (_http.__name__, "huggingface_hub.utils._http"):
    logging.getLogger(_logger).addFilter(_RedactURLs())
DEFAULT_ENDPOINT = "https://huggingface.co"
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
ERROR_BODY_BYTES = 64 * 1024  # enough for the Hub's error message; an error page is not evidence
_BLOB = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
T = TypeVar("T")


@dataclass(frozen=True)
class HubSettings:
    """Everything that shapes how the Hub is asked; defaults suit the real Hub.

    ``timeout`` is the total time of one request (connect, headers and body), not a per-read timeout;
    ``deadline`` bounds one repo (metadata, files and the waits between retries); ``audit_deadline`` bounds
    every fetch of this source together, from its first.
    """

    endpoint: str = DEFAULT_ENDPOINT
    token: str | None = field(default=None, repr=False)
    timeout: float = 15.0
    retries: int = 3
    backoff: float = 1.0
    max_retry_wait: float = 60.0
    deadline: float = 120.0
    audit_deadline: float = 1800.0
    max_api_bytes: int = 32 * 1024 * 1024
    cache_dir: Path | None = None

    @classmethod
    def from_env(cls, **overrides: Any) -> HubSettings:
        """HF_ENDPOINT and HF_TOKEN as huggingface_hub users expect; explicit options win."""
        values: dict[str, Any] = {
            "endpoint": os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT,
            "token": os.environ.get("HF_TOKEN") or None,
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        values["endpoint"] = str(values["endpoint"]).rstrip("/")
        return cls(**values)


class _Unavailable(Exception):
    """Internal: the repo (or a file) cannot be had; carries the status and a redacted message."""

    def __init__(self, status: Status, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _DeadlinePassed(Exception):
    """Internal: the repo's (or the audit's) deadline passed before the work was done."""


class _RequestTimedOut(Exception):
    """Internal: one request took longer than ``timeout`` in total (retryable)."""


class _Malformed(Exception):
    """Internal: the Hub's answer is not what its API documents."""


@dataclass(frozen=True)
class _Deadline:
    end: float  # time.monotonic()
    label: str  # "the deadline of 120 s per repo", said when it passes

    def remaining(self) -> float:
        return self.end - time.monotonic()


@dataclass(frozen=True)
class _Answer:
    """A response read under a cap: ``truncated`` when the body went on past it (and was not read further)."""

    response: _http.Response
    truncated: bool

    @property
    def data(self) -> bytes:
        return self.response.content


@dataclass(frozen=True)
class _Sibling:
    size: int | None
    blob_id: str | None


@dataclass(frozen=True)
class _RepoInfo:
    """The fields of the API's answer the audit uses, each of the right type (or absent)."""

    sha: str | None
    gated: str | None
    siblings: dict[str, _Sibling]
    card_data: dict[str, Any] | None
    parents: tuple[Parent, ...]
    problems: tuple[str, ...]


class _AuditClock:
    """When the current audit's deadline passes: set by its first fetch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._end: float | None = None

    def end(self, now: float, allowed: float) -> float:
        with self._lock:
            if self._end is None:
                self._end = now + allowed
            return self._end


class _Shared:
    """What every view of one source shares: the HTTP session, made in the runner's loop on first use."""

    session: _http.AsyncClient | None = None


class _Runner:
    """One event loop per process, in a daemon thread: a fetch from any worker thread runs its coroutine
    there, so requests of concurrent fetches share one loop and one session."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def run(cls, coroutine: Coroutine[Any, Any, T]) -> T:
        with cls._lock:
            if cls._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="modelclear-http", daemon=True).start()
                cls._loop = loop
            loop = cls._loop
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()


class HubSource(Source):
    name = "hub"

    def __init__(self, settings: HubSettings, selection: FileSelection | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(selection)
        self.settings = settings
        self._base, self._auth, self._params = _split_endpoint(settings.endpoint)
        self._sleep = sleep
        self._clock = _AuditClock()
        self._shared = _Shared()
        self._description = redact_urls(f"hub {settings.endpoint}")

    def describe(self) -> str:
        return self._description

    def for_one_audit(self) -> HubSource:
        """This source with a fresh audit deadline, sharing the session and its connection pool: an
        inventory runs one audit after another, each bounded by ``audit_deadline`` from its own start."""
        view = copy.copy(self)
        view._clock = _AuditClock()
        return view

    def fingerprint(self, ref: RepoRef) -> str | None:
        """The commit the ref resolves to now, from one metadata call (no files); None when the Hub does
        not say (then the model is audited, and the audit records why)."""
        if ref.revision and COMMIT.fullmatch(ref.revision):
            return commit_fingerprint(ref.revision)
        deadline = self._deadline()
        try:
            info = _Runner.run(self._with_retry(
                ref.id, None, deadline, lambda: self._info(self._client(), ref, deadline, blobs=False)))
        except _Unavailable as exc:
            if exc.status is Status.NOT_FOUND:
                return MISSING
            log.info("%s: no fingerprint: %s", ref.id, exc.message[:200])
            return None
        except Exception as exc:  # a fault here is the audit's to report, with its retries
            log.info("%s: no fingerprint: %s", ref.id, self.redact(str(exc))[:200])
            return None
        return commit_fingerprint(info.sha) if info.sha and COMMIT.fullmatch(info.sha) else None

    def list_models(self, author: str | None, search: str | None, tags: tuple[str, ...]) -> Iterator[str]:
        """Model ids from the Hub's listing, page by page as the client follows its Link headers."""
        from huggingface_hub import HfApi

        api = HfApi(endpoint=self._base, token=self.settings.token)
        for info in api.list_models(author=author or None, search=search or None, filter=list(tags) or None):
            yield info.id

    # -- the repo -------------------------------------------------------------------------------
    def fetch(self, ref: RepoRef) -> FetchedRepo:
        deadline = self._deadline()
        try:
            if deadline.remaining() <= 0:
                raise _Unavailable(Status.ERROR, f"{ref.id}: not fetched: {deadline.label} had passed")
            return _Runner.run(self._fetch(ref, deadline))
        except _Unavailable as exc:
            return self._unavailable(ref, exc)
        except Exception as exc:  # the last line: nothing a server sends may end the audit
            log.debug("fetching %s failed", ref.id, exc_info=True)
            return self._unavailable(ref, _Unavailable(Status.ERROR, self.redact(
                f"{ref.id}: unexpected {exc.__class__.__name__}: {exc}")[:300]))

    def _client(self) -> _http.AsyncClient:
        """The source's one HTTP session, created in the runner's loop on first use: every repo of the run
        shares its connection pool (a session of its own per repo cost ~25 ms of CPU, more than a request)."""
        if self._shared.session is None:
            self._shared.session = get_async_session()
        return self._shared.session

    def _deadline(self) -> _Deadline:
        """The sooner of this repo's deadline and the audit's (which starts with the first fetch)."""
        now = time.monotonic()
        audit_end = self._clock.end(now, self.settings.audit_deadline)
        if audit_end < now + self.settings.deadline:
            return _Deadline(audit_end, f"the audit's deadline of {self.settings.audit_deadline:g} s")
        return _Deadline(now + self.settings.deadline, f"the deadline of {self.settings.deadline:g} s per repo")

    def _unavailable(self, ref: RepoRef, exc: _Unavailable) -> FetchedRepo:
        return FetchedRepo(ref, exc.status, self.name, revision=ref.revision,
                           problems=(SourceProblem(exc.message, status=exc.status),))

    async def _fetch(self, ref: RepoRef, deadline: _Deadline) -> FetchedRepo:
        client = self._client()
        info = await self._with_retry(ref.id, None, deadline, partial(self._info, client, ref, deadline))
        revision = info.sha or ref.revision
        names = list(info.siblings) or ["README.md"]
        chosen, left_out = self.selection.select(names)
        problems = [SourceProblem(f"{ref.id}: the Hub's metadata is malformed: {p}", status=Status.OK)
                    for p in info.problems]
        if left_out:
            problems.append(self.left_out_problem(left_out))
        files: list[RepoFile] = []
        status = Status.OK
        for index, name in enumerate(chosen):
            sibling = info.siblings.get(name, _Sibling(None, None))
            # A card over the cap is still read up to it: its front matter is at the top.
            if sibling.size is not None and sibling.size > self.selection.max_file_bytes and name != CARD_FILE:
                skipped_file, too_large = self.selection.too_large(name, sibling.size)
                files.append(skipped_file)
                problems.append(too_large)
                continue
            try:
                answer = await self._with_retry(
                    ref.id, name, deadline, partial(self._download, client, ref, name, revision, deadline))
            except _Unavailable as exc:
                if exc.status in (Status.GATED, Status.ERROR):
                    # Gated: every other file is gated too. Error: retried already, or the deadline
                    # passed; asking again file by file would only multiply the wait. The rest stay
                    # unread, named.
                    status = exc.status
                    skipped = chosen[index:]
                    files.extend(RepoFile(n, None, note=exc.message) for n in skipped)
                    problems.append(SourceProblem(exc.message + f" (unread: {', '.join(skipped)})",
                                                  file=name, status=exc.status))
                    break
                files.append(RepoFile(name, None, size=sibling.size, blob_id=sibling.blob_id, note=exc.message))
                problems.append(SourceProblem(exc.message, file=name, status=exc.status))
                continue
            problem: SourceProblem | None
            if answer.truncated:
                repo_file, problem = self.selection.too_large(
                    name, sibling.size or _declared_length(answer, self.selection), head=answer.data)
            else:
                # The id of the bytes read, not the listing's claim about them.
                repo_file, problem = self.selection.decode(name, answer.data, size=len(answer.data),
                                                           blob_id=_git_blob_sha1(answer.data))
            files.append(repo_file)
            if problem is not None:
                problems.append(problem)
        if revision and COMMIT.fullmatch(revision) and any(f.text is not None for f in files):
            self._remember_ref(ref, revision)
        return FetchedRepo(
            ref, status, self.name, revision=revision, files=tuple(files), api_card_data=info.card_data,
            api_parents=info.parents, gated=info.gated, listed_files=tuple(sorted(info.siblings)),
            problems=tuple(problems),
        )

    async def _info(self, client: _http.AsyncClient, ref: RepoRef, deadline: _Deadline,
                    blobs: bool = True) -> _RepoInfo:
        validate_repo_id(ref.id)
        kind = "datasets" if ref.kind is RepoKind.DATASET else "models"
        url = f"{self._base}/api/{kind}/{ref.id}"
        if ref.revision is not None:
            url += f"/revision/{quote(ref.revision, safe='')}"
        answer = await self._get(client, url, deadline, self.settings.max_api_bytes,
                                 {"blobs": "true"} if blobs else None)
        if answer.truncated:
            raise _Malformed(f"larger than {self.settings.max_api_bytes} bytes")
        return _parse_info(answer.data)

    async def _download(self, client: _http.AsyncClient, ref: RepoRef, name: str, revision: str | None,
                        deadline: _Deadline) -> _Answer:
        """One file, read at most to the cap; from the cache when this commit's copy is there."""
        cap = self.selection.max_file_bytes
        cached = self._cached(ref, revision, name, cap)
        if cached is not None:
            return cached
        url = file_url(self._base, ref, name, revision)
        answer = await self._get(client, url, deadline, cap)
        if not answer.truncated:
            commit = revision if revision and COMMIT.fullmatch(revision) else \
                answer.response.headers.get(constants.HUGGINGFACE_HEADER_X_REPO_COMMIT)
            self._store(ref, commit, name, answer)
        return answer

    # -- one request ----------------------------------------------------------------------------
    async def _get(self, client: _http.AsyncClient, url: str, deadline: _Deadline, max_bytes: int,
                   params: dict[str, str] | None = None) -> _Answer:
        """GET under a total time (``timeout``, and never past the deadline) and a size cap; raises the
        client's HTTP errors (hf_raise_for_status) for anything but success."""
        budget = min(self.settings.timeout, deadline.remaining())
        if budget <= 0:
            raise _DeadlinePassed(deadline.label)
        try:
            answer = await asyncio.wait_for(self._read(client, url, max_bytes, params), budget)
        except asyncio.TimeoutError:
            if deadline.remaining() <= 0:
                raise _DeadlinePassed(deadline.label) from None
            raise _RequestTimedOut() from None
        hf_raise_for_status(answer.response)
        return answer

    async def _read(self, client: _http.AsyncClient, url: str, max_bytes: int,
                    params: dict[str, str] | None) -> _Answer:
        # identity: the cap counts the bytes that will be read, not what a compressed stream expands to.
        headers = {**build_hf_headers(token=self.settings.token), "Accept-Encoding": "identity"}
        async with client.stream("GET", url, params={**self._params, **(params or {})}, headers=headers,
                                 auth=self._auth, timeout=self.settings.timeout) as response:
            encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
            if response.is_success and encoding not in ("", "identity"):
                raise _Malformed(f"sent with Content-Encoding {encoding[:20]!r} although identity was asked")
            limit = max_bytes if response.is_success else ERROR_BODY_BYTES
            body = bytearray()
            if response.is_stream_consumed:  # the client's own hook reads error bodies under 1 MB
                body += response.content[: limit + 1]
            else:
                async for chunk in response.aiter_raw():
                    body += chunk[: limit + 1 - len(body)]
                    if len(body) > limit:
                        break
        truncated = len(body) > limit
        # Without Content-Encoding: the bytes are kept as read, never expanded (an error body may be gzip).
        kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"]
        read = _http.Response(response.status_code, headers=kept, content=bytes(body[:limit]),
                              request=response.request)
        return _Answer(read, truncated)

    # -- the cache ------------------------------------------------------------------------------
    def _storage(self, ref: RepoRef) -> Path:
        cache_dir = Path(self.settings.cache_dir or constants.HF_HUB_CACHE)
        return cache_dir / repo_folder_name(ref.id, ref.kind.value)

    def _cached(self, ref: RepoRef, revision: str | None, name: str, cap: int) -> _Answer | None:
        """This commit's copy of a file, as hf_hub_download would have reused it (read to the cap)."""
        if not revision or not COMMIT.fullmatch(revision) or not _plain_name(name):
            return None
        storage = self._storage(ref)
        try:  # the same bounded read as the offline cache source: a regular file inside the repo's folder
            data, _ = read_head(resolve_inside(storage / "snapshots" / revision / name, storage), cap)
        except OSError:
            return None
        return _Answer(_http.Response(200, content=data[:cap]), len(data) > cap)

    def _store(self, ref: RepoRef, commit: str | None, name: str, answer: _Answer) -> None:
        """Keep a complete file in the HF cache layout (blobs/<etag>, snapshots/<commit>/<name> -> blob), so
        a later --offline audit finds it. The blob is named by a hash the content was checked against."""
        if not commit or not COMMIT.fullmatch(commit) or not _plain_name(name):
            return
        data = answer.data
        headers = answer.response.headers
        etag = (headers.get(constants.HUGGINGFACE_HEADER_X_LINKED_ETAG) or headers.get("ETag") or "")
        etag = etag.removeprefix("W/").strip('"').lower()
        if not (_BLOB.fullmatch(etag) and etag in (_git_blob_sha1(data), hashlib.sha256(data).hexdigest())):
            etag = _git_blob_sha1(data)
        storage = self._storage(ref)
        blob = storage / "blobs" / etag
        pointer = storage / "snapshots" / commit / name
        if not blob.exists() and not write_atomic(blob, data):
            return  # a read-only cache costs only the offline shortcut
        try:
            pointer.parent.mkdir(parents=True, exist_ok=True)
            if not pointer.exists():
                try:
                    os.symlink(os.path.relpath(blob, pointer.parent), pointer)
                except OSError:  # no symlinks here (e.g. Windows without developer mode): a copy
                    pointer.write_bytes(data)
        except OSError as exc:  # a read-only cache costs only the offline shortcut
            log.debug("could not store %s of %s in the cache: %s", name, ref.id, exc)

    def _remember_ref(self, ref: RepoRef, commit: str) -> None:
        """Record refs/<revision> -> commit in the cache, as hf_hub_download does for a branch name.

        Files are downloaded at the commit the API reported (one consistent revision for the evidence),
        which leaves no ref behind; without it a later --offline audit of ``org/name`` finds nothing.
        """
        revision = ref.revision or "main"
        if revision == commit or ".." in revision.split("/"):
            return
        ref_file = self._storage(ref) / "refs" / revision
        try:
            ref_file.parent.mkdir(parents=True, exist_ok=True)
            ref_file.write_text(commit, encoding="ascii")
        except OSError as exc:  # a read-only cache costs only the offline shortcut
            log.debug("could not record %s in the cache: %s", ref_file, exc)

    # -- failures as data ------------------------------------------------------------------------
    async def _with_retry(self, repo_id: str, what: str | None, deadline: _Deadline,
                          call: Callable[[], Awaitable[T]]) -> T:
        """Run ``call``; retry 408/429/5xx, timeouts and transport errors at most ``retries`` times,
        honouring Retry-After up to max_retry_wait and never waiting past the deadline; turn every failure
        into _Unavailable."""
        delay = self.settings.backoff
        retries = self.settings.retries
        for attempt in range(retries + 1):
            try:
                return await call()
            except _Unavailable:
                raise
            except Exception as exc:  # classified below; nothing from a repo may crash the audit
                status, message, retry_after, retryable = self._classify(exc, repo_id, what)
                if not retryable or attempt == retries:
                    if retryable and attempt:
                        message += f" (after {attempt + 1} attempts)"
                    raise _Unavailable(status, message) from None
                wait = retry_after if retry_after is not None else delay
                if wait > self.settings.max_retry_wait:
                    raise _Unavailable(status, message + f"; the server asked to wait {wait:.0f} s, more "
                                       f"than the {self.settings.max_retry_wait:.0f} s allowed") from None
                if wait >= deadline.remaining():
                    raise _Unavailable(status, message + f"; a retry in {wait:.0f} s would pass "
                                       f"{deadline.label}") from None
                log.info("%s: %s; retrying in %.1f s", repo_id, message, wait)
                if self._sleep is time.sleep:  # the loop is shared: wait without holding it
                    await asyncio.sleep(wait)
                else:  # a test's recorder
                    self._sleep(wait)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _classify(self, exc: Exception, repo_id: str, what: str | None
                  ) -> tuple[Status, str, float | None, bool]:
        """(status, redacted message, Retry-After seconds, retryable) for an exception of a request."""
        subject = f"{what} of {repo_id}" if what else repo_id
        if isinstance(exc, _DeadlinePassed):
            return Status.ERROR, f"{subject}: stopped: {exc} passed", None, False
        if isinstance(exc, _Malformed):
            if what is None:
                return Status.ERROR, self.redact(f"{subject}: the Hub's answer is malformed: {exc}"), None, False
            return Status.OK, self.redact(f"{subject}: not read: {exc}"), None, False
        if isinstance(exc, _RequestTimedOut):
            return Status.ERROR, f"{subject}: timed out after {self.settings.timeout:g} s", None, True
        if isinstance(exc, GatedRepoError):
            return Status.GATED, self.redact(f"{subject}: gated repo; the token given has no access "
                                             "(accept the terms on the Hub and pass --token)"
                                             if self.settings.token else
                                             f"{subject}: gated repo; files need a token with access"), None, False
        if isinstance(exc, RevisionNotFoundError):
            return Status.NOT_FOUND, f"{subject}: revision not found", None, False
        if isinstance(exc, RepositoryNotFoundError):
            return Status.NOT_FOUND, f"{subject}: repository not found (or private)", None, False
        if isinstance(exc, EntryNotFoundError):
            return Status.OK, f"{subject}: listed by the Hub but not found when downloaded", None, False
        if isinstance(exc, OfflineModeIsEnabled):
            return Status.ERROR, f"{subject}: HF_HUB_OFFLINE is set; use --offline to audit the cache", None, False
        if isinstance(exc, HfHubHTTPError) and exc.response is not None:
            code = exc.response.status_code
            if code == 404:
                return Status.NOT_FOUND, f"{subject}: not found (HTTP 404)", None, False
            if code in (401, 403):
                if what is None:
                    return Status.NOT_FOUND, f"{subject}: not accessible (HTTP {code}: private or missing)", None, False
                return Status.GATED, f"{subject}: access denied (HTTP {code})", None, False
            retry_after = _retry_after(exc.response.headers.get("Retry-After"))
            label = "rate limited" if code == 429 else "server error" if code >= 500 else "request failed"
            return Status.ERROR, f"{subject}: {label} (HTTP {code})", retry_after, code in RETRYABLE_STATUS
        if isinstance(exc, _http.TimeoutException):
            return Status.ERROR, f"{subject}: timed out after {self.settings.timeout:g} s", None, True
        if isinstance(exc, (_http.TransportError, ConnectionError)):
            return Status.ERROR, self.redact(f"{subject}: network error: {exc.__class__.__name__}"), None, True
        if isinstance(exc, HFValidationError):
            return Status.ERROR, self.redact(f"{subject}: not a valid Hub repo id")[:300], None, False
        if isinstance(exc, OSError):
            return Status.ERROR, self.redact(f"{subject}: {exc.__class__.__name__}: {exc}")[:300], None, False
        return Status.ERROR, self.redact(f"{subject}: unexpected {exc.__class__.__name__}: {exc}")[:300], None, False

    def redact(self, text: str) -> str:
        """The text with the token, the endpoint's password and every URL's credentials removed."""
        for secret in (self.settings.token, self._auth[1] if self._auth else None):
            if secret:
                text = text.replace(secret, "***")
        return redact_urls(text)


def file_url(endpoint: str, ref: RepoRef, filename: str, revision: str | None) -> str:
    """A file's download URL, built from the client's own template as its ``hf_hub_url`` does (importing
    that function costs its whole file_download module, a sixth of an audit's start-up)."""
    repo_id = constants.REPO_TYPES_URL_PREFIXES.get(ref.kind.value, "") + ref.id
    url = constants.HUGGINGFACE_CO_URL_TEMPLATE.format(
        repo_id=repo_id, revision=quote(revision or constants.DEFAULT_REVISION, safe=""), filename=quote(filename))
    return endpoint + url[len(constants.ENDPOINT):] if url.startswith(constants.ENDPOINT) else url


def _split_endpoint(endpoint: str) -> tuple[str, tuple[str, str] | None, dict[str, str]]:
    """(base URL, basic-auth credentials, query parameters) of an endpoint such as ``https://u:p@host/?k=v``.

    Credentials go to the client as ``auth`` and parameters with every request, so no URL the client
    builds, logs or puts in an exception carries them.
    """
    parts = urlsplit(endpoint)
    host = parts.netloc.rpartition("@")[2]
    auth = (unquote(parts.username or ""), unquote(parts.password or "")) if "@" in parts.netloc else None
    base = urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
    return base, auth, dict(parse_qsl(parts.query))


def _parse_info(body: bytes) -> _RepoInfo:
    """The API's answer, typed: each field that is not of its documented type is ignored and named."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise _Malformed(f"not JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise _Malformed(f"a JSON {type(data).__name__}, not an object")
    problems: list[str] = []
    sha = data.get("sha")
    if sha is not None and not (isinstance(sha, str) and COMMIT.fullmatch(sha)):
        problems.append(f"sha is {_shown(sha)}, not a commit id; the requested revision is read instead")
        sha = None
    card_data = data.get("cardData")
    if card_data is not None and not isinstance(card_data, dict):
        problems.append(f"cardData is a {_type(card_data)}, not a mapping; ignored")
        card_data = None
    gated = data.get("gated")
    if gated is not None and not isinstance(gated, (str, bool)):
        problems.append(f"gated is a {_type(gated)}, not a string; ignored")
    return _RepoInfo(sha=sha, gated=_gated_value(gated), siblings=_siblings(data.get("siblings"), problems),
                     card_data=card_data, parents=_api_parents(data.get("baseModels"), problems),
                     problems=tuple(problems))


def _siblings(value: Any, problems: list[str]) -> dict[str, _Sibling]:
    """rfilename -> (size, blobId); entries without a usable name are dropped, odd sizes become unknown."""
    if value is None:
        return {}
    if not isinstance(value, list):
        problems.append(f"siblings is a {_type(value)}, not a list; the file listing was ignored")
        return {}
    siblings: dict[str, _Sibling] = {}
    unnamed = odd_sizes = 0
    for entry in value:
        name = entry.get("rfilename") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            unnamed += 1
            continue
        size = entry.get("size")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            odd_sizes += 1
            size = None
        blob_id = entry.get("blobId")
        siblings[name] = _Sibling(size, blob_id if isinstance(blob_id, str) and _BLOB.fullmatch(blob_id) else None)
    if unnamed:
        problems.append(f"{unnamed} sibling entries have no file name (rfilename); ignored")
    if odd_sizes:
        problems.append(f"{odd_sizes} sibling sizes are not byte counts; those files are read up to the cap")
    return siblings


def _api_parents(value: Any, problems: list[str]) -> tuple[Parent, ...]:
    """The Hub's baseModels ({"relation", "models": [{"id"}]}); what does not fit is ignored and named."""
    if value is None:
        return ()
    models = value.get("models") if isinstance(value, dict) else None
    if not isinstance(models, list):
        problems.append("baseModels is not {relation, models: [...]}; ignored")
        return ()
    try:
        relation = Relation(str(value.get("relation", "unknown")).lower())
    except ValueError:
        relation = Relation.UNKNOWN
    parents = []
    for model in models:
        model_id = model.get("id") if isinstance(model, dict) else None
        if isinstance(model_id, str) and model_id:
            parents.append(Parent(model_id, relation))
        else:
            problems.append(f"a baseModels entry has no model id ({_shown(model)}); ignored")
    return tuple(parents)


def _gated_value(value: Any) -> str | None:
    if value is True:
        return "true"
    if isinstance(value, str) and value.strip().lower() not in ("", "false"):
        return value[:40]
    return None


def _declared_length(answer: _Answer, selection: FileSelection) -> int | None:
    """The size a cut stream announced, when it is believable (above the cap it was cut at)."""
    try:
        length = int(answer.response.headers.get("Content-Length", ""))
    except ValueError:
        return None
    return length if length > selection.max_file_bytes else None


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _plain_name(name: str) -> bool:
    """A single path component that is safe to join to a cache folder."""
    return name not in ("", ".", "..") and not any(c in name for c in "/\\\0")


def _git_blob_sha1(data: bytes) -> str:
    """The git blob id, which the Hub uses as ETag and blobId of a file kept in git."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 - git's id, not security


def _type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _shown(value: Any) -> str:
    return repr(value)[:40]
