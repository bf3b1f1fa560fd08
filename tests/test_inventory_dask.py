"""`inventory run --engine dask` on real Dask LocalClusters (worker processes) against the fixture Hub serving a
few hundred generated models (bench/many.py's): the rows are the local executor's, model by model, a worker
killed mid-run has its audits retried elsewhere, the driver's window of pending audits stays bounded, and a
cluster started elsewhere is joined by its address."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import dask
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

from bench.many import build
from scanner.cli import cli
from scanner.cli.inventory import auditor_from_options
from scanner.inventory import engines
from scanner.inventory.engines import DaskExecutor, EngineError, Recipe, audit_on_worker, identity
from scanner.inventory.executor import Auditor, Job, Outcome
from scanner.inventory.runner import run_inventory
from scanner.inventory.store import AuditRow, Store
from scanner.models import RepoRef
from tests.conftest import REPO_ROOT
from tests.hubserver import FixtureHub

MODELS = 300
CACHE = os.environ["MODELCLEAR_CACHE"]


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FixtureHub, Path, Path]]:
    """The fixture Hub serving MODELS fine-tunes of six real bases, their ids in a file, and the store of
    one local-executor run over them (what every engine run is compared with)."""
    work = tmp_path_factory.mktemp("many")
    ids = build(work / "hub", MODELS)
    ids_file = work / "ids.txt"
    ids_file.write_text("\n".join(ids) + "\n", encoding="utf-8")
    with FixtureHub(work / "hub") as hub:
        local = work / "local.db"
        result = _run(hub, local, "--from-file", str(ids_file))
        assert result.exit_code == 0, result.stderr
        yield hub, ids_file, local


def _env(hub: FixtureHub) -> dict[str, str]:
    return {"HF_ENDPOINT": hub.url, "MODELCLEAR_CACHE": CACHE, "HF_TOKEN": ""}


def _run(hub: FixtureHub, store: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["inventory", "run", "--store", str(store), "--format", "json", *args],
                              env=_env(hub), catch_exceptions=False)


def _rows(store: Path) -> dict[str, AuditRow]:
    """Every audit in the store by target, asserting there is one each; the time of the audit left out, and
    whether ScanCode ran (not when a text's detection was already in the cache, which an earlier run fills)."""
    with Store.open(str(store), create=False) as opened:
        audits = opened.latest()
        counts = Counter(a.row.target for a in audits for _ in opened.history(a.row.target))
    assert set(counts.values()) == {1}, [target for target, n in counts.items() if n != 1]
    rows = {}
    for audit in audits:
        document = json.loads(audit.row.document)
        document.pop("generated_at", None)
        document["tool"].pop("scancode_index", None)
        rows[audit.row.target] = replace(audit.row, audited_at="", document=json.dumps(document, sort_keys=True))
    return rows


def test_dask_rows_are_the_local_executors(many: tuple[FixtureHub, Path, Path], tmp_path: Path) -> None:
    hub, ids_file, local = many
    store = tmp_path / "dask.db"
    result = _run(hub, store, "--engine", "dask", "--workers", "2", "--jobs", "2", "--from-file", str(ids_file))
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["audited"], summary["failed"], summary["run"]["status"]) == (MODELS, 0, "finished")
    assert f"modelclear: inventory: {MODELS} of {MODELS} models" in result.stderr  # progress as in a local run
    expected = _rows(local)
    assert len(expected) == MODELS and _rows(store) == expected
    verdicts = Counter(row.verdict for row in expected.values())
    assert len(verdicts) == 2  # both verdicts among them: the comparison covers findings, not only passes

    # The rerun is a local rerun too: unchanged models skipped after their check on the workers (the
    # fine-tunes of the GGUF base are audited again: a base of that base is not on this Hub).
    local_again = tmp_path / "local-again.db"
    shutil.copy(local, local_again)
    expected_again = json.loads(_run(hub, local_again, "--from-file", str(ids_file)).stdout)
    again = json.loads(_run(hub, store, "--engine", "dask", "--from-file", str(ids_file)).stdout)
    assert (again["audited"], again["unchanged"]) == (expected_again["audited"], expected_again["unchanged"])
    assert again["unchanged"] >= MODELS * 5 // 6


@pytest.fixture
def cluster() -> Iterator[Client]:
    """A cluster started apart from modelclear, as a team's would be: two worker processes."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 3}):
        with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as running:
            with Client(running) as client:
                yield client


def _stored(store: Path) -> int:
    try:
        with sqlite3.connect(store) as db:
            return int(db.execute("SELECT COUNT(*) FROM audits").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_joining_a_cluster_and_a_worker_killed_mid_run(many: tuple[FixtureHub, Path, Path], cluster: Client,
                                                       tmp_path: Path) -> None:
    hub, ids_file, local = many
    store = tmp_path / "joined.db"
    address = cluster.scheduler.address
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HF_")}, **_env(hub)}
    child = subprocess.Popen([sys.executable, "-m", "scanner", "inventory", "run", "--engine", "dask", "--address",
                              address, "--store", str(store), "--from-file", str(ids_file), "--format", "json"],
                             cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while _stored(store) < 20:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "no audits stored"
            time.sleep(0.05)
        pids = cluster.run(os.getpid)
        busy = {worker: tasks for worker, tasks in cluster.processing().items() if tasks}
        assert busy, "no worker had audits in hand"
        victim = max(busy, key=lambda worker: len(busy[worker]))
        os.kill(pids[victim], signal.SIGKILL)
        stored_at_kill = _stored(store)
        out, err = child.communicate(timeout=90)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert stored_at_kill < MODELS  # it died mid-run
    summary = json.loads(out)
    assert (summary["requested"], summary["audited"], summary["failed"]) == (MODELS, MODELS, 0)
    assert _rows(store) == _rows(local)  # every model exactly once, the rows a local run makes
    assert victim not in cluster.scheduler_info()["workers"]  # it is gone; its tasks ran on the others
    built = cluster.run(_auditors_built)  # the joined cluster is left running; each worker built one auditor
    assert built and set(built.values()) <= {0, 1} and 1 in built.values()
    assert not any(cluster.run(_index_loaded).values())  # known texts only: no worker loaded ScanCode's index


def _auditors_built() -> int:
    return len(engines._AUDITORS)


def _index_loaded() -> bool:
    from scanner import scancode_index

    return scancode_index._LOADED is not None


def test_the_window_of_pending_audits_is_bounded(many: tuple[FixtureHub, Path, Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    hub, ids_file, _ = many
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    ids = ids_file.read_text(encoding="utf-8").split()[:80]
    shared = _shared()
    auditor = auditor_from_options((), "error", 0, shared)
    executor = DaskExecutor(Recipe(auditor_from_options, {"targets": (), "fail_on": "error", "verbose": 0,
                                                          "shared": shared}), workers=1, threads=2)
    pulled, most = 0, 0

    def jobs() -> Iterator[Job]:
        nonlocal pulled
        for model in ids:
            pulled += 1
            yield Job(RepoRef(model))

    try:
        outcomes = []
        for outcome in executor.map(auditor, jobs()):
            most = max(most, pulled - len(outcomes))
            outcomes.append(outcome)
    finally:
        executor.close()
    assert len(outcomes) == len(ids)
    assert most <= engines.WINDOW_PER_THREAD * 2 * engines.BATCH  # one worker, two threads


def _shared(**changes: Any) -> dict[str, Any]:
    """The source options as the CLI passes them (click's defaults)."""
    command = cli.commands["inventory"].commands["run"]  # type: ignore[attr-defined]
    context = command.make_context("run", ["--store", "unused.db"])
    names = {"policy_name", "context", "waivers_file", "endpoint", "token", "revision", "offline", "mirror",
             "cache_dir", "timeout", "retries", "deadline", "max_file_size", "jobs", "depth", "max_nodes",
             "no_cache"}
    return {**{name: value for name, value in context.params.items() if name in names}, **changes}


def poisoned_auditor(**arguments: Any) -> Auditor:
    """A worker whose audit of ``bench/m1`` dies (as one out of memory would), every time."""
    real = auditor_from_options(**arguments)

    class Dying(Auditor):
        def __call__(self, job: Job) -> Outcome:
            if job.ref.id == "bench/m1":
                os._exit(1)
            return real(job)

    dying = Dying(real.source, real.options, real.description)
    return dying


def test_a_model_that_kills_every_worker_is_an_error_row(many: tuple[FixtureHub, Path, Path], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    hub, _, _ = many
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setattr(engines, "ALLOWED_FAILURES", 1)
    arguments = {"targets": (), "fail_on": "error", "verbose": 0, "shared": _shared()}
    auditor = auditor_from_options(**arguments)
    executor = DaskExecutor(Recipe(poisoned_auditor, arguments), workers=2, threads=1)
    with Store.open(str(tmp_path / "poison.db")) as store:
        try:
            _, status, totals = run_inventory([RepoRef(f"bench/m{i}") for i in range(6)], store, auditor, executor)
        finally:
            executor.close()
        rows = {a.row.target: a.row for a in store.latest()}
    assert status == "finished" and (totals.audited, totals.failed) == (6, 1)
    assert rows["bench/m1"].status == "error" and "Dask workers running this audit died" in rows["bench/m1"].document
    assert all(rows[f"bench/m{i}"].status == "ok" for i in (0, 2, 3, 4, 5))


def test_a_worker_with_other_settings_is_refused(tmp_path: Path) -> None:
    shared = _shared(mirror=tmp_path)
    recipe = Recipe(auditor_from_options, {"targets": (), "fail_on": "error", "verbose": 0, "shared": shared})
    driver = auditor_from_options((), "error", 0, {**shared, "policy_name": "research"})
    with pytest.raises(EngineError, match="another policy than the driver"):
        audit_on_worker(recipe, "run", identity(driver), (Job(RepoRef("org/model")),))
    broken = Recipe(auditor_from_options, {"targets": (), "fail_on": "error", "verbose": 0,
                                           "shared": {**shared, "policy_name": str(tmp_path / "missing.yml")}})
    with pytest.raises(EngineError, match="could not set up the audit as the driver did"):
        audit_on_worker(broken, "run", identity(driver), (Job(RepoRef("org/model")),))


def test_engine_options_are_checked(tmp_path: Path) -> None:
    runner = CliRunner()
    store = str(tmp_path / "x.db")
    result = runner.invoke(cli, ["inventory", "run", "--store", store, "--address", "tcp://127.0.0.1:1", "org/m"])
    assert result.exit_code == 2 and "use it with --engine dask" in result.stderr
    result = runner.invoke(cli, ["inventory", "run", "--store", store, "--engine", "dask", "--address",
                                 "tcp://127.0.0.1:1", "--token", "hf_secret", "org/m"])
    assert result.exit_code == 2 and "set HF_TOKEN in their environment" in result.stderr
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = runner.invoke(cli, ["inventory", "run", "--store", store, "--engine", "dask", "--address",
                                     "tcp://127.0.0.1:1", "org/m"])
    assert result.exit_code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in result.stderr


def test_a_local_run_does_not_import_dask(tmp_path: Path) -> None:
    code = ("import sys; from scanner.cli import main; sys.argv = ['modelclear', 'inventory', 'run', '--mirror', "
            f"{str(REPO_ROOT / 'tests' / 'fixtures' / 'hub')!r}, '--store', {str(tmp_path / 'x.db')!r}, "
            "'01-ai/Yi-34B']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'distributed' not in sys.modules and 'dask' not in sys.modules, 'dask imported'")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={**os.environ, "MODELCLEAR_CACHE": CACHE}, timeout=120)
    assert proc.returncode == 0, proc.stderr
