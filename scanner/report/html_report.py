"""One self-contained HTML page a lawyer can open offline and print: no scripts, no network.

Summary first: the answer per target. Then a section per target (its answer, its lineage drawing, its
conditions as a checklist with the quoted evidence under each), the duties once, the other findings, the
waivers and every model. Evidence sits in <details>: collapsible on screen, expanded on paper by the print
stylesheet (``details::details-content``), since the page runs no script that a ``beforeprint`` handler
would need; each target starts a new printed page.

Every string that came from a repo goes through escape() (made inert, then html.escape); the lineage is
an inline SVG laid out here (one row per generation), so nothing is fetched and nothing runs.
"""

from __future__ import annotations

import hashlib
import html

from scanner.models import AuditResult, CommercialUse, Condition, Evidence, Finding, ModelReport, Role
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
from scanner.text import inert


def escape(text: str) -> str:
    """Repo text as HTML text: control and bidi characters shown as escapes, markup characters as entities."""
    return html.escape(inert(text, keep_newlines=True))


CSS = """
body{font:14px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:70rem;color:#1b1f24}
h1{font-size:1.6rem} .pass{color:#1a7f37} .fail{color:#cf222e}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem} th,td{border:1px solid #d0d7de;padding:.35rem .5rem;
vertical-align:top;text-align:left} th{background:#f6f8fa}
.error{color:#cf222e;font-weight:600} .warning{color:#9a6700;font-weight:600} .info{color:#0969da}
.waived{color:#57606a;text-decoration:line-through} blockquote{margin:.3rem 0;padding:.2rem .6rem;
border-left:3px solid #d0d7de;color:#424a53;white-space:pre-wrap} .prov{color:#57606a;font-size:12px}
code{font-size:12px} section.model{page-break-inside:avoid} svg text{font:11px sans-serif}
svg{max-width:100%;height:auto} .answer{display:inline-block;padding:.1rem .5rem;border-radius:4px;font-weight:700}
.a-allowed{background:#dafbe1;color:#116329} .a-conditional{background:#fff8c5;color:#7d4e00}
.a-not-allowed{background:#ffebe9;color:#a40e26} .a-unknown{background:#eaeef2;color:#24292f}
ul.checklist{list-style:none;padding-left:.2rem} ul.checklist>li{margin:.5rem 0;break-inside:avoid}
.mark{font-family:monospace;font-weight:700;margin-right:.4rem} .blocker .mark{color:#cf222e}
details>summary{cursor:pointer;color:#0969da;font-size:12px} .paths{color:#424a53;font-size:12px;margin:.1rem 0}
section.target{border-top:2px solid #d0d7de;margin-top:2rem}
@page{margin:16mm 14mm}
@media print{
 body{margin:0;max-width:none;font-size:10.5pt} a{color:inherit;text-decoration:none}
 section.target{break-before:page;border-top:none} h2,h3{break-after:avoid} tr,li,blockquote{break-inside:avoid}
 /* evidence is collapsible on screen and always expanded on paper */
 details::details-content{content-visibility:visible;display:block}
 details>summary{color:#24292f;list-style:none} details>summary::-webkit-details-marker{display:none}
 th{background:#eee !important;-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .answer{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""
MARK_TITLES = {"[!]": "blocks commercial use", "[x]": "met or waived", "[ ]": "to do"}


def render(result: AuditResult, run: RunInfo) -> str:
    """Summary first (verdict, the answer per target), then one section per target (its answer, lineage,
    conditions with their evidence), the duties once, the remaining findings, waivers and every model."""
    verdict = result.verdict
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
             f"<title>modelclear report: {escape(verdict.upper())}</title><style>{CSS}</style></head><body>",
             f'<h1>modelclear: <span class="{verdict}" id="verdict">{escape(verdict.upper())}</span></h1>',
             '<p class="prov">' + "<br>".join(escape(line) for line in provenance_lines(result, run)) + "</p>",
             f"<p><strong>{escape(NOT_LEGAL_ADVICE)}</strong></p>", _summary(result)]
    for answer in result.commercial_use:
        parts.append(_target_section(result, answer))
    if not result.commercial_use:
        parts += ["<h2>Lineage</h2>", _lineage_svg(result)]
    parts.append(_obligations(result))
    merged = merged_findings(result)
    others = tuple(f for index, f in enumerate(result.findings) if index not in merged)
    parts += ["<h2>Other findings</h2>" if merged else "<h2>Findings</h2>", _findings(others)]
    if result.waivers:
        parts.append("<h2>Waivers</h2><table><tr><th>Status</th><th>Rule</th><th>Model</th><th>Reason</th>"
                     "<th>Approver</th><th>Expires</th><th>Findings</th></tr>")
        for w in result.waivers:
            parts.append("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in (
                w.status, w.rule, w.model + (f"@{w.revision}" if w.revision else ""), w.reason, w.approver,
                w.expires, w.findings)) + "</tr>")
        parts.append("</table>")
    parts.append("<h2>Models</h2>")
    parts.extend(_model(model) for model in result.models)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _answer_badge(answer: CommercialUse) -> str:
    value = answer.answer.value
    return f'<span class="answer a-{value}">{escape(ANSWER_LABELS[value])}</span>'


def _anchor(model_id: str) -> str:
    return "t-" + hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:12]


def _summary(result: AuditResult) -> str:
    if not result.commercial_use:
        return ""
    rows = ['<h2 id="summary">Commercial use</h2><table class="summary"><tr><th>Model</th><th>Answer</th>'
            "<th>Why</th><th>Open conditions</th></tr>"]
    for answer in result.commercial_use:
        open_items = sum(1 for c in answer.conditions if check_mark(c) == "[ ]")
        rows.append(f'<tr><td><a href="#{_anchor(answer.model)}">{escape(answer.model)}</a></td>'
                    f'<td class="verdict-cell">{_answer_badge(answer)}</td><td>{escape(answer.summary)}</td>'
                    f"<td>{open_items}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _evidence(evidence: Evidence, model: str) -> str:
    if not evidence.file and not evidence.quote:
        return ""
    where = escape(f"{model} {evidence_text(evidence)}".strip())
    quote = f"<blockquote>{escape(evidence.quote)}</blockquote>" if evidence.quote else ""
    return f"<details><summary>Evidence: <code>{where}</code></summary>{quote}</details>"


def _condition_item(condition: Condition, blocking: bool) -> str:
    mark = check_mark(condition, blocking)
    css = ' class="blocker"' if blocking else ""
    return (f'<li{css}><span class="mark" title="{MARK_TITLES[mark]}">{escape(mark)}</span>'
            f"{escape(condition_text(condition))}"
            f'<p class="paths">via {escape(" → ".join(condition.path))}</p>'
            f"{_evidence(condition.evidence, condition.model)}</li>")


def _target_section(result: AuditResult, answer: CommercialUse) -> str:
    parts = [f'<section class="target" id="{_anchor(answer.model)}"><h2>{escape(answer.model)} '
             f"{_answer_badge(answer)}</h2>", f"<p>{escape(answer.summary)}</p>", "<h3>Lineage</h3>",
             _lineage_svg(result, answer.model)]
    if answer.blockers or answer.conditions:
        parts.append("<h3>Conditions</h3>" if not answer.blockers else "<h3>Why, and the conditions</h3>")
        parts.append('<ul class="checklist">')
        parts.extend(_condition_item(c, True) for c in answer.blockers)
        parts.extend(_condition_item(c, False) for c in answer.conditions)
        parts.append("</ul><p class=\"paths\">[!] blocks commercial use, [ ] to do, [x] met or waived</p>")
    else:
        parts.append("<p>No condition binds a commercial user.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _obligations(result: AuditResult) -> str:
    if not result.obligations:
        return ""
    rows = ['<h2 id="obligations">Obligations</h2><p>Each duty once, with every path through which it binds.</p>',
            "<table><tr><th>Id</th><th>Duty</th><th>License</th><th>Binds through</th><th>Evidence</th>"
            "<th>How to comply</th></tr>"]
    for duty in result.obligations:
        css = duty.severity.value if duty.severity else ""
        paths = "<br>".join(escape(" → ".join(path)) for reach in duty.reach for path in reach.paths)
        rows.append(f'<tr class="obligation"><td class="{css}">{escape(duty.id)}</td><td>{escape(duty.text)}</td>'
                    f"<td>{escape(duty.license or 'unidentified terms')}</td><td>{paths}</td>"
                    f"<td>{_evidence(duty.evidence, duty.model)}</td><td>{escape(duty.remediation)}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _findings(findings: tuple[Finding, ...]) -> str:
    if not findings:
        return "<p>No findings.</p>"
    rows = ["<table><tr><th>Severity</th><th>Rule</th><th>Model (path)</th><th>Finding</th><th>Evidence</th>"
            "<th>How to fix</th></tr>"]
    for f in sorted(findings, key=lambda f: (f.waived, -f.severity.rank)):
        where = escape(f.evidence.file or "")
        if f.evidence.start_line:
            where += f":{f.evidence.start_line}"
        quote = f"<blockquote>{escape(f.evidence.quote)}</blockquote>" if f.evidence.quote else ""
        waiver = ""
        if f.waiver:
            waiver = (f"<br><em>waiver {escape(f.waiver.status)}: {escape(f.waiver.reason)}, "
                      f"{escape(f.waiver.approver)}, expires {escape(f.waiver.expires)}</em>")
        css = "waived" if f.waived else f.severity.value
        rows.append(f'<tr class="finding"><td class="{css}">{escape(f.severity.value)}</td>'
                    f"<td><code>{escape(f.rule)}</code></td><td>{escape(' → '.join(f.path))}</td>"
                    f"<td>{escape(f.message)}{waiver}</td><td><code>{where}</code>{quote}</td>"
                    f"<td>{escape(f.remediation)}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _model(model: ModelReport) -> str:
    rows = [f'<section class="model"><h3>{escape(model.id)} <small>({escape(model.role.value)}, '
            f"{escape(model.status.value)}{', ' + escape(model.revision[:12]) if model.revision else ''})</small></h3>"]
    if model.licenses:
        rows.append("<table><tr><th>License</th><th>SPDX</th><th>Source</th><th>Evidence</th><th>Score</th></tr>")
        for hit in model.licenses:
            where = escape(hit.file or "") + (f":{hit.start_line}" if hit.start_line else "")
            source = hit.source + (f" via {hit.via}" if hit.via else "")
            rows.append(f"<tr><td>{escape(hit.key)}</td><td>{escape(hit.spdx or '')}</td><td>{escape(source)}</td>"
                        f"<td><code>{where}</code></td><td>{'' if hit.score is None else hit.score}</td></tr>")
        rows.append("</table>")
    if model.clauses:
        rows.append("<table><tr><th>Clause</th><th>Value</th><th>License</th><th>Quote</th></tr>")
        for clause in model.clauses:
            value = ", ".join(f"{k}={v}" for k, v in (clause.value or {}).items())
            rows.append(f"<tr><td>{escape(clause.kind)}</td><td>{escape(value)}</td>"
                        f"<td>{escape(clause.license or 'unidentified')}</td><td><code>{escape(clause.file)}:"
                        f"{clause.start_line}</code><blockquote>{escape(clause.quote)}</blockquote></td></tr>")
        rows.append("</table>")
    rows.append("</section>")
    return "\n".join(rows)


def _lineage_svg(result: AuditResult, target: str | None = None) -> str:
    """Targets (or the one ``target``) on the top row, each generation below; boxes joined by labelled lines."""
    keys = {(m.kind.value, m.id): m for m in result.models}
    level: dict[tuple[str, str], int] = {(m.kind.value, m.id): 0 for m in result.models if m.role is Role.TARGET
                                         and (target is None or m.id == target)}
    changed = True
    while changed:
        changed = False
        for edge in result.edges:
            child = ("model", edge.child)
            parent = ("dataset" if edge.relation == "trained_on" else "model", edge.parent)
            if child in level and parent in keys and level.get(parent, -1) < level[child] + 1 <= len(keys):
                level[parent] = level[child] + 1
                changed = True
    rows: dict[int, list[tuple[str, str]]] = {}
    for key, depth in level.items():
        rows.setdefault(depth, []).append(key)
    box_w, box_h, gap_x, gap_y = 320, 44, 20, 50
    width = max((len(r) for r in rows.values()), default=1) * (box_w + gap_x) + gap_x
    height = (max(rows, default=0) + 1) * (box_h + gap_y) + gap_y
    position = {key: (gap_x + i * (box_w + gap_x), gap_y + d * (box_h + gap_y))
                for d, row in rows.items() for i, key in enumerate(row)}
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="lineage graph">']
    for edge in result.edges:
        if ("model", edge.child) not in level:
            continue
        start = position.get(("model", edge.child))
        end = position.get(("dataset" if edge.relation == "trained_on" else "model", edge.parent))
        if start and end:
            x1, y1, x2, y2 = start[0] + box_w / 2, start[1] + box_h, end[0] + box_w / 2, end[1]
            svg.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#8c959f"/>'
                       f'<text x="{(x1 + x2) / 2 + 4}" y="{(y1 + y2) / 2}">{escape(edge.relation)}</text>')
    for key, (x, y) in position.items():
        model = keys[key]
        licenses = ", ".join(sorted({h.key for h in model.licenses if h.source != "inherited"})) or "no license"
        fill = "#fff8c5" if model.kind.value == "dataset" else "#ddf4ff"
        svg.append(f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="6" fill="{fill}" stroke="#54aeff"/>'
                   f'<text x="{x + 6}" y="{y + 17}">{escape(_cut(model.id, 52))}</text>'
                   f'<text x="{x + 6}" y="{y + 34}">{escape(_cut(licenses, 52))}</text>')
    svg.append("</svg>")
    return "\n".join(svg)


def _cut(text: str, limit: int) -> str:
    """A label that fits its box: cut with an ellipsis, so a shortened id never reads as another id."""
    return text if len(text) <= limit else text[:limit - 1] + "…"
