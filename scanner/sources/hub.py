"""The Hugging Face Hub, through the real huggingface_hub client, with an explicit endpoint everywhere.

Facts this relies on (DESIGN section 2): model_info has no default timeout and no retry, so both are ours;
hf_hub_download retries 429/5xx itself for ~23 s and then raises LocalEntryNotFoundError with the cause in
``__cause__``; gated repos answer metadata publicly but gate every file, README.md included, so the API's
cardData is the card of record there. Tokens never reach a message: every text built from an exception is
redacted here, the only module that holds the token.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar

from huggingface_hub import HfApi, constants, hf_hub_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.file_download import repo_folder_name
from huggingface_hub.utils.tqdm import disable_progress_bars

from scanner.models import FetchedRepo, Parent, Relation, RepoFile, RepoKind, RepoRef, SourceProblem, Status
from scanner.sources.base import FileSelection, Source

try:  # huggingface_hub 2.x ships its HTTP stack as httpx2; 1.x used httpx.
    import httpx2 as _http
except ImportError:  # pragma: no cover - depends on the installed huggingface_hub
    import httpx as _http  # type: ignore[no-redef]

# No telemetry: with it on, huggingface_hub 2.x fetches an "agent harness" registry from the default
# endpoint to build its User-Agent; modelclear asks the Hub only for what the audit needs.
constants.HF_HUB_DISABLE_TELEMETRY = True

log = logging.getLogger(__name__)
DEFAULT_ENDPOINT = "https://huggingface.co"
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
T = TypeVar("T")


@dataclass(frozen=True)
class HubSettings:
    """Everything that shapes how the Hub is asked; defaults suit the real Hub."""

    endpoint: str = DEFAULT_ENDPOINT
    token: str | None = None
    timeout: float = 15.0
    retries: int = 3
    backoff: float = 1.0
    max_retry_wait: float = 60.0
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


class HubSource(Source):
    name = "hub"

    def __init__(self, settings: HubSettings, selection: FileSelection | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(selection)
        self.settings = settings
        self.api = HfApi(endpoint=settings.endpoint, token=settings.token)
        self._sleep = sleep
        disable_progress_bars()  # stdout and stderr stay clean for the report and the logs

    def describe(self) -> str:
        return f"hub {self.settings.endpoint}"

    # -- the repo -------------------------------------------------------------------------------
    def fetch(self, ref: RepoRef) -> FetchedRepo:
        try:
            info = self._with_retry(ref.id, lambda: self._info(ref))
        except _Unavailable as exc:
            return FetchedRepo(ref, exc.status, self.name, revision=ref.revision,
                               problems=(SourceProblem(exc.message, status=exc.status),))
        revision = getattr(info, "sha", None) or ref.revision
        gated = _gated_value(getattr(info, "gated", None))
        siblings = {s.rfilename: s for s in (getattr(info, "siblings", None) or [])}
        names = list(siblings) if siblings else ["README.md"]
        chosen, left_out = self.selection.select(names)
        problems: list[SourceProblem] = [self.left_out_problem(left_out)] if left_out else []
        files: list[RepoFile] = []
        status = Status.OK
        for index, name in enumerate(chosen):
            sibling = siblings.get(name)
            size = getattr(sibling, "size", None)
            blob_id = getattr(sibling, "blob_id", None)
            if size is not None and size > self.selection.max_file_bytes:
                skipped_file, too_large = self.selection.too_large(name, size)
                files.append(skipped_file)
                problems.append(too_large)
                continue
            try:
                data = self._download(ref, name, revision)
            except _Unavailable as exc:
                if exc.status in (Status.GATED, Status.ERROR):
                    # Gated: every other file is gated too. Error: the client already retried for ~23 s;
                    # asking again file by file would only multiply the wait. The rest stay unread, named.
                    status = exc.status
                    skipped = chosen[index:]
                    files.extend(RepoFile(n, None, note=exc.message) for n in skipped)
                    problems.append(SourceProblem(exc.message + f" (unread: {', '.join(skipped)})",
                                                  file=name, status=exc.status))
                    break
                files.append(RepoFile(name, None, size=size, blob_id=blob_id, note=exc.message))
                problems.append(SourceProblem(exc.message, file=name, status=exc.status))
                continue
            problem: SourceProblem | None
            if len(data) > self.selection.max_file_bytes:
                repo_file, problem = self.selection.too_large(name, len(data))
            else:
                repo_file, problem = self.selection.decode(name, data, size=len(data), blob_id=blob_id)
            files.append(repo_file)
            if problem is not None:
                problems.append(problem)
        if revision and any(f.text is not None for f in files):
            self._remember_ref(ref, revision)
        card_data = getattr(info, "card_data", None)
        return FetchedRepo(
            ref, status, self.name, revision=revision, files=tuple(files),
            api_card_data=card_data.to_dict() if card_data is not None and hasattr(card_data, "to_dict") else None,
            api_parents=_api_parents(getattr(info, "base_models", None)),
            gated=gated, listed_files=tuple(sorted(siblings)), problems=tuple(problems),
        )

    def _info(self, ref: RepoRef) -> Any:
        call = self.api.dataset_info if ref.kind is RepoKind.DATASET else self.api.model_info
        return call(ref.id, revision=ref.revision, timeout=self.settings.timeout, files_metadata=True)

    def _download(self, ref: RepoRef, name: str, revision: str | None) -> bytes:
        def attempt() -> bytes:
            path = hf_hub_download(
                ref.id, name, repo_type=ref.kind.value, revision=revision, endpoint=self.settings.endpoint,
                token=self.settings.token, cache_dir=self.settings.cache_dir,
                etag_timeout=self.settings.timeout,
            )
            # The client returns a symlink into its cache: read the real blob, capped.
            with open(os.path.realpath(path), "rb") as handle:
                return handle.read(self.selection.max_file_bytes + 1)

        # No retry of ours on top: hf_hub_download already retries 429/5xx/timeouts with backoff.
        return self._with_retry(ref.id, attempt, what=name, retries=0)

    def _remember_ref(self, ref: RepoRef, commit: str) -> None:
        """Record refs/<revision> -> commit in the cache, as hf_hub_download does for a branch name.

        Files are downloaded at the commit model_info reported (one consistent revision for the evidence),
        which leaves no ref behind; without it a later --offline audit of ``org/name`` finds nothing.
        """
        revision = ref.revision or "main"
        if revision == commit or ".." in revision.split("/"):
            return
        cache_dir = Path(self.settings.cache_dir or constants.HF_HUB_CACHE)
        ref_file = cache_dir / repo_folder_name(repo_id=ref.id, repo_type=ref.kind.value) / "refs" / revision
        try:
            ref_file.parent.mkdir(parents=True, exist_ok=True)
            ref_file.write_text(commit, encoding="ascii")
        except OSError as exc:  # a read-only cache costs only the offline shortcut
            log.debug("could not record %s in the cache: %s", ref_file, exc)

    # -- failures as data ------------------------------------------------------------------------
    def _with_retry(self, repo_id: str, call: Callable[[], T], what: str | None = None,
                    retries: int | None = None) -> T:
        """Run ``call``; retry 408/429/5xx and transport errors a bounded number of times, honouring
        Retry-After up to max_retry_wait, and turn every failure into _Unavailable."""
        delay = self.settings.backoff
        retries = self.settings.retries if retries is None else retries
        for attempt in range(retries + 1):
            try:
                return call()
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
                log.info("%s: %s; retrying in %.1f s", repo_id, message, wait)
                self._sleep(wait)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _classify(self, exc: Exception, repo_id: str, what: str | None
                  ) -> tuple[Status, str, float | None, bool]:
        """(status, redacted message, Retry-After seconds, retryable) for an exception of the client."""
        subject = f"{what} of {repo_id}" if what else repo_id
        if isinstance(exc, LocalEntryNotFoundError) and exc.__cause__ is not None:
            exc = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
        if isinstance(exc, GatedRepoError):
            return Status.GATED, self.redact(f"{subject}: gated repo; the token given has no access "
                                             "(accept the terms on the Hub and pass --token)"
                                             if self.settings.token else
                                             f"{subject}: gated repo; files need a token with access"), None, False
        if isinstance(exc, RevisionNotFoundError):
            return Status.NOT_FOUND, f"{subject}: revision not found", None, False
        if isinstance(exc, RepositoryNotFoundError):
            return Status.NOT_FOUND, f"{subject}: repository not found (or private)", None, False
        if isinstance(exc, EntryNotFoundError) and not isinstance(exc, LocalEntryNotFoundError):
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
        if isinstance(exc, OSError):
            return Status.ERROR, self.redact(f"{subject}: {exc.__class__.__name__}: {exc}")[:300], None, False
        return Status.ERROR, self.redact(f"{subject}: unexpected {exc.__class__.__name__}: {exc}")[:300], None, False

    def redact(self, text: str) -> str:
        token = self.settings.token
        return text.replace(token, "***") if token else text


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


def _gated_value(value: Any) -> str | None:
    if value in (None, False, "false", ""):
        return None
    return str(value) if not isinstance(value, bool) else "true"


def _api_parents(value: Any) -> tuple[Parent, ...]:
    """The Hub's baseModels ({"relation", "models": [{"id"}]}), tolerant of odd shapes."""
    if not isinstance(value, dict):
        return ()
    try:
        relation = Relation(str(value.get("relation", "unknown")).lower())
    except ValueError:
        relation = Relation.UNKNOWN
    parents = []
    for model in value.get("models") or []:
        model_id = model.get("id") if isinstance(model, dict) else None
        if isinstance(model_id, str) and model_id:
            parents.append(Parent(model_id, relation))
    return tuple(parents)
