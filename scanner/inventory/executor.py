"""Executors: give them jobs, get outcomes back as they finish (DESIGN section 9). The local one runs audits
in threads of this process; a distributed one runs the same ``Auditor`` on an engine's workers. Either way
the driver alone writes the store.

An ``Auditor`` does one inventory target: first the cheap check (is the model's content what its last audit
saw?), then, when it is not, the audit itself, turned into the row the store keeps.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace

from scanner import __version__
from scanner.audit import AuditOptions, run_audit
from scanner.inventory.store import AuditRow, now
from scanner.models import AuditResult, FetchedRepo, RepoKind, RepoRef, Role, Severity, Status
from scanner.report import json_report
from scanner.report.common import RunInfo
from scanner.sources import Source
from scanner.sources.base import fingerprint_of
from scanner.text import inert

log = logging.getLogger(__name__)

FAILED_STATUSES = frozenset({Status.ERROR.value, Status.NOT_FOUND.value})


def target_key(ref: RepoRef) -> str:
    """How the store names an inventory target: the id as the user writes it (``org/name``,
    ``org/name@rev``, ``datasets/org/name``, or a local directory's absolute path)."""
    name = ref.local_path or ref.id
    if ref.kind is RepoKind.DATASET:
        name = f"datasets/{name}"
    return f"{name}@{ref.revision}" if ref.revision else name


def repo_key(ref: RepoRef) -> tuple[str, str, str | None]:
    """A lineage repo as the memo and the stored lineage name it: kind, id and the revision asked for."""
    return ref.kind.value, ref.id, ref.revision


@dataclass(frozen=True)
class Job:
    ref: RepoRef
    # The fingerprint of the target's last audit when that audit still stands (same policy, settings and
    # tool version, and it read the model), and its lineage's: the model is audited again only if one of
    # them now differs.
    known_fingerprint: str | None = None
    known_lineage: tuple[tuple[str, str, str | None, str | None], ...] = ()


@dataclass(frozen=True)
class Outcome:
    job: Job
    row: AuditRow | None  # None: unchanged since its last audit, nothing to store

    @property
    def failed(self) -> bool:
        return self.row is not None and self.row.status in FAILED_STATUSES


class FetchMemo:
    """Repos fetched for one audit's lineage, kept for the next audits of the run: the fine-tunes of one
    base fetch that base once, not once each. Bounded (least recently used first out); a repo that failed
    is not kept, so the next audit asks again."""

    def __init__(self, capacity: int = 2048) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple[str, str, str | None], FetchedRepo] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, ref: RepoRef, fetch: Callable[[RepoRef], FetchedRepo]) -> FetchedRepo:
        key = repo_key(ref)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        repo = fetch(ref)
        if repo.status is not Status.ERROR:
            with self._lock:
                self._items[key] = repo
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)
        return repo


class _OneAudit(Source):
    """The source one audit sees: its target fetched fresh (and kept, for the row's fingerprint), its
    lineage through the run's memo."""

    def __init__(self, inner: Source, target: RepoRef, memo: FetchMemo) -> None:
        super().__init__(inner.selection)
        self.inner, self.target, self.memo = inner, target, memo
        self.name = inner.name
        self.target_repo: FetchedRepo | None = None
        self.lineage: dict[tuple[str, str, str | None], FetchedRepo] = {}

    def fetch(self, ref: RepoRef) -> FetchedRepo:
        if ref == self.target:
            self.target_repo = self.inner.fetch(ref)
            return self.target_repo
        repo = self.memo.get(ref, self.inner.fetch)
        self.lineage[repo_key(ref)] = repo
        return repo

    def describe(self) -> str:
        return self.inner.describe()


def settings_digest(options: AuditOptions) -> str:
    """What besides the policy file shapes a verdict (context, waivers, --fail-on, the lineage bounds): an
    audit made under other settings does not stand for this run."""
    data = {
        "context": dict(options.policy.context),
        "waivers": [repr(waiver) for waiver in options.waivers],
        "fail_on": options.fail_on.value if options.fail_on else "never",
        "depth": options.depth,
        "max_nodes": options.max_nodes,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


class Auditor:
    """One inventory target in, one outcome out. Never raises for a model: a failure of the scanner on one
    model is that model's ``error`` row, and the run goes on."""

    def __init__(self, source: Source, options: AuditOptions, description: str) -> None:
        self.source = source
        # One fetch at a time within an audit: the executor runs many audits at once instead.
        self.options = replace(options, progress=None, jobs=1)
        self.description = description
        self.run_info = RunInfo(source=description)
        self.settings_sha256 = settings_digest(options)
        self.memo = FetchMemo()
        self._lineage_now: dict[tuple[str, str, str | None], Future[str | None]] = {}  # asked this run
        self._lineage_lock = threading.Lock()

    def __call__(self, job: Job) -> Outcome:
        ref = job.ref
        source = self.source.for_one_audit()  # this model's requests, its check included, under its own deadline
        if job.known_fingerprint is not None and source.fingerprint(ref) == job.known_fingerprint \
                and all(fingerprint is not None and self._lineage_fingerprint(kind, repo_id, revision) == fingerprint
                        for kind, repo_id, revision, fingerprint in job.known_lineage):
            return Outcome(job, None)
        one = _OneAudit(source, ref, self.memo)
        try:
            result = run_audit([ref], one, self.options)
        except Exception as exc:  # the scanner failed on this model: recorded, never the end of the run
            log.debug("auditing %s failed", ref.id, exc_info=True)
            return Outcome(job, self.crashed(ref, f"internal error: {exc.__class__.__name__}: {inert(exc)}"[:500]))
        fingerprint = fingerprint_of(one.target_repo) if one.target_repo is not None else None
        lineage = tuple(sorted((*key, fingerprint_of(repo)) for key, repo in one.lineage.items()))
        return Outcome(job, replace(self.row_of(ref, result, fingerprint), lineage=lineage))

    def _lineage_fingerprint(self, kind: str, repo_id: str, revision: str | None) -> str | None:
        """A base's or dataset's fingerprint now, asked once per run however many models share it."""
        key = (kind, repo_id, revision)
        with self._lineage_lock:
            asked = self._lineage_now.get(key)
            first = asked is None
            if asked is None:
                asked = self._lineage_now[key] = Future()
        if first:  # this thread asks; the others wait for its answer
            try:
                asked.set_result(self.source.for_one_audit().fingerprint(
                    RepoRef(repo_id, kind=RepoKind(kind), revision=revision)))
            except Exception:  # the audit that follows reports the fault
                asked.set_result(None)
        return asked.result()

    def row_of(self, ref: RepoRef, result: AuditResult, fingerprint: str | None) -> AuditRow:
        target = next((m for m in result.models if m.role is Role.TARGET), result.models[0])
        unwaived = [f for f in result.findings if not f.waived]
        by_severity = {severity: sum(1 for f in unwaived if f.severity is severity) for severity in Severity}
        clauses = sorted({f"{c.kind}: {json.dumps(c.value, sort_keys=True, ensure_ascii=False)}" if c.value else c.kind
                          for c in target.clauses})
        return AuditRow(
            target=target_key(ref), model_id=ref.id, kind=ref.kind.value, requested_revision=ref.revision,
            revision=target.revision, fingerprint=fingerprint, status=target.status.value,
            verdict=result.verdict, licenses=tuple(sorted({hit.key for hit in target.licenses})),
            clauses=tuple(clauses), errors=by_severity[Severity.ERROR], warnings=by_severity[Severity.WARNING],
            infos=by_severity[Severity.INFO], rules=tuple(sorted({f.rule for f in unwaived})),
            policy_sha256=self.options.policy.sha256, settings_sha256=self.settings_sha256,
            tool_version=__version__, audited_at=now(),
            # compact: the same document as `audit --format json`, without the indentation (a third of its
            # size, and encoded in C rather than by the indenting Python encoder)
            document=json.dumps(json_report.to_document(result, self.run_info), ensure_ascii=False,
                                separators=(",", ":")))

    def crashed(self, ref: RepoRef, message: str) -> AuditRow:
        """The error row of a target whose audit failed in the scanner or on the engine, not at the Hub."""
        document = {"schema_version": json_report.SCHEMA_VERSION, "error": message,
                    "models": [{"id": ref.id, "status": Status.ERROR.value, "message": message}]}
        return AuditRow(
            target=target_key(ref), model_id=ref.id, kind=ref.kind.value, requested_revision=ref.revision,
            revision=None, fingerprint=None, status=Status.ERROR.value, verdict="fail", licenses=(), clauses=(),
            errors=1, warnings=0, infos=0, rules=("unverifiable",), policy_sha256=self.options.policy.sha256,
            settings_sha256=self.settings_sha256, tool_version=__version__, audited_at=now(),
            document=json.dumps(document, indent=2) + "\n")


class Executor:
    """Runs an auditor over jobs, yielding outcomes as they finish; at most ``window`` jobs are pending, so a
    stream of a million ids is never held in memory."""

    def map(self, auditor: Callable[[Job], Outcome], jobs: Iterable[Job]) -> Iterator[Outcome]:
        raise NotImplementedError

    def close(self) -> None:
        """Stop at once: pending jobs are dropped (a later run does them), running ones are abandoned."""


class LocalExecutor(Executor):
    """Threads of this process: the audits' waits on the network overlap; ScanCode's index, the detection
    cache and the clause memo are shared by all of them."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="modelclear-inventory")

    def map(self, auditor: Callable[[Job], Outcome], jobs: Iterable[Job]) -> Iterator[Outcome]:
        window = self.workers * 4
        pending: set[Future[Outcome]] = set()
        feed = iter(jobs)
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                job = next(feed, None)
                if job is None:
                    exhausted = True
                    break
                pending.add(self._pool.submit(auditor, job))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

