"""License differences between two audits or locks (DESIGN section 9): which licenses, license texts,
declared licenses, clauses and lineage links a model gained or lost between two revisions.

Both sides are locks (a lock file, or the lock of a fresh audit of ``org/name@revision``), so a lock
committed last quarter and today's audit compare the same way. Models are matched by kind and id. A clause
is the same clause when its license, kind and value are (not its line: a license reflowed or moved is not
a new term); clauses of one kind that differ in value or license pair up as ``changed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.clauses import clause_identity
from scanner.lock import Lock, LockedModel
from scanner.models import Clause, DeclaredLicense, Evidence

MAX_LISTED = 8  # clauses named in one finding's message; the diff report lists them all


def clause_key(clause: Clause) -> tuple[str, str, str]:
    kind, value = clause_identity(clause.kind, clause.value)
    return clause.license or "", kind, value


@dataclass(frozen=True)
class TextChange:
    file: str
    before: str | None  # sha256; None: the text is new
    after: str | None  # sha256; None: the text is gone


@dataclass(frozen=True)
class ModelDiff:
    id: str
    kind: str
    old: LockedModel | None
    new: LockedModel | None
    licenses_added: tuple[str, ...] = ()
    licenses_removed: tuple[str, ...] = ()
    clauses_added: tuple[Clause, ...] = ()
    clauses_removed: tuple[Clause, ...] = ()
    clauses_changed: tuple[tuple[Clause, Clause], ...] = ()
    texts: tuple[TextChange, ...] = ()
    declared: tuple[DeclaredLicense, DeclaredLicense] | None = None
    parents_added: tuple[str, ...] = ()
    parents_removed: tuple[str, ...] = ()
    datasets_added: tuple[str, ...] = ()
    datasets_removed: tuple[str, ...] = ()

    @property
    def licensing_differs(self) -> bool:
        return bool(self.licenses_added or self.licenses_removed or self.clauses_added or self.clauses_removed
                    or self.clauses_changed or self.texts or self.declared or self.parents_added
                    or self.parents_removed or self.datasets_added or self.datasets_removed
                    or (self.old is None) != (self.new is None))

    @property
    def revision_differs(self) -> bool:
        return (self.old.revision if self.old else None) != (self.new.revision if self.new else None)

    def summary(self) -> str:
        """What changed, in one sentence a reviewer can act on."""
        parts: list[str] = []
        if self.old is None:
            parts.append("new in the lineage")
        if self.new is None:
            parts.append("no longer in the lineage")
        if self.licenses_removed or self.licenses_added:
            parts.append("licenses " + ", ".join(
                [f"{key} removed" for key in self.licenses_removed] + [f"{key} added" for key in self.licenses_added]))
        if self.declared:
            parts.append(f"declared license {_declared(self.declared[0])} -> {_declared(self.declared[1])}")
        for text in self.texts:
            if text.before is None:
                parts.append(f"{text.file} added (sha256 {text.after and text.after[:12]})")
            elif text.after is None:
                parts.append(f"{text.file} removed (was sha256 {text.before[:12]})")
            else:
                parts.append(f"{text.file} text changed (sha256 {text.before[:12]} -> {text.after[:12]})")
        if self.clauses_removed:
            parts.append("clauses removed: " + _listed([clause_label(c) for c in self.clauses_removed]))
        if self.clauses_added:
            parts.append("clauses added: " + _listed([clause_label(c) for c in self.clauses_added]))
        if self.clauses_changed:
            parts.append("clauses changed: " + _listed([f"{a.kind} {_value_label(a)} -> {_value_label(b)}"
                                                        for a, b in self.clauses_changed]))
        if self.parents_removed or self.parents_added:
            parts.append("base models " + ", ".join([f"{p} removed" for p in self.parents_removed]
                                                    + [f"{p} added" for p in self.parents_added]))
        if self.datasets_removed or self.datasets_added:
            parts.append("datasets " + ", ".join([f"{d} removed" for d in self.datasets_removed]
                                                 + [f"{d} added" for d in self.datasets_added]))
        return "; ".join(parts) or "nothing"

    def evidence(self) -> Evidence:
        """Where to look: the first new or changed clause, else the first changed text, else the card."""
        shown = next(iter([b for _, b in self.clauses_changed] + list(self.clauses_added)), None)
        if shown is not None:
            return Evidence(file=shown.file, start_line=shown.start_line, quote=shown.quote)
        text = next((t for t in self.texts if t.after is not None), None)
        if text is not None:
            return Evidence(file=text.file.partition("#")[0], start_line=1)
        hit = next((h for h in (self.new.licenses if self.new else ()) if h.source == "declared"), None)
        return Evidence(file=hit.file, start_line=hit.start_line) if hit else Evidence()


def _declared(declared: DeclaredLicense) -> str:
    label = declared.license or "none"
    if declared.license_name:
        label += f" ({declared.license_name})"
    return label


def _value_label(clause: Clause) -> str:
    value = ", ".join(f"{k}={v}" for k, v in sorted((clause.value or {}).items()))
    return f"({clause.license or 'unidentified terms'}{': ' + value if value else ''})"


def clause_label(clause: Clause) -> str:
    return f"{clause.kind} {_value_label(clause)}"


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


def _unique(clauses: tuple[Clause, ...]) -> dict[tuple[str, str, str], Clause]:
    found: dict[tuple[str, str, str], Clause] = {}
    for clause in clauses:
        found.setdefault(clause_key(clause), clause)
    return found


def diff_models(old: LockedModel | None, new: LockedModel | None) -> ModelDiff:
    """The licensing differences of one model between two locks (None: absent on that side)."""
    model = new or old
    assert model is not None
    old_keys = set(old.license_keys if old else ())
    new_keys = set(new.license_keys if new else ())
    before, after = _unique(old.clauses if old else ()), _unique(new.clauses if new else ())
    removed = [before[k] for k in before if k not in after]
    added = [after[k] for k in after if k not in before]
    changed: list[tuple[Clause, Clause]] = []
    for kind in dict.fromkeys(c.kind for c in removed):
        lost = [c for c in removed if c.kind == kind]
        gained = [c for c in added if c.kind == kind]
        for a, b in zip(lost, gained, strict=False):
            changed.append((a, b))
            removed.remove(a)
            added.remove(b)
    old_texts = {t.file: t.sha256 for t in (old.texts if old else ())}
    new_texts = {t.file: t.sha256 for t in (new.texts if new else ())}
    texts = tuple(TextChange(file, old_texts.get(file), new_texts.get(file))
                  for file in sorted(set(old_texts) | set(new_texts)) if old_texts.get(file) != new_texts.get(file))
    declared = None
    if old is not None and new is not None and old.declared != new.declared:
        declared = (old.declared, new.declared)
    old_parents = {p.id for p in (old.parents if old else ())}
    new_parents = {p.id for p in (new.parents if new else ())}
    old_data, new_data = set(old.datasets if old else ()), set(new.datasets if new else ())
    return ModelDiff(
        id=model.id, kind=model.kind.value, old=old, new=new,
        licenses_added=tuple(sorted(new_keys - old_keys)), licenses_removed=tuple(sorted(old_keys - new_keys)),
        clauses_added=tuple(added), clauses_removed=tuple(removed), clauses_changed=tuple(changed), texts=texts,
        declared=declared, parents_added=tuple(sorted(new_parents - old_parents)),
        parents_removed=tuple(sorted(old_parents - new_parents)),
        datasets_added=tuple(sorted(new_data - old_data)), datasets_removed=tuple(sorted(old_data - new_data)),
    )


@dataclass(frozen=True)
class LockDiff:
    old_label: str
    new_label: str
    models: tuple[ModelDiff, ...]
    old: Lock
    new: Lock

    @property
    def licensing_differs(self) -> bool:
        return any(model.licensing_differs for model in self.models)


def diff_locks(old: Lock, new: Lock, old_label: str = "old", new_label: str = "new") -> LockDiff:
    """Every model of either side, targets first, then by kind and id: what its licensing gained or lost."""
    role_rank = {"target": 0, "ancestor": 1, "dataset": 2}
    keys: dict[str, tuple[Any, ...]] = {}
    for side in (old, new):
        for m in side.models:
            rank = (role_rank[m.role.value], m.kind.value, m.id)
            keys[m.key] = min(keys.get(m.key, rank), rank)
    models = []
    for key in sorted(keys, key=lambda k: keys[k]):
        pick = next((m for m in old.models if m.key == key), None), next((m for m in new.models if m.key == key), None)
        models.append(diff_models(*pick))
    return LockDiff(old_label, new_label, tuple(models), old, new)
