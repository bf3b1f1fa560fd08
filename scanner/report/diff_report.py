"""`modelclear diff` reports: text for a terminal, JSON for tools, Markdown for a pull request's summary.

JSON (schema_version "1"): ``{"schema_version", "models": [{"id", "from": {"revision", "licenses"}, "to":
{...}, "licenses": {"added", "removed"}, "clauses": {"added", "removed", "changed": [{"kind", "from",
"to"}]}}]}``, clauses as in the audit JSON with their quotes; added keys: ``tool``, ``old``, ``new`` and
``changed`` at the top, and per model ``kind``, ``changed``, ``texts``, ``declared`` and ``lineage``.
Everything read from a repo is made inert, as in the audit's reports.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.diff import LockDiff, ModelDiff, clause_label
from scanner.lock import LockedModel
from scanner.models import Clause
from scanner.report.common import NOT_LEGAL_ADVICE, tool_info
from scanner.report.json_report import SCHEMA_VERSION, clause_json
from scanner.report.markdown_report import LIMIT_BYTES, cell, literal
from scanner.text import inert, inert_lines

DIFF_FORMATS = ("text", "json", "markdown")


def _side(model: LockedModel | None) -> dict[str, Any] | None:
    return None if model is None else {"revision": model.revision, "licenses": list(model.license_keys)}


def _declared(model: LockedModel | None) -> dict[str, Any] | None:
    if model is None:
        return None
    return {"license": model.declared.license, "license_name": model.declared.license_name,
            "license_link": model.declared.license_link}


def model_json(model: ModelDiff) -> dict[str, Any]:
    return {
        "id": model.id,
        "kind": model.kind,
        "changed": model.licensing_differs,
        "from": _side(model.old),
        "to": _side(model.new),
        "licenses": {"added": list(model.licenses_added), "removed": list(model.licenses_removed)},
        "clauses": {
            "added": [clause_json(c) for c in model.clauses_added],
            "removed": [clause_json(c) for c in model.clauses_removed],
            "changed": [{"kind": a.kind, "from": clause_json(a), "to": clause_json(b)}
                        for a, b in model.clauses_changed],
        },
        "texts": [{"file": t.file, "from": t.before, "to": t.after} for t in model.texts],
        "declared": {"from": _declared(model.old), "to": _declared(model.new)} if model.declared else None,
        "lineage": {"parents": {"added": list(model.parents_added), "removed": list(model.parents_removed)},
                    "datasets": {"added": list(model.datasets_added), "removed": list(model.datasets_removed)}},
    }


def to_document(diff: LockDiff) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_info(),
        "old": diff.old_label,
        "new": diff.new_label,
        "changed": diff.licensing_differs,
        "models": [model_json(model) for model in diff.models],
        "notice": NOT_LEGAL_ADVICE,
    }


def render_json(diff: LockDiff) -> str:
    return json.dumps(to_document(diff), indent=2, ensure_ascii=False) + "\n"


def _revision(model: LockedModel | None) -> str:
    if model is None:
        return "absent"
    return (model.revision or model.status.value)[:12]


def _changes(model: ModelDiff) -> list[tuple[str, str, Clause | None]]:
    """(sign, what, clause for evidence) rows of one model: - removed, + added, ~ changed."""
    rows: list[tuple[str, str, Clause | None]] = []
    rows += [("-", f"license {key}", None) for key in model.licenses_removed]
    rows += [("+", f"license {key}", None) for key in model.licenses_added]
    if model.declared:
        a, b = model.declared
        rows.append(("~", f"declared license {a.license or 'none'}{f' ({a.license_name})' if a.license_name else ''}"
                          f" -> {b.license or 'none'}{f' ({b.license_name})' if b.license_name else ''}", None))
    for text in model.texts:
        if text.before is None:
            rows.append(("+", f"text {text.file} (sha256 {(text.after or '')[:12]})", None))
        elif text.after is None:
            rows.append(("-", f"text {text.file} (sha256 {text.before[:12]})", None))
        else:
            rows.append(("~", f"text {text.file} (sha256 {text.before[:12]} -> {text.after[:12]})", None))
    rows += [("-", f"clause {clause_label(c)}", c) for c in model.clauses_removed]
    rows += [("+", f"clause {clause_label(c)}", c) for c in model.clauses_added]
    rows += [("~", f"clause {clause_label(a)} -> {clause_label(b).partition(' ')[2]}", b)
             for a, b in model.clauses_changed]
    rows += [("-", f"base model {p}", None) for p in model.parents_removed]
    rows += [("+", f"base model {p}", None) for p in model.parents_added]
    rows += [("-", f"dataset {d}", None) for d in model.datasets_removed]
    rows += [("+", f"dataset {d}", None) for d in model.datasets_added]
    return rows


def render_text(diff: LockDiff) -> str:
    changed = [m for m in diff.models if m.licensing_differs]
    lines = [f"modelclear diff {inert(diff.old_label)} -> {inert(diff.new_label)}",
             f"{len(changed)} of {len(diff.models)} repos changed licensing", ""]
    for model in diff.models:
        state = "licensing changed" if model.licensing_differs else "licensing unchanged"
        lines.append(f"{inert(model.id)}  {_revision(model.old)} -> {_revision(model.new)}  ({state})")
        for sign, what, clause in _changes(model):
            lines.append(f"  {sign} {inert(what)}")
            if clause is not None:
                quote = " ".join(clause.quote.split())
                lines.append(f"      {inert(clause.file)}:{clause.start_line}: \"{inert(quote)}\"")
        lines.append("")
    lines.append(NOT_LEGAL_ADVICE)
    return inert_lines("\n".join(lines)) + "\n"


def render_markdown(diff: LockDiff) -> str:
    changed = [m for m in diff.models if m.licensing_differs]
    head = ["## modelclear: license diff", "",
            f"> {literal(diff.old_label)} → {literal(diff.new_label)}  ", "",
            f"**{len(changed)} of {len(diff.models)} repos changed licensing**"
            + ("" if changed else ": nothing to review"), ""]
    tail = ["", f"_{NOT_LEGAL_ADVICE}_", ""]
    budget = LIMIT_BYTES - 64 * 1024 - len("\n".join(head + tail).encode("utf-8"))
    body: list[str] = []
    icons = {"-": "➖ removed", "+": "➕ added", "~": "✏️ changed"}
    for model in changed:
        section = ["", f"### {cell(model.id)}: {literal(_revision(model.old))} → {literal(_revision(model.new))}",
                   "", "| | Change | Evidence |", "|---|---|---|"]
        for sign, what, clause in _changes(model):
            evidence = f"{cell(clause.file)}:{clause.start_line}: {cell(clause.quote)}" if clause else ""
            section.append(f"| {icons[sign]} | {cell(what)} | {evidence} |")
        size = len("\n".join(section).encode("utf-8")) + 1
        if size > budget:
            body.append(f"\n_{len(changed) - changed.index(model)} more repos not shown (GitHub's 1 MiB summary "
                        "limit); `modelclear diff --format json` has them all_")
            break
        budget -= size
        body += section
    unchanged = [m for m in diff.models if not m.licensing_differs]
    if unchanged:
        body += ["", "Unchanged: " + ", ".join(f"{cell(m.id)} ({literal(_revision(m.old))} → "
                                                f"{literal(_revision(m.new))})" for m in unchanged[:200])]
    return "\n".join(head + body + tail)


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
