"""Markdown for pull-request summaries: verdict, findings table, lineage as Mermaid (GitHub renders it).

GitHub's step summary takes at most 1 MiB, so rows are added until the budget is spent and a note says
how many were left out. Everything from a repo is made inert: GitHub renders HTML and links inside
Markdown, so repo text could otherwise show a tracking image, a forged "Approved" link, a heading or an
autolinked URL in a pull request's summary.
"""

from __future__ import annotations

import re

from scanner.models import AuditResult, Role, Severity
from scanner.report.common import (
    ANSWER_LABELS,
    NOT_LEGAL_ADVICE,
    RunInfo,
    check_mark,
    condition_text,
    evidence_text,
    merged_findings,
    provenance_lines,
)
from scanner.report.lineage_graph import to_mermaid
from scanner.text import inert

LIMIT_BYTES = 1024 * 1024
_RESERVE = 64 * 1024  # for the lineage and the closing notes
ICONS = {"error": "🔴", "warning": "🟠", "info": "🔵"}


# Every character CommonMark or GitHub gives a meaning to: backslash-escaped, or an entity where a backslash
# is not enough (HTML) or would not split an autolink (``https://``, ``www.``, ``user@host``, ``@mention``).
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", ":": "&#58;", "@": "&#64;"}
_ACTIVE = re.compile(r"[\\`*_\[\]()!#+\-.|{}~&<>:@\"'=^$%]")
_WORD = re.compile(r"[a-z0-9][a-z0-9-]*")


def cell(text: object) -> str:
    """Repo text as inert Markdown, one line (a table cell, a list item): no control characters, no HTML,
    no links, images, emphasis or autolinks; it reads the same when rendered and opens nothing."""
    flat = inert(" ".join(str(text).split()))
    return _ACTIVE.sub(lambda m: _ENTITIES.get(m.group(), "\\" + m.group()), flat)


def literal(text: object) -> str:
    """Repo text verbatim in a code span (GitHub renders nothing inside one): a backtick fence longer than any
    run of backticks in the text, padded so a leading or trailing backtick cannot join it."""
    flat = inert(" ".join(str(text).split()))
    fence = "`" * (max((len(run) for run in re.findall("`+", flat)), default=0) + 1)
    return f"{fence} {flat} {fence}"


def code(text: str) -> str:
    """A rule id in a code span when it is a plain word (backslashes would show inside one), else a cell."""
    return f"`{text}`" if _WORD.fullmatch(text) else cell(text)


def render(result: AuditResult, run: RunInfo) -> str:
    head = [f"## modelclear: {'✅ PASS' if result.verdict == 'pass' else '❌ FAIL'}", ""]
    head += [f"> {literal(line)}  " for line in provenance_lines(result, run)] + [""]
    counts = {s: sum(1 for f in result.findings if f.severity is s and not f.waived) for s in Severity}
    head.append(f"**{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
                f"{counts[Severity.INFO]} notes**" + (f", {sum(f.waived for f in result.findings)} waived"
                                                        if any(f.waived for f in result.findings) else ""))
    head += ["", *_answers(result), *_obligations(result)]
    merged = merged_findings(result)
    if merged:
        head += ["### Other findings", ""]
    head += ["| | Rule | Model | Finding | Evidence |", "|---|---|---|---|---|"]
    tail = ["", "### Lineage", "", "```mermaid", to_mermaid(result).rstrip(), "```", ""]
    targets = [m for m in result.models if m.role is Role.TARGET]
    for model in targets:
        keys = sorted({h.key for h in model.licenses if h.source != "inherited"}) or ["none identified"]
        tail.append(f"- **{cell(model.id)}** ({cell(model.status.value)}): {cell(', '.join(keys))}")
    tail += ["", f"_{NOT_LEGAL_ADVICE}_", ""]
    budget = LIMIT_BYTES - _RESERVE - len("\n".join(head + tail).encode("utf-8"))
    rows: list[str] = []
    order = sorted((f for index, f in enumerate(result.findings) if index not in merged),
                   key=lambda f: (f.waived, -f.severity.rank))
    for index, finding in enumerate(order):
        where = finding.evidence.file or ""
        if where and finding.evidence.start_line:
            where += f":{finding.evidence.start_line}"
        icon = "⚪ waived" if finding.waived else ICONS[finding.severity.value]
        path = " → ".join(finding.path)
        row = (f"| {icon} | {code(finding.rule)} | {cell(path)} | {cell(finding.message)} | "
               f"{cell(where)} |")
        size = len(row.encode("utf-8")) + 1
        if size > budget:
            rows.append(f"| | | | _{len(order) - index} more findings not shown (GitHub's 1 MiB summary limit); "
                        "the JSON report has them all_ | |")
            break
        budget -= size
        rows.append(row)
    if not order:
        rows.append("| ✅ | | | no " + ("other " if merged else "") + "findings | |")
    return "\n".join(head + rows + tail)


def _answers(result: AuditResult) -> list[str]:
    """The answer per target, then its conditions as a task list (GitHub renders the checkboxes)."""
    if not result.commercial_use:
        return []
    lines = ["### Commercial use", ""]
    for answer in result.commercial_use:
        lines.append(f"**{cell(answer.model)}: {ANSWER_LABELS[answer.answer.value]}** — {cell(answer.summary)}")
        lines.append("")
        for condition in answer.blockers:
            lines.append(f"- [ ] ⛔ {cell(condition_text(condition))}")
        for condition in answer.conditions:
            mark = "x" if check_mark(condition) == "[x]" else " "
            lines.append(f"- [{mark}] {cell(condition_text(condition))}")
        lines.append("")
    return lines


def _obligations(result: AuditResult) -> list[str]:
    """Each duty once, with the paths through which it binds each target."""
    if not result.obligations:
        return []
    lines = ["### Obligations", "", "| | Duty | License | Binds through | Evidence |", "|---|---|---|---|---|"]
    for duty in result.obligations:
        icon = ICONS[duty.severity.value] if duty.severity else "▫️"
        paths = "; ".join(" → ".join(path) for reach in duty.reach for path in reach.paths)
        lines.append(f"| {icon} {duty.id} | {cell(duty.text)} | {cell(duty.license or 'unidentified terms')} | "
                     f"{cell(paths)} | {cell(duty.model + ' ' + evidence_text(duty.evidence))} |")
    lines.append("")
    return lines
