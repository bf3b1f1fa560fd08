"""The terminal summary: verdict first, then each model, then findings by severity (80 columns).

Every string from a repo passes through ``inert`` where it is placed (a newline in a card field must not
start a line of its own), the finished document passes through ``inert_lines`` as a safety net, and only
then is colour added, at positions this module wrote: no escape sequence from a repo reaches a terminal.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from typing import Any

from scanner.models import AuditResult, Finding, ModelReport, Role, Severity, Status
from scanner.obligations import OBLIGATION_KINDS
from scanner.report.common import (
    ANSWER_LABELS,
    NOT_LEGAL_ADVICE,
    RunInfo,
    check_mark,
    condition_text,
    evidence_text,
    merged_findings,
    path_text,
    provenance_lines,
)
from scanner.text import inert, inert_lines

WIDTH = 80
QUOTE_CHARS = 160
_COLORS = {"error": "31", "warning": "33", "info": "36", "fail": "1;31", "pass": "1;32"}


def render(result: AuditResult, run: RunInfo) -> str:
    lines = [
        f"Verdict: {result.verdict.upper()}  "
        f"({_count(result.findings, Severity.ERROR)} errors, {_count(result.findings, Severity.WARNING)} warnings, "
        f"{_count(result.findings, Severity.INFO)} notes)",
        "",
    ]
    for line in provenance_lines(result, run):  # paths and ids are never split
        lines.extend(textwrap.wrap(inert(line), WIDTH, subsequent_indent="    ", break_long_words=False,
                                   break_on_hyphens=False))
    lines.append("")
    lines.extend(_answer_lines(result))
    targets = [m for m in result.models if m.role is Role.TARGET]
    if any(m.role is not Role.TARGET for m in result.models):
        lines.append("Lineage")
        for target in targets:
            lines.extend(_tree(target, result))
        lines.append("")
    lines.extend(_obligation_lines(result))
    for model in result.models:
        lines.extend(_model_lines(model))
    merged = merged_findings(result)
    others = [f for index, f in enumerate(result.findings) if index not in merged]
    if others:
        lines.append("Findings" + (" (besides the obligations above)" if merged else ""))
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
            for finding in (f for f in others if f.severity is severity):
                lines.extend(_finding_lines(finding))
        lines.append("")
    if result.waivers:
        lines.append("Waivers")
        for record in result.waivers:
            pin = f" @ {inert(record.revision[:12])}" if record.revision else ""
            lines.extend(textwrap.wrap(
                f"{inert(record.status)}: {inert(record.rule)} on {inert(record.model)}{pin} ({inert(record.reason)}, "
                f"approved by {inert(record.approver)}, expires {inert(record.expires)}; {record.findings} findings)",
                WIDTH, initial_indent="  ", subsequent_indent="    "))
        lines.append("")
    lines.extend(textwrap.wrap(NOT_LEGAL_ADVICE, WIDTH))
    document = inert_lines("\n".join(lines)) + "\n"
    return _colorize(document) if run.color else document


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False) or [first]


def _answer_lines(result: AuditResult) -> list[str]:
    """The answer per target first, then its conditions as a checklist: what a reader came for."""
    if not result.commercial_use:
        return []
    lines = ["Commercial use"]
    for answer in result.commercial_use:
        lines.extend(_wrap(f"{inert(answer.model)}: {ANSWER_LABELS[answer.answer.value]}", "  ", "      "))
        lines.extend(_wrap(inert(answer.summary), "    ", "      "))
        for condition in answer.blockers:
            lines.extend(_wrap(f"{check_mark(condition, True)} {inert(condition_text(condition))}", "    ",
                               "        "))
        for condition in answer.conditions:
            lines.extend(_wrap(f"{check_mark(condition)} {inert(condition_text(condition))}", "    ", "        "))
    lines += ["  ([!] blocks commercial use, [ ] to do, [x] met or waived)", ""]
    return lines


def _obligation_lines(result: AuditResult) -> list[str]:
    """Each duty once, with every path through which it binds each target and one quote."""
    if not result.obligations:
        return []
    lines = ["Obligations (each once, with the paths through which it binds)"]
    for duty in result.obligations:
        label = (duty.severity.value.upper() if duty.severity else "DUTY").ljust(7)
        lines.extend(_wrap(f"{duty.id} {label} {inert(duty.kind)} [{inert(duty.license or 'unidentified terms')}]: "
                           f"{inert(duty.text)}", "  ", "          "))
        for reach in duty.reach:
            for path in reach.paths:
                lines.extend(_wrap("binds " + inert(path_text(path)), "          ", "              "))
        lines.extend(_wrap(f"{inert(duty.model)} {inert(evidence_text(duty.evidence))}: "
                           f'"{inert(" ".join((duty.evidence.quote or "").split()))}"', "          ", "          "))
        for index in duty.findings:  # what the legal team decided about it, per path
            finding = result.findings[index]
            if finding.waiver is not None:
                state = "waived" if finding.waived else f"waiver {finding.waiver.status}"
                lines.extend(_wrap(f"{inert(state)}: expires {inert(finding.waiver.expires)} "
                                   f"({inert(finding.waiver.reason)}) via {inert(path_text(finding.path))}",
                                   "          ", "              "))
        if duty.remediation:
            lines.extend(_wrap(f"fix: {inert(duty.remediation)}", "          ", "               "))
    lines.append("")
    return lines


def _model_lines(model: ModelReport) -> list[str]:
    revision = f" @ {inert(model.revision[:12])}" if model.revision else ""
    lines = [f"{inert(model.id)}{revision}  [{model.status.value}]  {model.role.value}"]
    declared = model.declared
    license_text = inert(declared.license or "none")
    if declared.license_name:
        license_text += f" ({inert(declared.license_name)})"
    lines.append(f"  declared license: {license_text}")
    if declared.license_link:
        lines.append(f"  license link: {inert(declared.license_link)}")
    for hit in model.licenses:
        where = inert(hit.file or "")
        if hit.start_line:
            where += f":{hit.start_line}" + (f"-{hit.end_line}" if hit.end_line and hit.end_line != hit.start_line
                                             else "")
        score = f" {hit.score:g}%" if hit.score is not None else ""
        via = f" via {inert(hit.via)}" if hit.via and hit.via != "license" else ""
        lines.extend(textwrap.wrap(f"{inert(hit.key)} [{inert(hit.source)}{via}] {where}{score}", WIDTH,
                                   initial_indent="  license: ", subsequent_indent="           "))
    for clause in model.clauses:
        where = f"{inert(clause.file)}:{clause.start_line}"
        value = _value_text(clause.value)
        lines.extend(textwrap.wrap(f"{inert(clause.kind)}{value} [{inert(clause.license or 'unidentified')}] "
                                   f"{where}", WIDTH, initial_indent="  clause: ", subsequent_indent="          "))
        if clause.kind in OBLIGATION_KINDS:
            continue  # quoted once, under Obligations
        quote = " ".join(clause.quote.split())
        if len(quote) > QUOTE_CHARS:
            quote = quote[:QUOTE_CHARS - 1] + "…"
        lines.extend(textwrap.wrap(f'"{inert(quote)}"', WIDTH, initial_indent="          ",
                                   subsequent_indent="          "))
    if model.message:
        lines.extend(textwrap.wrap(inert(model.message), WIDTH, initial_indent="  note: ",
                                   subsequent_indent="        "))
    for parent in model.parents:
        lines.append(f"  parent: {inert(parent.id)} ({parent.relation.value})")
    if model.datasets:
        lines.extend(textwrap.wrap(", ".join(inert(d) for d in model.datasets), WIDTH, initial_indent="  datasets: ",
                                   subsequent_indent="            "))
    if model.files:
        lines.extend(textwrap.wrap(", ".join(inert(f) for f in model.files), WIDTH, initial_indent="  files read: ",
                                   subsequent_indent="              "))
    lines.append("")
    return lines


def _finding_lines(finding: Finding) -> list[str]:
    label = f"{finding.severity.value.upper():7}"
    where = ""
    if finding.evidence.file:
        where = f" [{inert(finding.evidence.file)}" + (f":{finding.evidence.start_line}]"
                                                        if finding.evidence.start_line else "]")
    waived = " (waived)" if finding.waived else ""
    if finding.waiver and not finding.waived:
        waived = f" (waiver {inert(finding.waiver.status)}: expires {inert(finding.waiver.expires)})"
    lines = textwrap.wrap(f"{inert(finding.rule)}{waived}: {inert(finding.message)}{where}", WIDTH - 10,
                          initial_indent="", subsequent_indent="") or [""]
    out = [f"  {label} {lines[0]}"] + [f"          {line}" for line in lines[1:]]
    if len(finding.path) > 1:
        out.extend(textwrap.wrap("via " + " -> ".join(inert(p) for p in finding.path), WIDTH - 10,
                                 initial_indent="          ", subsequent_indent="              "))
    if finding.evidence.quote:
        quote = " ".join(finding.evidence.quote.split())  # a quote may span lines of its file
        out.extend(textwrap.wrap(f'"{inert(quote)}"', WIDTH - 10, initial_indent="          ",
                                 subsequent_indent="          "))
    if finding.remediation:
        out.extend(textwrap.wrap(f"fix: {inert(finding.remediation)}", WIDTH, initial_indent="          ",
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
            return inert(repo_id)
        keys = sorted({inert(h.key) for h in model.licenses if h.source != "inherited"}) or ["no license"]
        status = "" if model.status is Status.OK else f" [{model.status.value}]"
        return f"{inert(repo_id)} ({', '.join(keys)}){status}"

    def walk(repo_id: str, kind: str, prefix: str, seen: frozenset[str]) -> None:
        for index, (parent, relation) in enumerate(children.get(repo_id, [])):
            last = index == len(children[repo_id]) - 1
            parent_kind = "dataset" if relation == "trained_on" else "model"
            node = reports.get((parent_kind, parent))
            cycle = " (cycle)" if parent in seen else ""
            text = f"{prefix}{'`-- ' if last else '|-- '}{inert(relation)}: {label(node, parent)}{cycle}"
            lines.extend(textwrap.wrap(text, WIDTH, subsequent_indent=prefix + "      "))
            if not cycle:
                walk(parent, parent_kind, prefix + ("    " if last else "|   "), seen | {parent})

    lines.extend(textwrap.wrap(label(target, target.id), WIDTH, subsequent_indent="    "))
    walk(target.id, target.kind.value, "", frozenset({target.id}))
    return lines


def _value_text(value: Mapping[str, Any] | None) -> str:
    if not value:
        return ""
    shown = ", ".join(f"{k}={', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items()
                      if v not in (None, ""))
    return f" ({inert(shown)})" if shown else ""


def _count(findings: tuple[Finding, ...], severity: Severity) -> int:
    return sum(1 for finding in findings if finding.severity is severity and not finding.waived)


# Colour goes where this module put its own words: the verdict, a severity label, a status that is not ok.
_VERDICT = re.compile(r"\A(Verdict: )(PASS|FAIL)")
_LABEL = re.compile(r"^(  )(ERROR  |WARNING|INFO   )", re.MULTILINE)
_STATUS = re.compile(r"(  \[)(gated|not_found|error)(\]  (?:target|ancestor|dataset))$", re.MULTILINE)


def _colorize(document: str) -> str:
    """ANSI colour for a terminal, added to the finished (already inert) document."""
    def colored(kind: str, text: str) -> str:
        return f"\033[{_COLORS[kind]}m{text}\033[0m"

    document = _VERDICT.sub(lambda m: m.group(1) + colored(m.group(2).lower(), m.group(2)), document)
    document = _LABEL.sub(lambda m: m.group(1) + colored(m.group(2).strip().lower(), m.group(2)), document)
    return _STATUS.sub(lambda m: m.group(1) + colored("error", m.group(2)) + m.group(3), document)
