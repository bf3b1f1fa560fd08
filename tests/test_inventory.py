"""`modelclear inventory run/report` against the fixture Hub (a real HTTP server) and a mirror, into a real
SQLite file and, when .ci/run has started one, a real PostgreSQL server (tests/test_inventory_postgres.py
runs the shared cases there)."""

from __future__ import annotations

import csv
import io
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from scanner.inventory.store import SCHEMA_VERSION, Store
from tests.conftest import HUB_ROOT, REPO_ROOT
from tests.hubserver import FixtureHub

MODELS = ["meta-llama/Llama-2-7b-hf", "01-ai/Yi-34B", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF",
          "black-forest-labs/FLUX.1-dev"]


def inventory(run_cli: Any, store: str, *args: str) -> Any:
    return run_cli("inventory", "run", "--store", store, "--format", "json", *args)


def report(run_cli: Any, store: str, fmt: str = "json") -> Any:
    return run_cli("inventory", "report", "--store", store, "--format", fmt)


# -- cases shared with the PostgreSQL tests (``store`` is a path or a URL) -------------------------------

def check_run_rerun_and_report(run_cli: Any, store: str) -> None:
    first = inventory(run_cli, store, *MODELS, "nobody/nothing")
    assert first.exit_code == 0, first.stderr
    summary = first.json()
    assert summary["schema_version"] == "1"
    assert (summary["requested"], summary["audited"], summary["unchanged"], summary["failed"]) == (5, 5, 0, 1)
    assert summary["run"]["status"] == "finished"

    again = inventory(run_cli, store, *MODELS, "nobody/nothing")
    assert again.exit_code == 0, again.stderr
    # the four that were read are unchanged; the one that was not found is asked again
    assert (again.json()["audited"], again.json()["unchanged"], again.json()["failed"]) == (1, 4, 1)

    doc = report(run_cli, store).json()
    rows = {row["id"]: row for row in doc["models"]}
    assert set(rows) == {*MODELS, "nobody/nothing"}
    llama2 = rows["meta-llama/Llama-2-7b-hf"]
    for key in ("id", "revision", "status", "verdict", "licenses", "findings", "audited_at"):
        assert key in llama2
    assert llama2["licenses"] == ["llama-2-license-2023"] and llama2["status"] == "gated"  # gated on the Hub
    assert rows["nobody/nothing"]["status"] == "not_found" and rows["nobody/nothing"]["verdict"] == "fail"
    assert doc["summary"]["models"] == 5
    assert doc["summary"]["by_verdict"] == {"fail": sum(r["verdict"] == "fail" for r in rows.values()),
                                            "pass": sum(r["verdict"] == "pass" for r in rows.values())}
    assert doc["summary"]["by_license"]["llama-2-license-2023"] == 1
    assert doc["summary"]["by_rule"]["unverifiable"] >= 1
    assert doc["changes"] == []


def check_change_is_reported(run_cli: Any, hub: FixtureHub, store: str) -> None:
    assert inventory(run_cli, store, "01-ai/Yi-34B", "meta-llama/Llama-2-7b-hf").exit_code == 0
    hub.overrides["01-ai/Yi-34B"] = {"main": "2024-05-30"}  # upstream relicensed to Apache-2.0
    second = inventory(run_cli, store, "01-ai/Yi-34B", "meta-llama/Llama-2-7b-hf")
    assert (second.json()["audited"], second.json()["unchanged"], second.json()["changed"]) == (1, 1, 1)
    doc = report(run_cli, store).json()
    assert [change["id"] for change in doc["changes"]] == ["01-ai/Yi-34B"]
    change = doc["changes"][0]
    assert "licenses" in change["changed"]
    assert change["before"]["licenses"] == ["yi-community-license-2.1"]
    assert "apache-2.0" in change["after"]["licenses"]
    assert change["before"]["revision"] != change["after"]["revision"]
    assert doc["summary"]["changed"] == 1


# -- SQLite --------------------------------------------------------------------------------------------

def test_run_rerun_and_report_sqlite(run_cli: Any, tmp_path: Path) -> None:
    check_run_rerun_and_report(run_cli, str(tmp_path / "inv.db"))


def test_change_is_reported_sqlite(run_cli: Any, hub: FixtureHub, tmp_path: Path) -> None:
    check_change_is_reported(run_cli, hub, str(tmp_path / "inv.db"))


def test_history_is_kept_not_overwritten(run_cli: Any, hub: FixtureHub, tmp_path: Path) -> None:
    store = str(tmp_path / "inv.db")
    inventory(run_cli, store, "01-ai/Yi-34B")
    hub.overrides["01-ai/Yi-34B"] = {"main": "2024-05-30"}
    inventory(run_cli, store, "01-ai/Yi-34B")
    with Store.open(store) as opened:
        history = opened.history("01-ai/Yi-34B")
        runs = opened.runs()
    assert len(history) == 2 and history[0].run_id != history[1].run_id
    assert [h.row.revision for h in history] == ["1f2e3d4c5b6a79880796a5b4c3d2e1f0a9b8c7d6",
                                                  "a04d7a8f1e5b3c9d2f6e8a0b4c7d9e1f3a5b7c92"]
    document = json.loads(Store.open(store).latest()[0].row.document)
    assert document["schema_version"] == "1" and document["models"][0]["id"] == "01-ai/Yi-34B"
    assert [run.status for run in runs] == ["finished", "finished"]


def test_unchanged_costs_one_metadata_call(run_cli: Any, hub: FixtureHub, tmp_path: Path) -> None:
    store = str(tmp_path / "inv.db")
    inventory(run_cli, store, "meta-llama/Llama-2-7b-hf")
    before = len(hub.requests)
    assert inventory(run_cli, store, "meta-llama/Llama-2-7b-hf").json()["unchanged"] == 1
    asked = hub.requests[before:]
    assert [r.path.split("?")[0] for r in asked] == ["/api/models/meta-llama/Llama-2-7b-hf"]


def test_policy_or_context_change_audits_again(run_cli: Any, tmp_path: Path) -> None:
    store = str(tmp_path / "inv.db")
    inventory(run_cli, store, "meta-llama/Llama-2-7b-hf")
    assert inventory(run_cli, store, "--policy", "research", "meta-llama/Llama-2-7b-hf").json()["audited"] == 1
    assert inventory(run_cli, store, "--policy", "research", "meta-llama/Llama-2-7b-hf").json()["unchanged"] == 1
    assert inventory(run_cli, store, "--policy", "research", "--context", "mau=800000000",
                     "meta-llama/Llama-2-7b-hf").json()["audited"] == 1


def test_hub_faults_are_statuses_and_the_run_goes_on(run_cli: Any, tmp_path: Path) -> None:
    store = str(tmp_path / "inv.db")
    result = inventory(run_cli, store, "--retries", "0", "--timeout", "1", "faults/always-rate-limited",
                       "faults/server-error", "meta-llama/Llama-2-7b-hf")
    assert result.exit_code == 0, result.stderr
    assert (result.json()["audited"], result.json()["failed"]) == (3, 2)
    rows = {row["id"]: row for row in report(run_cli, store).json()["models"]}
    assert rows["faults/always-rate-limited"]["status"] == "error"
    assert rows["faults/server-error"]["status"] == "error"
    assert rows["meta-llama/Llama-2-7b-hf"]["status"] == "gated"
    # a model that failed is audited again next time, not taken as unchanged
    assert inventory(run_cli, store, "--retries", "0", "--timeout", "1", "faults/server-error").json()["audited"] == 1


def test_from_file_and_a_malformed_line(run_cli: Any, tmp_path: Path) -> None:
    good = tmp_path / "models.txt"
    good.write_text("# our models\nmeta-llama/Llama-2-7b-hf\n\n01-ai/Yi-34B@2023-11-15  # pinned\n", encoding="utf-8")
    store = tmp_path / "inv.db"
    result = inventory(run_cli, str(store), "--from-file", str(good))
    assert result.exit_code == 0 and result.json()["audited"] == 2
    assert {row["id"] for row in report(run_cli, str(store)).json()["models"]} == {
        "meta-llama/Llama-2-7b-hf", "01-ai/Yi-34B@2023-11-15"}

    bad = tmp_path / "bad.txt"
    bad.write_text("meta-llama/Llama-2-7b-hf\nnot a model id\n", encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    result = inventory(run_cli, str(fresh), "--from-file", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:2" in result.stderr and "not a model id" in result.stderr
    assert not fresh.exists()  # nothing written


def test_listing_by_author_search_and_tag(run_cli: Any, hub: FixtureHub, tmp_path: Path) -> None:
    hub.page_size = 2  # several pages, followed through the Link header
    store = str(tmp_path / "inv.db")
    result = inventory(run_cli, store, "--author", "meta-llama")
    assert result.exit_code == 0, result.stderr
    listed = {row["id"] for row in report(run_cli, store).json()["models"]}
    expected = {f"meta-llama/{p.name}" for p in (HUB_ROOT / "meta-llama").iterdir() if p.is_dir()}
    assert listed == expected and len(expected) > 2
    assert hub.count("cursor=") >= 1

    tagged = str(tmp_path / "tagged.db")
    result = inventory(run_cli, tagged, "--search", "llama", "--filter", "license:llama3.1")
    ids = {row["id"] for row in report(run_cli, tagged).json()["models"]}
    assert "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF" in ids
    assert "meta-llama/Llama-2-7b-hf" not in ids  # license llama2


def test_listing_from_a_mirror(run_cli: Any, tmp_path: Path) -> None:
    store = str(tmp_path / "inv.db")
    result = inventory(run_cli, store, "--mirror", str(HUB_ROOT), "--author", "01-ai")
    assert result.exit_code == 0, result.stderr
    assert [row["id"] for row in report(run_cli, store).json()["models"]] == ["01-ai/Yi-34B"]


def test_a_failing_listing_keeps_what_was_listed(run_cli: Any, hub: FixtureHub, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.sources import HubSource

    def broken(self: Any, author: Any, search: Any, tags: Any) -> Any:
        yield "meta-llama/Llama-2-7b-hf"
        raise RuntimeError("the listing broke (HTTP 500)")

    monkeypatch.setattr(HubSource, "list_models", broken)
    store = str(tmp_path / "inv.db")
    result = inventory(run_cli, store, "--author", "meta-llama")
    assert result.exit_code == 1
    assert result.json()["audited"] == 1 and result.json()["run"]["status"] == "incomplete"
    assert "listing failed after 1 models" in result.stderr


def test_discover_inputs(run_cli: Any, tmp_path: Path) -> None:
    store = str(tmp_path / "inv.db")
    result = inventory(run_cli, store, "--mirror", str(HUB_ROOT), "--discover",
                       str(REPO_ROOT / "tests" / "fixtures" / "sample-app"))
    assert result.exit_code == 0, result.stderr
    assert result.json()["audited"] >= 2


def test_newer_schema_is_refused_and_left_untouched(run_cli: Any, tmp_path: Path) -> None:
    store = tmp_path / "inv.db"
    inventory(run_cli, str(store), "meta-llama/Llama-2-7b-hf")
    with sqlite3.connect(store) as db:
        db.execute("INSERT INTO modelclear_schema VALUES (?, 'later', '99.0')", (SCHEMA_VERSION + 1,))
    before = store.read_bytes()
    for args in (("inventory", "run", "--store", str(store), "meta-llama/Llama-2-7b-hf"),
                 ("inventory", "report", "--store", str(store))):
        result = run_cli(*args)
        assert result.exit_code == 2
        assert f"schema version {SCHEMA_VERSION + 1}" in result.stderr and "not changed" in result.stderr
    assert store.read_bytes() == before


def test_a_foreign_database_is_not_touched(run_cli: Any, tmp_path: Path) -> None:
    store = tmp_path / "other.db"
    with sqlite3.connect(store) as db:
        db.execute("CREATE TABLE audits (x TEXT)")
    result = run_cli("inventory", "run", "--store", str(store), "meta-llama/Llama-2-7b-hf")
    assert result.exit_code == 1 and "not made by modelclear" in result.stderr


def test_report_without_a_store(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("inventory", "report", "--store", str(tmp_path / "missing.db"))
    assert result.exit_code == 2 and "no inventory store" in result.stderr
    assert not (tmp_path / "missing.db").exists()


def test_report_formats(run_cli: Any, tmp_path: Path) -> None:
    store = str(tmp_path / "inv.db")
    inventory(run_cli, store, "--mirror", str(HUB_ROOT), *MODELS)
    text = report(run_cli, store, "text").stdout
    assert "4 models" in text and "meta-llama/Llama-2-7b-hf" in text and "changed since the previous audit: 0" in text
    rows = list(csv.DictReader(io.StringIO(report(run_cli, store, "csv").stdout)))
    assert [r["id"] for r in rows] == sorted(MODELS)
    assert {"id", "revision", "status", "verdict", "licenses", "errors", "warnings", "audited_at"} <= set(rows[0])
    page = report(run_cli, store, "html").stdout
    assert page.count("<svg") >= 2 and 'id="license-chart"' in page and "<script" not in page
    assert page.index('id="changes"') < page.index('id="charts"') < page.index('id="models"')


def test_csv_cells_are_never_formulas(tmp_path: Path) -> None:
    from scanner.report.inventory_report import _cell

    assert _cell("=HYPERLINK(\"http://x\")").startswith("'=")
    assert _cell("@SUM(1)").startswith("'@") and _cell("meta-llama/x") == "meta-llama/x"


def test_stdout_is_the_summary_and_progress_goes_to_stderr(hub: FixtureHub, tmp_path: Path) -> None:
    from tests.conftest import run_console_script

    proc = run_console_script(["inventory", "run", "--store", str(tmp_path / "inv.db"), "--format", "json",
                               *MODELS], env={"HF_ENDPOINT": hub.url, "HF_HUB_CACHE": str(tmp_path / "hf"),
                                              "MODELCLEAR_CACHE": str(REPO_ROOT / ".pytest_cache" / "modelclear")})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["audited"] == 4
    assert "modelclear: inventory: 4 of 4 models" in proc.stderr


# -- killed and interrupted runs -----------------------------------------------------------------------

def _start(hub: FixtureHub, store: Path, tmp_path: Path, models: list[str]) -> subprocess.Popen[str]:
    env = {"HF_ENDPOINT": hub.url, "HF_HUB_CACHE": str(tmp_path / "hf"),
           "MODELCLEAR_CACHE": str(REPO_ROOT / ".pytest_cache" / "modelclear"), "PATH": "/usr/bin:/bin"}
    return subprocess.Popen([sys.executable, "-m", "scanner", "inventory", "run", "--store", str(store), "--jobs",
                             "1", "--timeout", "60", "--format", "json", *models], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_rows(store: Path, count: int, child: subprocess.Popen[str]) -> None:
    for _ in range(600):
        if store.exists():
            try:
                with sqlite3.connect(store) as db:
                    if db.execute("SELECT COUNT(*) FROM audits").fetchone()[0] >= count:
                        return
            except sqlite3.OperationalError:
                pass
        assert child.poll() is None, child.communicate()
        time.sleep(0.1)
    raise AssertionError(f"the run did not store {count} audits")


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_a_killed_run_keeps_its_audits_and_the_next_does_the_rest(hub: FixtureHub, tmp_path: Path,
                                                                  how: str) -> None:
    store = tmp_path / "inv.db"
    hub.faults["black-forest-labs/FLUX.1-dev"] = {"kind": "slow", "delay": 60, "scope": "api"}
    models = ["meta-llama/Llama-2-7b-hf", "01-ai/Yi-34B", "black-forest-labs/FLUX.1-dev", "Qwen/Qwen3-8B"]
    child = _start(hub, store, tmp_path, models)
    _wait_for_rows(store, 2, child)  # the slow third model holds the run
    child.send_signal(signal.SIGKILL if how == "SIGKILL" else signal.SIGINT)
    child.communicate(timeout=60)
    if how == "SIGINT":
        assert child.returncode == 130
    else:
        assert child.returncode == -signal.SIGKILL
    with Store.open(str(store)) as opened:
        kept = {s.row.target for s in opened.latest()}
        run = opened.runs()[0]
    assert kept == {"meta-llama/Llama-2-7b-hf", "01-ai/Yi-34B"}
    assert run.status == ("interrupted" if how == "SIGINT" else "running")

    hub.faults.clear()
    rest = _start(hub, store, tmp_path, models)
    out, err = rest.communicate(timeout=120)
    assert rest.returncode == 0, err
    summary = json.loads(out)
    assert (summary["audited"], summary["unchanged"]) == (2, 2)


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise() -> None:
    from scanner.inventory.runner import Progress, RunTotals

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = Progress(stream=screen, total=4)
    totals = RunTotals(audited=1)
    bar.update(totals)
    bar.close(totals)
    shown = screen.getvalue()
    assert "1/4" in shown and ("model/s" in shown or "s/model" in shown) and "audited=1" in shown

    log = io.StringIO()
    lines = Progress(stream=log, every=0.0, total=10)
    lines.update(RunTotals(audited=3, unchanged=2, failed=1))
    assert log.getvalue().startswith("modelclear: inventory: 5 of 10 models (3 audited, 2 unchanged, 1 failed)")
    assert "left" in log.getvalue()


def test_a_store_that_fails_mid_run_is_a_clear_failure(run_cli: Any, tmp_path: Path) -> None:
    """A write the database refuses (here a trigger standing in for a full disk) ends the run with exit 1
    and a message naming the store; what was committed before stays, and the run is marked failed."""
    store = tmp_path / "inv.db"
    assert inventory(run_cli, str(store), "meta-llama/Llama-2-7b-hf").exit_code == 0
    with sqlite3.connect(store) as db:
        db.execute("CREATE TRIGGER full BEFORE INSERT ON audits WHEN NEW.target = '01-ai/Yi-34B' "
                   "BEGIN SELECT RAISE(ABORT, 'database or disk is full (simulated)'); END")
    result = run_cli("inventory", "run", "--store", str(store), "meta-llama/Llama-2-7b-hf", "01-ai/Yi-34B")
    assert result.exit_code == 1
    assert f"the inventory store {store} failed: database or disk is full (simulated)" in result.stderr
    assert "Traceback" not in result.stderr
    with Store.open(str(store)) as opened:
        assert [s.row.target for s in opened.latest()] == ["meta-llama/Llama-2-7b-hf"]
        assert opened.runs()[0].status == "failed"


def test_an_upstream_change_audits_the_unchanged_fine_tune_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    """The fine-tune did not change, but its base was relicensed: its inherited terms changed, so it is
    audited again (each base's fingerprint is asked once per run, however many fine-tunes share it)."""
    import shutil

    from click.testing import CliRunner

    from scanner.cli import cli

    root = tmp_path / "hub"
    shutil.copytree(HUB_ROOT / "01-ai" / "Yi-34B", root / "01-ai" / "Yi-34B")
    for name in ("yi-ft-a", "yi-ft-b"):
        (root / "acme" / name).mkdir(parents=True)
        (root / "acme" / name / "README.md").write_text(
            "---\nlicense: other\nbase_model: 01-ai/Yi-34B\nbase_model_relation: finetune\n---\n# ft\n",
            encoding="utf-8")
    store = str(tmp_path / "inv.db")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    with FixtureHub(root) as hub:
        def run() -> dict[str, Any]:
            result = CliRunner().invoke(cli, ["inventory", "run", "--store", store, "--format", "json",
                                              "acme/yi-ft-a", "acme/yi-ft-b"], env={"HF_ENDPOINT": hub.url})
            assert result.exit_code == 0, result.stderr
            return dict(json.loads(result.stdout))

        assert run()["audited"] == 2
        start = len(hub.requests)
        assert run()["unchanged"] == 2
        asked = [r.path.split("?")[0] for r in hub.requests[start:]]
        assert asked.count("/api/models/01-ai/Yi-34B") == 1  # the shared base, once
        hub.overrides["01-ai/Yi-34B"] = {"main": "2024-05-30"}
        again = run()
        assert (again["audited"], again["changed"]) == (2, 2)
        with Store.open(store) as opened:
            rows = {s.row.target: s.row for s in opened.latest()}
    assert "apache-2.0" in rows["acme/yi-ft-a"].licenses
    relicensed = "commit:a04d7a8f1e5b3c9d2f6e8a0b4c7d9e1f3a5b7c92"
    assert ("model", "01-ai/Yi-34B", None, relicensed) in rows["acme/yi-ft-a"].lineage


def test_an_older_store_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    from scanner.inventory.store import MIGRATIONS

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # a store made by a modelclear that knew only migration 1
        for statement in MIGRATIONS[0]:
            db.execute(statement.replace("{id}", "INTEGER"))
        db.execute("INSERT INTO modelclear_schema VALUES (1, 'then', '0.0')")
        db.execute("INSERT INTO runs (started_at, status, tool_version, policy_name, policy_sha256, settings_sha256, "
                   "source) VALUES ('then', 'finished', '0.0', 'commercial', 'p', 's', 'hub')")
        db.execute("INSERT INTO audits (run_id, target, model_id, kind, status, verdict, licenses, clauses, errors, "
                   "warnings, infos, rules, policy_sha256, settings_sha256, tool_version, audited_at, document) "
                   "VALUES (1, 'org/m', 'org/m', 'model', 'ok', 'pass', '[\"mit\"]', '[]', 0, 0, 0, '[]', 'p', 's', "
                   "'0.0', 'then', '{}')")
    with Store.open(str(path)) as opened:
        assert opened.schema_version() == SCHEMA_VERSION
        (row,) = opened.latest()
    assert row.row.licenses == ("mit",) and row.row.lineage == ()


def test_a_store_in_a_new_folder(run_cli: Any, tmp_path: Path) -> None:
    store = tmp_path / "data" / "inventory.db"
    assert inventory(run_cli, str(store), "meta-llama/Llama-2-7b-hf").exit_code == 0 and store.is_file()
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    result = run_cli("inventory", "run", "--store", str(folder), "meta-llama/Llama-2-7b-hf")
    assert result.exit_code == 2 and "cannot open the inventory store" in result.stderr


def test_a_listing_that_stalls_keeps_the_pages_it_read(run_cli: Any, hub: FixtureHub,
                                                               tmp_path: Path) -> None:
    """The Hub's listing goes through huggingface_hub, whose reads have no total deadline: a page that
    trickles is cut after --deadline seconds; the models of the pages read are audited, and the run says it
    is incomplete (exit 1). (A page that fails is test_a_failing_listing_keeps_what_was_listed.)"""
    hub.page_size = 2
    hub.listing_fault = {"from_page": 1}
    store = str(tmp_path / "inv.db")
    started = time.monotonic()
    result = inventory(run_cli, store, "--author", "meta-llama", "--deadline", "2")
    assert time.monotonic() - started < 60
    assert result.exit_code == 1
    assert result.json()["audited"] == 2 and result.json()["run"]["status"] == "incomplete"
    assert "listing stalled for 2 s after 2 models" in result.stderr



def test_a_base_that_is_still_missing_has_not_changed(run_cli: Any, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "acme" / "ft").mkdir(parents=True)
    (mirror / "acme" / "ft" / "README.md").write_text(
        "---\nlicense: apache-2.0\nbase_model: nobody/missing-base\n---\n# ft\n", encoding="utf-8")
    store = str(tmp_path / "inv.db")
    assert inventory(run_cli, store, "--mirror", str(mirror), "acme/ft").json()["audited"] == 1
    assert inventory(run_cli, store, "--mirror", str(mirror), "acme/ft").json()["unchanged"] == 1
    (mirror / "nobody" / "missing-base").mkdir(parents=True)  # the base appears: its terms may bind the model
    (mirror / "nobody" / "missing-base" / "README.md").write_text("---\nlicense: mit\n---\n", encoding="utf-8")
    assert inventory(run_cli, store, "--mirror", str(mirror), "acme/ft").json()["audited"] == 1


def test_the_unchanged_check_has_each_models_own_audit_deadline(hub: FixtureHub, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """An inventory outlives any one audit's deadline (--audit-deadline is per audit): the metadata call that
    finds a model unchanged must not be refused because the run's first request was long ago."""
    from scanner.audit import AuditOptions
    from scanner.inventory.executor import Auditor, Job
    from scanner.models import RepoRef
    from scanner.policy import load_policy
    from scanner.sources import HubSettings, HubSource

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    source = HubSource(HubSettings(endpoint=hub.url, audit_deadline=1.0))
    yi = RepoRef("01-ai/Yi-34B")
    assert source.fetch(yi).revision == "1f2e3d4c5b6a79880796a5b4c3d2e1f0a9b8c7d6"  # the run's first request
    time.sleep(1.2)
    auditor = Auditor(source, AuditOptions(policy=load_policy("commercial")), "fixture hub")
    outcome = auditor(Job(yi, "commit:1f2e3d4c5b6a79880796a5b4c3d2e1f0a9b8c7d6"))
    assert outcome.row is None  # unchanged, found with a request of its own audit's deadline


def test_a_mirror_listing_never_leaves_the_mirror(run_cli: Any, tmp_path: Path) -> None:
    for author in ("..", "../..", "a/b", "/etc"):
        result = inventory(run_cli, str(tmp_path / "inv.db"), "--mirror", str(HUB_ROOT), "--author", author)
        assert result.exit_code == 2 and "is not a Hub user or organisation name" in result.stderr, author
