"""One self-contained HTML page a lawyer can open offline and print: no scripts, no network.

Every string that came from a repo goes through escape() (made inert, then html.escape); the lineage is
an inline SVG laid out here (one row per generation), so nothing is fetched and nothing runs.
"""

from __future__ import annotations

import html

from scanner.models import AuditResult, Finding, ModelReport, Role
from scanner.report.common import NOT_LEGAL_ADVICE, RunInfo, provenance_lines
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
@media print{a{color:inherit;text-decoration:none}}
"""


def render(result: AuditResult, run: RunInfo) -> str:
    verdict = result.verdict
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
             f"<title>modelclear report: {escape(verdict.upper())}</title><style>{CSS}</style></head><body>",
             f'<h1>modelclear: <span class="{verdict}" id="verdict">{escape(verdict.upper())}</span></h1>',
             '<p class="prov">' + "<br>".join(escape(line) for line in provenance_lines(result, run)) + "</p>",
             f"<p><strong>{escape(NOT_LEGAL_ADVICE)}</strong></p>", "<h2>Findings</h2>", _findings(result.findings),
             "<h2>Lineage</h2>", _lineage_svg(result)]
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


def _lineage_svg(result: AuditResult) -> str:
    """Targets on the top row, each generation below; boxes joined by labelled lines."""
    keys = {(m.kind.value, m.id): m for m in result.models}
    level: dict[tuple[str, str], int] = {(m.kind.value, m.id): 0 for m in result.models if m.role is Role.TARGET}
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
    box_w, box_h, gap_x, gap_y = 230, 44, 20, 50
    width = max((len(r) for r in rows.values()), default=1) * (box_w + gap_x) + gap_x
    height = (max(rows, default=0) + 1) * (box_h + gap_y) + gap_y
    position = {key: (gap_x + i * (box_w + gap_x), gap_y + d * (box_h + gap_y))
                for d, row in rows.items() for i, key in enumerate(row)}
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           'aria-label="lineage graph">']
    for edge in result.edges:
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
                   f'<text x="{x + 6}" y="{y + 17}">{escape(model.id[:38])}</text>'
                   f'<text x="{x + 6}" y="{y + 34}">{escape(licenses[:40])}</text>')
    svg.append("</svg>")
    return "\n".join(svg)
