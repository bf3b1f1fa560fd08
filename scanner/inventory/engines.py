"""The inventory on Dask (dask.distributed, DESIGN section 9): the same ``Auditor`` run on an engine's worker
processes, here or on a cluster, with the driver alone writing the store. Imported only for ``--engine
dask``, so a local run never imports Dask.

A worker cannot be handed the driver's auditor (it holds an HTTP session, locks and caches that do not
pickle and must not be shared), so it gets a ``Recipe`` instead, the CLI's plain options, and rebuilds the
auditor once per process. A task audits a few targets and writes nothing, so the scheduler may run it again
on another worker when one dies.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from scanner import __version__
from scanner.errors import ModelclearError, UsageError
from scanner.inventory.executor import Auditor, Executor, Job, Outcome
from scanner.text import inert, redact_urls

BATCH = 8  # audits per task: Dask's per-task overhead once per batch, and a killed worker loses little
WINDOW_PER_THREAD = 2  # pending tasks per worker thread: enough to keep every thread busy, no more in memory
ALLOWED_FAILURES = 3  # how many dying workers one audit may take down before it is recorded as an error
KEPT_AUDITORS = 4  # auditors a long-lived worker keeps, for drivers with different settings


class EngineError(ModelclearError):
    """The engine cannot run this inventory as the driver would (a worker's settings differ, no workers)."""


@dataclass(frozen=True)
class Recipe:
    """How a worker rebuilds the driver's auditor: a module-level factory (pickled by name) and its plain
    arguments (names, paths, numbers), never live objects."""

    factory: Callable[..., Auditor]
    arguments: Mapping[str, Any]

    @property
    def digest(self) -> str:
        named = [f"{self.factory.__module__}.{self.factory.__qualname__}", dict(self.arguments)]
        return hashlib.sha256(json.dumps(named, sort_keys=True, default=str).encode()).hexdigest()

    def build(self) -> Auditor:
        return self.factory(**self.arguments)


def identity(auditor: Auditor) -> tuple[str, str, str, str]:
    """What must be equal on a worker and on the driver for the worker's rows to be the driver's: the
    policy, the settings, the tool version and the source."""
    return auditor.options.policy.sha256, auditor.settings_sha256, __version__, auditor.description


def quiet_dask() -> None:
    """Dask's loggers at modelclear's level: its INFO lines (every worker registered) only with -v."""
    logging.getLogger("distributed").setLevel(logging.getLogger().getEffectiveLevel())


_AUDITORS: dict[tuple[str, str], Auditor] = {}  # per worker process, by run and recipe digest
_BUILDING = threading.Lock()


def worker_auditor(recipe: Recipe, run: str) -> Auditor:
    """This process's auditor for ``recipe`` in one run, built by the run's first task here; its threads
    share it, as the local executor's threads share one (sessions, the memo of bases). A new run builds
    a new one, so a long-lived worker never serves last week's bases (ScanCode's index, loaded at most
    once per process and only if a text needs it, is kept)."""
    digest = (run, recipe.digest)
    with _BUILDING:
        auditor = _AUDITORS.get(digest)
        if auditor is None:
            try:
                auditor = recipe.build()
            except (ModelclearError, OSError) as exc:
                raise EngineError(f"a Dask worker could not set up the audit as the driver did: {inert(exc)}"
                                  ) from None
            quiet_dask()
            _AUDITORS[digest] = auditor
            while len(_AUDITORS) > KEPT_AUDITORS:
                del _AUDITORS[next(iter(_AUDITORS))]
    return auditor


def audit_on_worker(recipe: Recipe, run: str, expected: tuple[str, str, str, str], jobs: tuple[Job, ...]
                    ) -> list[Outcome]:
    """One Dask task: a few targets audited on a worker, one after another (one task per model would cost
    Dask's per-task overhead on every model). Pure in effect (it reads the Hub and the worker's caches, and
    writes nothing the driver keeps), so rerunning it after a worker died is safe."""
    auditor = worker_auditor(recipe, run)
    found = identity(auditor)
    if found != expected:
        what = [name for name, a, b in zip(("policy", "settings", "modelclear version", "source"), found,
                                           expected, strict=True) if a != b]
        raise EngineError(f"a Dask worker audits with another {', '.join(what)} than the driver "
                          f"(worker: modelclear {found[2]}, {redact_urls(found[3])}); install the same modelclear "
                          "and give workers the same files")
    return [auditor(job) for job in jobs]


class DaskExecutor(Executor):
    """Audits on Dask workers: a LocalCluster of ``workers`` processes here, or the cluster whose scheduler
    is at ``address``. At most ``WINDOW_PER_THREAD`` tasks of ``BATCH`` audits per worker thread are
    pending, submitted as results come back, so a listing of a million ids streams."""

    def __init__(self, recipe: Recipe, address: str | None = None, workers: int = 2, threads: int = 4) -> None:
        import dask
        from distributed import Client, LocalCluster

        quiet_dask()
        self.recipe = recipe
        self._cluster: LocalCluster | None = None
        self._run = uuid.uuid4().hex[:12]
        # by task key: what is submitted and not back yet, and whether it runs alone in the cluster
        self._pending: dict[Any, tuple[Any, tuple[Job, ...], bool]] = {}
        self._numbers = itertools.count(1)
        if address is None:
            # The scheduler runs in this process and reads allowed-failures when it starts.
            with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
                self._cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=max(1, threads),
                                             processes=True, dashboard_address=None)
            self.client = Client(self._cluster)
            self.where = f"a local Dask cluster ({workers} workers x {threads} threads)"
        else:
            try:
                self.client = Client(address)  # waits distributed.comm.timeouts.connect (30 s) for it
            except (OSError, TimeoutError) as exc:
                raise UsageError(f"cannot reach the Dask scheduler at {redact_urls(address)}: "
                                 f"{redact_urls(inert(exc))}") from None
            self.where = f"the Dask cluster at {redact_urls(address)}"

    def threads(self, wait: float = 60.0) -> int:
        """Worker threads in the cluster now, waiting up to ``wait`` seconds for a first worker to join."""
        deadline = time.monotonic() + wait
        while True:
            total = sum(self.client.nthreads().values())
            if total or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if not total:
            raise EngineError(f"{self.where} has no workers; start some with `dask worker ADDRESS`")
        return int(total)

    def map(self, auditor: Callable[[Job], Outcome], jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Audits in batches, as results come back. A batch whose worker died is split into suspects, and
        each suspect is then run alone in the cluster with the feed paused: a task that was only queued
        on a dying worker is counted by the scheduler as if it had killed it, so only a death with nothing
        else running names the model that kills workers."""
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        if not isinstance(auditor, Auditor):
            raise TypeError("the Dask executor runs an Auditor, rebuilt from its recipe on each worker")
        expected = identity(auditor)
        window = WINDOW_PER_THREAD * self.threads()
        feed = iter(jobs)
        suspects: deque[Job] = deque()
        results = as_completed()

        def submit(batch: tuple[Job, ...], alone: bool) -> None:
            future = self.client.submit(audit_on_worker, self.recipe, self._run, expected, batch,
                                        key=f"modelclear-audit-{self._run}-{next(self._numbers)}")
            self._pending[future.key] = (future, batch, alone)
            results.add(future)

        def more() -> bool:
            if suspects:  # one at a time, once everything else is back
                if self._pending:
                    return False
                submit((suspects.popleft(),), alone=True)
                return True
            batch = tuple(itertools.islice(feed, BATCH))
            if batch:
                submit(batch, alone=False)
            return bool(batch)

        def refill() -> None:
            while len(self._pending) < window and more():
                pass

        try:
            refill()
            for future in results:
                _, batch, alone = self._pending.pop(future.key)
                if future.status != "error":
                    yield from future.result()
                elif not isinstance(error := future.exception(), KilledWorker):
                    raise error
                elif not alone:
                    suspects.extend(batch)
                else:  # it died with nothing else running, on every worker that ran it: its error row
                    yield Outcome(batch[0], auditor.crashed(batch[0].ref, f"the Dask workers running this audit "
                                                                          f"died: {inert(error)}"[:500]))
                refill()
        finally:
            self._cancel()

    def _cancel(self) -> None:
        if self._pending:
            self.client.cancel([future for future, _, _ in self._pending.values()])
            self._pending.clear()

    def close(self) -> None:
        """Drop pending audits, and stop the local cluster (a cluster joined at an address keeps running)."""
        try:
            self._cancel()
            self.client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()
                self._cluster = None
