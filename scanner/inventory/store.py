"""The inventory's database: one schema for SQLite (a file, the default) and PostgreSQL (a URL, for teams),
versioned by migrations. The only module that speaks SQL (DESIGN section 9).

Each audit is a row that keeps the audit's JSON document (schema_version "1") beside the few columns that
queries need; a run is a row too. Rows are only ever added: history, never overwrite. A store whose schema
is newer than this modelclear knows is refused, never rewritten.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.errors import ModelclearError, UsageError
from scanner.text import redact_urls

# Each migration moves the schema from version N-1 to N; a statement's {id} is the dialect's identity column.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE modelclear_schema (
            version INTEGER NOT NULL, applied_at TEXT NOT NULL, tool_version TEXT NOT NULL)""",
        """CREATE TABLE runs (
            id {id} PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            policy_name TEXT NOT NULL,
            policy_sha256 TEXT NOT NULL,
            settings_sha256 TEXT NOT NULL,
            source TEXT NOT NULL,
            requested INTEGER NOT NULL DEFAULT 0,
            audited INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            problems TEXT NOT NULL DEFAULT '[]')""",
        """CREATE TABLE audits (
            id {id} PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs (id),
            target TEXT NOT NULL,
            model_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            requested_revision TEXT,
            revision TEXT,
            fingerprint TEXT,
            status TEXT NOT NULL,
            verdict TEXT NOT NULL,
            licenses TEXT NOT NULL,
            clauses TEXT NOT NULL,
            errors INTEGER NOT NULL,
            warnings INTEGER NOT NULL,
            infos INTEGER NOT NULL,
            rules TEXT NOT NULL,
            policy_sha256 TEXT NOT NULL,
            settings_sha256 TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            audited_at TEXT NOT NULL,
            document TEXT NOT NULL)""",
        "CREATE INDEX audits_by_target ON audits (target, id)",
    ),
    # 2: what each audit's lineage was (every base and dataset fetched, with its fingerprint), so that an
    # upstream change (a base relicensed) is noticed although the model itself did not change.
    ("ALTER TABLE audits ADD COLUMN lineage TEXT NOT NULL DEFAULT '[]'",),
)
SCHEMA_VERSION = len(MIGRATIONS)
DEFAULT_STORE = "modelclear.db"


@dataclass(frozen=True)
class AuditRow:
    """One finished audit of one inventory target, as stored. ``licenses``, ``clauses`` and ``rules`` are
    sorted lists (license keys, "kind: value" lines of the target's clauses, rule names of unwaived
    findings), kept beside the document so that change queries need not parse it."""

    target: str
    model_id: str
    kind: str
    requested_revision: str | None
    revision: str | None
    fingerprint: str | None
    status: str
    verdict: str
    licenses: tuple[str, ...]
    clauses: tuple[str, ...]
    errors: int
    warnings: int
    infos: int
    rules: tuple[str, ...]
    policy_sha256: str
    settings_sha256: str
    tool_version: str
    audited_at: str
    document: str
    # (kind, id, revision asked, fingerprint) of every repo of the lineage, as the audit fetched them
    lineage: tuple[tuple[str, str, str | None, str | None], ...] = ()


_LIST_COLUMNS = ("licenses", "clauses", "rules", "lineage")
_COLUMNS = tuple(f.name for f in fields(AuditRow))


@dataclass(frozen=True)
class StoredAudit:
    """An audit read back: its row, its id and the run that made it."""

    id: int
    run_id: int
    row: AuditRow


@dataclass(frozen=True)
class RunRow:
    id: int
    started_at: str
    finished_at: str | None
    status: str
    tool_version: str
    policy_name: str
    policy_sha256: str
    settings_sha256: str
    source: str
    requested: int
    audited: int
    unchanged: int
    failed: int
    problems: tuple[str, ...]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class StoreError(ModelclearError):
    """The database failed under a running command (as opposed to a store that cannot be opened)."""


def _is_database_error(exc: Exception) -> bool:
    if isinstance(exc, sqlite3.Error):
        return True
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.Error)


class Store:
    """A connection to one inventory store. Writes commit at once: a killed run keeps what it finished."""

    def __init__(self, connection: Any, dialect: str, description: str) -> None:
        self._db = connection
        self.dialect = dialect
        self.description = description

    # -- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, location: str, create: bool = True) -> Store:
        """A SQLite file path, or a ``postgresql://`` URL. The schema is created or migrated forward;
        ``create=False`` (reports) refuses a store that does not exist yet instead of making an empty one."""
        if location.startswith(("postgresql://", "postgres://")):
            store = cls._postgres(location)
        elif "://" in location:
            raise UsageError(f"--store must be a SQLite file or a postgresql:// URL, not {redact_urls(location)!r}")
        else:
            path = Path(location).expanduser()
            if not create and not path.is_file():
                raise UsageError(f"there is no inventory store at {path}; run `modelclear inventory run` first")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)  # --store data/inventory.db, as -o does
                connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute("PRAGMA foreign_keys=ON")
            except (sqlite3.Error, OSError) as exc:
                raise UsageError(f"cannot open the inventory store {path}: {exc}") from exc
            store = cls(connection, "sqlite", str(path))
        if not create and store.schema_version() == 0:
            store.close()
            raise UsageError(f"{store.description} holds no inventory yet; run `modelclear inventory run` first")
        store._migrate()
        return store

    @classmethod
    def _postgres(cls, url: str) -> Store:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - the dependency is declared
            raise UsageError("a PostgreSQL store needs psycopg: pip install 'modelclear[postgres]'") from exc
        try:
            connection = psycopg.connect(url, autocommit=True, connect_timeout=15)
        except psycopg.Error as exc:
            raise UsageError(f"cannot connect to the inventory store {redact_urls(url)}: "
                             f"{redact_urls(str(exc)).strip()}") from exc
        return cls(connection, "postgresql", redact_urls(url))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- SQL in one dialect ----------------------------------------------------------------------
    def _sql(self, statement: str) -> str:
        identity = "INTEGER" if self.dialect == "sqlite" else "BIGINT GENERATED ALWAYS AS IDENTITY"
        statement = statement.replace("{id}", identity)
        return statement if self.dialect == "sqlite" else statement.replace("?", "%s")

    def _execute(self, statement: str, parameters: Sequence[Any] = ()) -> Any:
        """One statement; a database failure (disk full, a lost connection, a lock held too long) is a
        ModelclearError naming the store, never a driver's traceback."""
        try:
            return self._db.execute(self._sql(statement), tuple(parameters))
        except Exception as exc:
            if not _is_database_error(exc):
                raise
            raise StoreError(f"the inventory store {self.description} failed: "
                             f"{redact_urls(str(exc)).strip()[:300]}") from exc

    def _rows(self, statement: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._execute(statement, parameters).fetchall())

    def _transaction(self) -> Any:
        """BEGIN/COMMIT around several statements (both drivers run in autocommit otherwise)."""
        if self.dialect == "sqlite":
            return _SqliteTransaction(self._db)
        return self._db.transaction()

    # -- schema ----------------------------------------------------------------------------------
    def schema_version(self) -> int:
        if not self._has_table("modelclear_schema"):
            if self._has_table("audits") or self._has_table("runs"):
                raise ModelclearError(f"{self.description} has inventory-like tables but no schema version; "
                                      "it was not made by modelclear and is left untouched")
            return 0
        found = self._rows("SELECT MAX(version) FROM modelclear_schema")
        return int(found[0][0] or 0)

    def _has_table(self, name: str) -> bool:
        if self.dialect == "sqlite":
            query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        else:
            query = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
        return bool(self._rows(query, (name,)))

    def _migrate(self) -> None:
        """Bring the schema to SCHEMA_VERSION, one migration per transaction; a newer store is an error."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise UsageError(f"the inventory store {self.description} has schema version {current}, newer than "
                             f"this modelclear {__version__} knows ({SCHEMA_VERSION}); upgrade modelclear. "
                             "The store was not changed.")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self._transaction():
                for statement in MIGRATIONS[version - 1]:
                    self._execute(statement)
                self._execute("INSERT INTO modelclear_schema (version, applied_at, tool_version) VALUES (?, ?, ?)",
                              (version, now(), __version__))

    # -- runs ------------------------------------------------------------------------------------
    def begin_run(self, policy_name: str, policy_sha256: str, settings_sha256: str, source: str) -> int:
        cursor = self._execute(
            "INSERT INTO runs (started_at, status, tool_version, policy_name, policy_sha256, settings_sha256, "
            "source) VALUES (?, 'running', ?, ?, ?, ?, ?) RETURNING id",
            (now(), __version__, policy_name, policy_sha256, settings_sha256, redact_urls(source)))
        return int(cursor.fetchone()[0])

    def finish_run(self, run_id: int, status: str, requested: int, audited: int, unchanged: int, failed: int,
                   problems: Sequence[str] = ()) -> None:
        self._execute(
            "UPDATE runs SET finished_at = ?, status = ?, requested = ?, audited = ?, unchanged = ?, failed = ?, "
            "problems = ? WHERE id = ?",
            (now(), status, requested, audited, unchanged, failed, json.dumps(list(problems)), run_id))

    def runs(self, limit: int = 20) -> list[RunRow]:
        found = self._rows(f"SELECT {', '.join(f.name for f in fields(RunRow))} FROM runs ORDER BY id DESC "
                           f"LIMIT {int(limit)}")
        return [_run_row(row) for row in found]

    def run(self, run_id: int) -> RunRow | None:
        found = self._rows(
            f"SELECT {', '.join(f.name for f in fields(RunRow))} FROM runs WHERE id = ?", (run_id,))
        return _run_row(found[0]) if found else None

    # -- audits ----------------------------------------------------------------------------------
    def record_audit(self, run_id: int, row: AuditRow) -> int:
        """Add one audit and commit it."""
        values = [json.dumps(list(getattr(row, name))) if name in _LIST_COLUMNS else getattr(row, name)
                  for name in _COLUMNS]
        cursor = self._execute(
            f"INSERT INTO audits (run_id, {', '.join(_COLUMNS)}) VALUES (?, {', '.join('?' for _ in _COLUMNS)}) "
            "RETURNING id", (run_id, *values))
        return int(cursor.fetchone()[0])

    def latest_for(self, targets: Iterable[str]) -> dict[str, StoredAudit]:
        """The newest audit of each of ``targets`` that has one (documents left out: they are not needed to
        decide what is unchanged)."""
        wanted = list(dict.fromkeys(targets))
        found: dict[str, StoredAudit] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            for stored in self._audits(
                    f"a.id IN (SELECT MAX(id) FROM audits WHERE target IN ({marks}) GROUP BY target)", chunk,
                    with_document=False):
                found[stored.row.target] = stored
        return found

    def latest(self, with_document: bool = True) -> list[StoredAudit]:
        """The newest audit of every target ever inventoried, by target."""
        return self._audits("a.id IN (SELECT MAX(id) FROM audits GROUP BY target)", (), with_document)

    def previous(self) -> dict[str, StoredAudit]:
        """The audit before the newest, for every target audited at least twice (for "what changed")."""
        query = ("a.id IN (SELECT MAX(b.id) FROM audits b WHERE b.id < "
                 "(SELECT MAX(c.id) FROM audits c WHERE c.target = b.target) GROUP BY b.target)")
        return {stored.row.target: stored for stored in self._audits(query, (), with_document=False)}

    def history(self, target: str) -> list[StoredAudit]:
        return self._audits("a.target = ?", (target,), with_document=False)

    def _audits(self, where: str, parameters: Sequence[Any], with_document: bool) -> list[StoredAudit]:
        columns = [f"a.{name}" if name != "document" or with_document else "'' AS document" for name in _COLUMNS]
        return [_stored(row) for row in self._execute(
            f"SELECT a.id, a.run_id, {', '.join(columns)} FROM audits a WHERE {where} ORDER BY a.target, a.id",
            parameters)]


def _run_row(row: tuple[Any, ...]) -> RunRow:
    values = dict(zip((f.name for f in fields(RunRow)), row, strict=True))
    values["problems"] = tuple(json.loads(values["problems"]))
    return RunRow(**values)


def _stored(row: tuple[Any, ...]) -> StoredAudit:
    values = dict(zip(_COLUMNS, row[2:], strict=True))
    for name in _LIST_COLUMNS:
        values[name] = tuple(tuple(item) if isinstance(item, list) else item for item in json.loads(values[name]))
    return StoredAudit(id=int(row[0]), run_id=int(row[1]), row=AuditRow(**values))


class _SqliteTransaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *rest: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
