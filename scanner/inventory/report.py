"""What an inventory store says: the latest audit of every model, counts, and what changed between a
model's last two audits (DESIGN section 9). Rendering lives in scanner/report/inventory_report.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from scanner.inventory.store import AuditRow, RunRow, Store

NO_LICENSE = "(none)"
# What "changed" compares: the terms a lawyer cleared, not the time or the tool's wording.
COMPARED = ("licenses", "clauses", "verdict")


@dataclass(frozen=True)
class Entry:
    """One model's latest audit, as a report row."""

    id: str
    model_id: str
    revision: str | None
    status: str
    verdict: str
    licenses: tuple[str, ...]
    errors: int
    warnings: int
    infos: int
    rules: tuple[str, ...]
    audited_at: str
    run_id: int
    audit_id: int


@dataclass(frozen=True)
class Change:
    """A model whose licenses, clauses or verdict differ from its previous audit."""

    id: str
    changed: tuple[str, ...]  # which of COMPARED differ
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True)
class InventoryReport:
    store: str
    generated_at: str
    models: tuple[Entry, ...]
    summary: dict[str, Any]
    changes: tuple[Change, ...]
    runs: tuple[RunRow, ...]


def _side(row: AuditRow) -> dict[str, Any]:
    return {"revision": row.revision, "status": row.status, "verdict": row.verdict, "licenses": list(row.licenses),
            "clauses": list(row.clauses), "audited_at": row.audited_at}


def change_between(before: AuditRow, after: AuditRow) -> Change | None:
    """The change from one audit of a model to the next, or None when the compared terms are the same."""
    changed = tuple(name for name in COMPARED if getattr(before, name) != getattr(after, name))
    if not changed:
        return None
    return Change(after.target, changed, _side(before), _side(after))


def build_report(store: Store, runs: int = 10) -> InventoryReport:
    """Everything a report shows, in two queries over the audits (no document is parsed)."""
    latest = store.latest(with_document=False)
    previous = store.previous()
    models = tuple(
        Entry(id=s.row.target, model_id=s.row.model_id, revision=s.row.revision, status=s.row.status,
              verdict=s.row.verdict, licenses=s.row.licenses, errors=s.row.errors, warnings=s.row.warnings,
              infos=s.row.infos, rules=s.row.rules, audited_at=s.row.audited_at, run_id=s.run_id, audit_id=s.id)
        for s in latest)
    changes = []
    for stored in latest:
        earlier = previous.get(stored.row.target)
        change = change_between(earlier.row, stored.row) if earlier is not None else None
        if change is not None:
            changes.append(change)
    by_license: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    for entry in models:
        by_license.update(entry.licenses or (NO_LICENSE,))
        by_rule.update(entry.rules)
    summary = {
        "models": len(models),
        "by_verdict": dict(sorted(Counter(e.verdict for e in models).items())),
        "by_status": dict(sorted(Counter(e.status for e in models).items())),
        "by_license": dict(by_license.most_common()),
        "by_rule": dict(by_rule.most_common()),
        "changed": len(changes),
    }
    return InventoryReport(store=store.description,
                           generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                           models=models, summary=summary, changes=tuple(changes), runs=tuple(store.runs(runs)))
