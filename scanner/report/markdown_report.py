"""Markdown for pull-request summaries: verdict, findings table, lineage as Mermaid (GitHub renders it).

GitHub's step summary takes at most 1 MiB, so rows are added until the budget is spent and a note says
how many were left out. Everything from a repo is escaped: GitHub renders HTML inside Markdown.
"""

from __future__ import annotations

import html

from scanner.models import AuditResult, Role, Severity
from scanner.report.common import NOT_LEGAL_ADVICE, RunInfo, provenance_lines
from scanner.report.lineage_graph import to_mermaid

LIMIT_BYTES = 1024 * 1024
_RESERVE = 64 * 1024  # for the lineage and the closing notes
ICONS = {"error": "🔴", "warning": "🟠", "info": "🔵"}


def cell(text: object) -> str:
    """One table cell: HTML-escaped, no pipes or newlines that would break the row."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")


def render(result: AuditResult, run: RunInfo) -> str:
    head = [f"## modelclear: {'✅ PASS' if result.verdict == 'pass' else '❌ FAIL'}", ""]
    head += [f"> {cell(line)}  " for line in provenance_lines(result, run)] + [""]
    counts = {s: sum(1 for f in result.findings if f.severity is s and not f.waived) for s in Severity}
    head.append(f"**{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
                f"{counts[Severity.INFO]} notes**" + (f", {sum(f.waived for f in result.findings)} waived"
                                                        if any(f.waived for f in result.findings) else ""))
    head += ["", "| | Rule | Model | Finding | Evidence |", "|---|---|---|---|---|"]
    tail = ["", "### Lineage", "", "```mermaid", to_mermaid(result).rstrip(), "```", ""]
    targets = [m for m in result.models if m.role is Role.TARGET]
    for model in targets:
        keys = sorted({h.key for h in model.licenses if h.source != "inherited"}) or ["none identified"]
        tail.append(f"- **{cell(model.id)}** ({cell(model.status.value)}): {cell(', '.join(keys))}")
    tail += ["", f"_{NOT_LEGAL_ADVICE}_", ""]
    budget = LIMIT_BYTES - _RESERVE - len("\n".join(head + tail).encode("utf-8"))
    rows: list[str] = []
    order = sorted(result.findings, key=lambda f: (f.waived, -f.severity.rank))
    for index, finding in enumerate(order):
        where = finding.evidence.file or ""
        if where and finding.evidence.start_line:
            where += f":{finding.evidence.start_line}"
        icon = "⚪ waived" if finding.waived else ICONS[finding.severity.value]
        path = " → ".join(finding.path)
        row = (f"| {icon} | `{cell(finding.rule)}` | {cell(path)} | {cell(finding.message)} | "
               f"{cell(where)} |")
        size = len(row.encode("utf-8")) + 1
        if size > budget:
            rows.append(f"| | | | _{len(order) - index} more findings not shown (GitHub's 1 MiB summary limit); "
                        "the JSON report has them all_ | |")
            break
        budget -= size
        rows.append(row)
    if not order:
        rows.append("| ✅ | | | no findings | |")
    return "\n".join(head + rows + tail)
