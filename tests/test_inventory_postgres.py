"""The inventory store on a real PostgreSQL server: the same cases as SQLite, plus the schema checks.

.ci/run starts Debian's PostgreSQL on 127.0.0.1 (.ci/postgres) and sets MODELCLEAR_TEST_POSTGRES to its URL
and MODELCLEAR_REQUIRE_POSTGRES=1, so in CI these tests can never be skipped. Each test works in a schema of
its own (search_path in the URL), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from scanner.inventory.store import SCHEMA_VERSION, Store
from tests.hubserver import FixtureHub
from tests.test_inventory import check_change_is_reported, check_run_rerun_and_report, inventory

URL = os.environ.get("MODELCLEAR_TEST_POSTGRES")
if URL is None and os.environ.get("MODELCLEAR_REQUIRE_POSTGRES"):
    raise RuntimeError(".ci/run starts PostgreSQL and sets MODELCLEAR_TEST_POSTGRES; these tests must run")
pytestmark = pytest.mark.skipif(URL is None,
                                reason="no PostgreSQL server (set MODELCLEAR_TEST_POSTGRES, see .ci/postgres)")


@pytest.fixture
def pg_store() -> Iterator[str]:
    import psycopg

    assert URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(URL, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            separator = "&" if "?" in URL else "?"
            yield f"{URL}{separator}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def test_run_rerun_and_report_postgres(run_cli: Any, pg_store: str) -> None:
    check_run_rerun_and_report(run_cli, pg_store)


def test_change_is_reported_postgres(run_cli: Any, hub: FixtureHub, pg_store: str) -> None:
    check_change_is_reported(run_cli, hub, pg_store)


def test_schema_and_password_never_shown(run_cli: Any, pg_store: str) -> None:
    result = inventory(run_cli, pg_store, "meta-llama/Llama-2-7b-hf")
    assert result.exit_code == 0, result.stderr
    assert "modelclear:modelclear@" not in result.stdout + result.stderr  # the URL's password is redacted
    with Store.open(pg_store) as opened:
        assert opened.dialect == "postgresql" and opened.schema_version() == SCHEMA_VERSION
        assert len(opened.latest()) == 1


def test_newer_schema_is_refused_postgres(run_cli: Any, pg_store: str) -> None:
    import psycopg

    inventory(run_cli, pg_store, "meta-llama/Llama-2-7b-hf")
    with psycopg.connect(pg_store, autocommit=True) as db:
        db.execute("INSERT INTO modelclear_schema VALUES (%s, 'later', '99.0')", (SCHEMA_VERSION + 1,))
        count = db.execute("SELECT COUNT(*) FROM audits").fetchone()
    result = run_cli("inventory", "run", "--store", pg_store, "meta-llama/Llama-2-7b-hf")
    assert result.exit_code == 2 and f"schema version {SCHEMA_VERSION + 1}" in result.stderr
    with psycopg.connect(pg_store, autocommit=True) as db:
        assert db.execute("SELECT COUNT(*) FROM audits").fetchone() == count


def test_unreachable_server_is_a_clear_error(run_cli: Any) -> None:
    result = run_cli("inventory", "run", "--store", "postgresql://someone:secret@127.0.0.1:1/nowhere",
                     "meta-llama/Llama-2-7b-hf")
    assert result.exit_code == 2
    assert "cannot connect to the inventory store" in result.stderr and "secret" not in result.stderr


def test_report_on_an_empty_database_writes_nothing(run_cli: Any, pg_store: str) -> None:
    result = run_cli("inventory", "report", "--store", pg_store)
    assert result.exit_code == 2 and "holds no inventory yet" in result.stderr
    with Store.open(pg_store) as opened:  # opening to write creates the schema; the report had not
        assert opened.schema_version() == SCHEMA_VERSION


def test_the_dask_engine_writes_a_postgres_store(run_cli: Any, pg_store: str) -> None:
    """The workers audit, the driver alone writes: a PostgreSQL store works with the Dask engine as with the
    local executor, and a rerun finds everything unchanged."""
    pytest.importorskip("distributed")
    models = ["meta-llama/Llama-2-7b-hf", "01-ai/Yi-34B", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"]
    first = inventory(run_cli, pg_store, "--engine", "dask", "--workers", "1", "--jobs", "2", *models)
    assert first.exit_code == 0, first.stderr
    assert first.json()["audited"] == 3
    again = inventory(run_cli, pg_store, "--engine", "dask", "--workers", "1", "--jobs", "2", *models)
    assert again.json()["unchanged"] == 3
    with Store.open(pg_store) as opened:
        assert {s.row.target for s in opened.latest()} == set(models)
