"""`inventory run`: many targets -> executor -> audit pipeline -> store (DESIGN section 9).

Incremental: a target whose last audit still stands (same policy, settings and tool version, the model was
read) is checked with one cheap fingerprint (the Hub: one metadata call) and audited again only if that
changed. Resumable: every finished audit is committed at once, so a run killed part-way keeps them and the
next run does the rest. The driver alone writes the store; the executor's workers only audit.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from scanner import __version__
from scanner.inventory.executor import Auditor, Executor, Job, Outcome, target_key
from scanner.inventory.report import change_between
from scanner.inventory.store import AuditRow, Store, StoredAudit, StoreError
from scanner.models import RepoRef, Status

STANDING_STATUSES = frozenset({Status.OK.value, Status.GATED.value})
LOOKUP_CHUNK = 256  # targets looked up in the store at once


@dataclass
class RunTotals:
    requested: int = 0
    audited: int = 0
    unchanged: int = 0
    failed: int = 0
    changed: int = 0
    by_verdict: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.audited + self.unchanged


def still_stands(last: AuditRow, auditor: Auditor) -> bool:
    """May this earlier audit stand for the current run, if the model's content is unchanged?"""
    return (last.status in STANDING_STATUSES and last.fingerprint is not None
            and last.policy_sha256 == auditor.options.policy.sha256
            and last.settings_sha256 == auditor.settings_sha256 and last.tool_version == __version__)


class Progress:
    """Progress on stderr: a bar with count, rate and time left on a terminal, a line every few seconds
    otherwise. The count of targets may be unknown while a listing is still being read."""

    def __init__(self, stream: TextIO | None = None, every: float = 5.0, total: int | None = None) -> None:
        self.stream = stream or sys.stderr
        self.every = every
        self.total = total
        self.started = time.monotonic()
        self._last = self.started
        self._bar: Any = None
        if self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="model", file=self.stream, dynamic_ncols=True,
                             desc="modelclear inventory")

    def update(self, totals: RunTotals) -> None:
        if self._bar is not None:
            self._bar.set_postfix(audited=totals.audited, unchanged=totals.unchanged, failed=totals.failed,
                                  refresh=False)
            self._bar.update(1)  # draws the counts just set
            return
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.stream.write(self.line(totals, now) + "\n")
            self.stream.flush()

    def line(self, totals: RunTotals, now: float, final: bool = False) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = totals.done / elapsed
        of = f" of {self.total}" if self.total is not None else ""
        left = ""
        if self.total is not None and rate > 0 and not final:
            left = f", about {_duration((self.total - totals.done) / rate)} left"
        return (f"modelclear: inventory: {totals.done}{of} models ({totals.audited} audited, {totals.unchanged} "
                f"unchanged, {totals.failed} failed), {rate:.1f}/s{left}")

    def close(self, totals: RunTotals) -> None:
        if self._bar is not None:
            self._bar.close()
        elif totals.done:
            self.stream.write(self.line(totals, time.monotonic(), final=True) + "\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def run_inventory(refs: Iterable[RepoRef], store: Store, auditor: Auditor, executor: Executor,
                  progress: Progress | None = None, problems: list[str] | None = None) -> tuple[int, str, RunTotals]:
    """Audit every target not unchanged since its last audit into ``store``; returns (run id, run status,
    totals). ``problems`` are what reading the inputs met, the caller's own list, which ``refs`` may still
    add to as they are read (a listing that fails part-way); any make the run ``incomplete``. A
    KeyboardInterrupt marks the run ``interrupted`` (what finished is kept) and is raised again."""
    totals = RunTotals(problems=problems if problems is not None else [])
    run_id = store.begin_run(auditor.options.policy.name, auditor.options.policy.sha256,
                             auditor.settings_sha256, auditor.description)
    before: dict[str, StoredAudit | None] = {}  # the last audit of each pending target, for "changed"

    def jobs() -> Iterator[Job]:
        seen: set[str] = set()
        for chunk in _chunks(_unique(refs, seen), LOOKUP_CHUNK):
            latest = store.latest_for(target_key(ref) for ref in chunk)
            for ref in chunk:
                key = target_key(ref)
                last = latest.get(key)
                before[key] = last
                totals.requested += 1
                if last is not None and still_stands(last.row, auditor):
                    yield Job(ref, last.row.fingerprint, last.row.lineage)
                else:
                    yield Job(ref)

    status = "finished"
    try:
        for outcome in executor.map(auditor, jobs()):
            _record(store, run_id, outcome, before.pop(target_key(outcome.job.ref), None), totals)
            if progress is not None:
                progress.update(totals)
    except KeyboardInterrupt:
        executor.close()
        _mark(store, run_id, "interrupted", totals)
        raise
    except BaseException:
        executor.close()
        _mark(store, run_id, "failed", totals)
        raise
    finally:
        if progress is not None:
            progress.close(totals)
    if totals.problems:
        status = "incomplete"
    _finish(store, run_id, status, totals)
    return run_id, status, totals


def _finish(store: Store, run_id: int, status: str, totals: RunTotals) -> None:
    store.finish_run(run_id, status, totals.requested, totals.audited, totals.unchanged, totals.failed,
                     totals.problems)


def _mark(store: Store, run_id: int, status: str, totals: RunTotals) -> None:
    """Record how a run ended, if the store still answers: the error that ended it is what matters."""
    try:
        _finish(store, run_id, status, totals)
    except StoreError:
        pass


def _record(store: Store, run_id: int, outcome: Outcome, last: StoredAudit | None, totals: RunTotals) -> None:
    if outcome.row is None:
        totals.unchanged += 1
        return
    store.record_audit(run_id, outcome.row)
    totals.audited += 1
    totals.by_verdict[outcome.row.verdict] += 1
    if outcome.failed:
        totals.failed += 1
    if last is not None and change_between(last.row, outcome.row) is not None:
        totals.changed += 1


def _unique(refs: Iterable[RepoRef], seen: set[str]) -> Iterator[RepoRef]:
    for ref in refs:
        key = target_key(ref)
        if key not in seen:
            seen.add(key)
            yield ref


def _chunks(items: Iterable[RepoRef], size: int) -> Iterator[list[RepoRef]]:
    chunk: list[RepoRef] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
