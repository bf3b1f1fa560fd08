"""The terminal summary: verdict first, then each model, then findings by severity (80 columns)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from scanner.models import AuditResult, Finding, ModelReport, Role, Severity, Status
from scanner.report.common import NOT_LEGAL_ADVICE, RunInfo, provenance_lines

WIDTH = 80
QUOTE_CHARS = 160
_COLORS = {"error": "31", "warning": "33", "info": "36", "fail": "1;31", "pass": "1;32"}


def render(result: AuditResult, run: RunInfo) -> str:
    paint = _painter(run.color)
    lines = [
        f"Verdict: {paint(result.verdict, result.verdict.upper())}  "
        f"({_count(result.findings, Severity.ERROR)} errors, {_count(result.findings, Severity.WARNING)} warnings, "
        f"{_count(result.findings, Severity.INFO)} notes)",
        "",
    ]
    for line in provenance_lines(result, run):  # paths and ids are never split
        lines.extend(textwrap.wrap(line, WIDTH, subsequent_indent="    ", break_long_words=False,
                                   break_on_hyphens=False))
    lines.append("")
    targets = [m for m in result.models if m.role is Role.TARGET]
    if any(m.role is not Role.TARGET for m in result.models):
        lines.append("Lineage")
        for target in targets:
            lines.extend(_tree(target, result))
        lines.append("")
    for model in result.models:
        lines.extend(_model_lines(model, paint))
    if result.findings:
        lines.append("Findings")
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
            for finding in (f for f in result.findings if f.severity is severity):
                lines.extend(_finding_lines(finding, paint))
        lines.append("")
    if result.waivers:
        lines.append("Waivers")
        for record in result.waivers:
            pin = f" @ {record.revision[:12]}" if record.revision else ""
            lines.extend(textwrap.wrap(
                f"{record.status}: {record.rule} on {record.model}{pin} ({record.reason}, approved by "
                f"{record.approver}, expires {record.expires}; {record.findings} findings)", WIDTH,
                initial_indent="  ", subsequent_indent="    "))
        lines.append("")
    lines.extend(textwrap.wrap(NOT_LEGAL_ADVICE, WIDTH))
    return "\n".join(lines) + "\n"


def _model_lines(model: ModelReport, paint) -> list[str]:  # type: ignore[no-untyped-def]
    revision = f" @ {model.revision[:12]}" if model.revision else ""
    status = model.status.value if model.status is Status.OK else paint("error", model.status.value)
    lines = [f"{model.id}{revision}  [{status}]  {model.role.value}"]
    declared = model.declared
    license_text = declared.license or "none"
    if declared.license_name:
        license_text += f" ({declared.license_name})"
    lines.append(f"  declared license: {license_text}")
    if declared.license_link:
        lines.append(f"  license link: {declared.license_link}")
    for hit in model.licenses:
        where = hit.file or ""
        if hit.start_line:
            where += f":{hit.start_line}" + (f"-{hit.end_line}" if hit.end_line and hit.end_line != hit.start_line
                                             else "")
        score = f" {hit.score:g}%" if hit.score is not None else ""
        via = f" via {hit.via}" if hit.via and hit.via != "license" else ""
        lines.extend(textwrap.wrap(f"{hit.key} [{hit.source}{via}] {where}{score}", WIDTH,
                                   initial_indent="  license: ", subsequent_indent="           "))
    for clause in model.clauses:
        where = f"{clause.file}:{clause.start_line}"
        value = _value_text(clause.value)
        lines.extend(textwrap.wrap(f"{clause.kind}{value} [{clause.license or 'unidentified'}] {where}", WIDTH,
                                   initial_indent="  clause: ", subsequent_indent="          "))
        quote = " ".join(clause.quote.split())
        if len(quote) > QUOTE_CHARS:
            quote = quote[:QUOTE_CHARS - 1] + "…"
        lines.extend(textwrap.wrap(f'"{quote}"', WIDTH, initial_indent="          ",
                                   subsequent_indent="          "))
    if model.message:
        lines.extend(textwrap.wrap(model.message, WIDTH, initial_indent="  note: ", subsequent_indent="        "))
    for parent in model.parents:
        lines.append(f"  parent: {parent.id} ({parent.relation.value})")
    if model.datasets:
        lines.extend(textwrap.wrap(", ".join(model.datasets), WIDTH, initial_indent="  datasets: ",
                                   subsequent_indent="            "))
    if model.files:
        lines.extend(textwrap.wrap(", ".join(model.files), WIDTH, initial_indent="  files read: ",
                                   subsequent_indent="              "))
    lines.append("")
    return lines


def _finding_lines(finding: Finding, paint) -> list[str]:  # type: ignore[no-untyped-def]
    label = paint(finding.severity.value, f"{finding.severity.value.upper():7}")
    where = ""
    if finding.evidence.file:
        where = f" [{finding.evidence.file}" + (f":{finding.evidence.start_line}]" if finding.evidence.start_line
                                                 else "]")
    waived = " (waived)" if finding.waived else ""
    if finding.waiver and not finding.waived:
        waived = f" (waiver {finding.waiver.status}: expires {finding.waiver.expires})"
    lines = textwrap.wrap(f"{finding.rule}{waived}: {finding.message}{where}", WIDTH - 10,
                          initial_indent="", subsequent_indent="")
    out = [f"  {label} {lines[0]}"] + [f"          {line}" for line in lines[1:]]
    if len(finding.path) > 1:
        out.extend(textwrap.wrap("via " + " -> ".join(finding.path), WIDTH - 10, initial_indent="          ",
                                 subsequent_indent="              "))
    if finding.evidence.quote:
        out.extend(textwrap.wrap(f'"{finding.evidence.quote}"', WIDTH - 10, initial_indent="          ",
                                 subsequent_indent="          "))
    if finding.remediation:
        out.extend(textwrap.wrap(f"fix: {finding.remediation}", WIDTH, initial_indent="          ",
                                 subsequent_indent="               "))
    return out


def _tree(target: ModelReport, result: AuditResult) -> list[str]:
    """The target's lineage as an indented tree: relation, license and status of each repo."""
    reports = {(m.kind.value, m.id): m for m in result.models}
    children: dict[str, list[tuple[str, str]]] = {}
    for edge in result.edges:
        children.setdefault(edge.child, []).append((edge.parent, edge.relation))
    lines: list[str] = []

    def label(model: ModelReport | None, repo_id: str) -> str:
        if model is None:
            return repo_id
        keys = sorted({h.key for h in model.licenses if h.source != "inherited"}) or ["no license"]
        status = "" if model.status is Status.OK else f" [{model.status.value}]"
        return f"{repo_id} ({', '.join(keys)}){status}"

    def walk(repo_id: str, kind: str, prefix: str, seen: frozenset[str]) -> None:
        for index, (parent, relation) in enumerate(children.get(repo_id, [])):
            last = index == len(children[repo_id]) - 1
            parent_kind = "dataset" if relation == "trained_on" else "model"
            node = reports.get((parent_kind, parent))
            cycle = " (cycle)" if parent in seen else ""
            text = f"{prefix}{'`-- ' if last else '|-- '}{relation}: {label(node, parent)}{cycle}"
            lines.extend(textwrap.wrap(text, WIDTH, subsequent_indent=prefix + "      "))
            if not cycle:
                walk(parent, parent_kind, prefix + ("    " if last else "|   "), seen | {parent})

    lines.extend(textwrap.wrap(label(target, target.id), WIDTH, subsequent_indent="    "))
    walk(target.id, target.kind.value, "", frozenset({target.id}))
    return lines


def _value_text(value: Mapping[str, Any] | None) -> str:
    if not value:
        return ""
    shown = ", ".join(f"{k}={', '.join(v) if isinstance(v, list) else v}" for k, v in value.items()
                      if v not in (None, ""))
    return f" ({shown})" if shown else ""


def _count(findings: tuple[Finding, ...], severity: Severity) -> int:
    return sum(1 for finding in findings if finding.severity is severity and not finding.waived)


def _painter(color: bool):  # type: ignore[no-untyped-def]
    def paint(kind: str, text: str) -> str:
        return f"\033[{_COLORS[kind]}m{text}\033[0m" if color and kind in _COLORS else text
    return paint
