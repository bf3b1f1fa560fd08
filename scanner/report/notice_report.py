"""The notice: what a user of each target must do to comply, each duty with its source.

Attribution displays, notice and license copies to ship, naming rules, and the use restrictions to pass
on, from the target's own licenses and every ancestor's (an adapter is unusable without its base).
Repo text is made inert field by field and the document line by line, as in the text report.
"""

from __future__ import annotations

import textwrap

from scanner.clauses import clause_identity
from scanner.models import AuditResult, Clause, ModelReport, Role
from scanner.report.common import NOT_LEGAL_ADVICE, RunInfo, provenance_lines
from scanner.text import inert, inert_lines

DUTIES = (
    ("attribution", "Display"),
    ("naming", "Name derived models"),
    ("notice", "Ship notices and license copies"),
    ("use-restrictions", "Pass on and follow the use restrictions"),
    ("restriction-passthrough", "Bind recipients to the restrictions"),
    ("registration", "Register with the licensor"),
)
WIDTH = 100


def render(result: AuditResult, run: RunInfo) -> str:
    lines = ["NOTICE OBLIGATIONS", "=" * 18, "", *map(inert, provenance_lines(result, run)), ""]
    reports = {(m.kind.value, m.id): m for m in result.models}
    for target in (m for m in result.models if m.role is Role.TARGET):
        lineage = [target] + [reports[k] for k in _ancestor_keys(target, result) if k in reports]
        title = inert(target.id)
        lines += [title, "-" * len(title)]
        licenses = [(m, hit) for m in lineage for hit in m.licenses if hit.source != "inherited"]
        lines.append("Licenses to include with any copy of the model or derived work:")
        for owner, key in dict.fromkeys((m.id, hit.key) for m, hit in licenses):
            lines.append(f"  - {inert(key)} (from {inert(owner)})")
        if not licenses:
            lines.append("  - none identified: the terms are unknown")
        for kind, title in DUTIES:
            clauses = [(m, c) for m in lineage for c in m.clauses if c.kind == kind]
            if not clauses:
                continue
            lines.append(f"{title}:")
            for model, clause in _unique(clauses):
                terms = inert(clause.license or "unidentified terms")
                lines.extend(textwrap.wrap(f"- {inert(_duty(clause))} [{terms}, "
                                           f"{inert(model.id)} {inert(clause.file)}:{clause.start_line}]", WIDTH,
                                           initial_indent="  ", subsequent_indent="    "))
        lines.append("")
    lines.extend(textwrap.wrap(NOT_LEGAL_ADVICE, WIDTH))
    return inert_lines("\n".join(lines)) + "\n"


def _ancestor_keys(target: ModelReport, result: AuditResult) -> list[tuple[str, str]]:
    children: dict[str, list[str]] = {}
    for edge in result.edges:
        if edge.relation != "trained_on":
            children.setdefault(edge.child, []).append(edge.parent)
    seen: list[str] = []
    queue = list(children.get(target.id, []))
    while queue:
        current = queue.pop(0)
        if current in seen or current == target.id:
            continue
        seen.append(current)
        queue.extend(children.get(current, []))
    return [("model", repo_id) for repo_id in seen]


def _unique(clauses: list[tuple[ModelReport, Clause]]) -> list[tuple[ModelReport, Clause]]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for model, clause in clauses:
        key = clause_identity(clause.kind, clause.value)
        if key not in seen:
            seen.add(key)
            kept.append((model, clause))
    return kept


def _duty(clause: Clause) -> str:
    value = clause.value or {}
    if clause.kind == "attribution" and value.get("text"):
        return f'display "{value["text"]}" where the license says'
    if clause.kind == "naming" and value.get("prefix"):
        return f'names of models built with it must begin with "{value["prefix"]}"'
    if clause.kind == "naming" and value.get("includes"):
        return f'names of models built with it must include "{value["includes"]}"'
    quote = " ".join(clause.quote.split())
    return f'"{quote[:300]}{"…" if len(quote) > 300 else ""}"'
