"""Inventory reports (`modelclear inventory report`): text, JSON, CSV and one self-contained HTML page.

Every format shows the same InventoryReport (scanner.inventory.report): what changed first, then counts by
verdict, license and rule, then one row per model (its latest audit). The HTML page draws the license
distribution and the verdicts as inline SVG bar charts laid out here: no script, nothing fetched. Repo text
is made inert in every format (CSV cells that a spreadsheet would run as a formula are quoted as text).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from scanner.inventory.report import Change, Entry, InventoryReport
from scanner.report.common import NOT_LEGAL_ADVICE, tool_info
from scanner.report.html_report import CSS, escape
from scanner.text import inert

SCHEMA_VERSION = "1"
CSV_COLUMNS = ("id", "revision", "status", "verdict", "licenses", "errors", "warnings", "infos", "rules",
               "audited_at")
VERDICT_COLORS = {"pass": "#1a7f37", "fail": "#cf222e"}
BAR_COLOR = "#0969da"
CHART_ROWS = 15  # licenses drawn; the rest are summed in one "other" bar


def _entry_json(entry: Entry) -> dict[str, Any]:
    data = asdict(entry)
    data["licenses"] = list(entry.licenses)
    data["rules"] = list(entry.rules)
    data["findings"] = {"error": entry.errors, "warning": entry.warnings, "info": entry.infos}
    return data


def _change_json(change: Change) -> dict[str, Any]:
    return {"id": change.id, "changed": list(change.changed), "before": change.before, "after": change.after}


def to_document(report: InventoryReport) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_info(),
        "generated_at": report.generated_at,
        "store": report.store,
        "summary": report.summary,
        "changes": [_change_json(change) for change in report.changes],
        "models": [_entry_json(entry) for entry in report.models],
        "runs": [asdict(run) | {"problems": list(run.problems)} for run in report.runs],
        "notice": NOT_LEGAL_ADVICE,
    }


def render_json(report: InventoryReport) -> str:
    return json.dumps(to_document(report), indent=2, ensure_ascii=False) + "\n"


def _cell(value: object) -> str:
    """A CSV cell: inert, and never a formula when the file is opened in a spreadsheet."""
    text = inert(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(report: InventoryReport) -> str:
    """One row per model: its latest audit (licenses and rules separated by spaces)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in report.models:
        writer.writerow([_cell(v) for v in (entry.id, entry.revision or "", entry.status, entry.verdict,
                                             " ".join(entry.licenses), entry.errors, entry.warnings, entry.infos,
                                             " ".join(entry.rules), entry.audited_at)])
    return out.getvalue()


def _counts_line(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{inert(key)} {value}" for key, value in counts.items()) or "none"


def _change_text(change: Change) -> list[str]:
    lines = [f"  {inert(change.id)}: {', '.join(change.changed)} changed "
             f"({change.before['audited_at']} -> {change.after['audited_at']})"]
    for name in change.changed:
        before, after = change.before[name], change.after[name]
        if isinstance(before, list):
            gone = [item for item in before if item not in after]
            added = [item for item in after if item not in before]
            lines += [f"    - {name}: {inert(item)}" for item in gone]
            lines += [f"    + {name}: {inert(item)}" for item in added]
        else:
            lines.append(f"    {name}: {inert(before)} -> {inert(after)}")
    return lines


def render_text(report: InventoryReport) -> str:
    summary = report.summary
    lines = [f"modelclear inventory: {summary['models']} models in {inert(report.store)}",
             f"verdicts: {_counts_line(summary['by_verdict'])}",
             f"statuses: {_counts_line(summary['by_status'])}",
             f"licenses: {_counts_line(summary['by_license'])}",
             f"rules:    {_counts_line(summary['by_rule'])}", ""]
    lines.append(f"changed since the previous audit: {len(report.changes)}")
    for change in report.changes:
        lines += _change_text(change)
    lines += ["", f"{'model':48} {'verdict':7} {'status':9} {'E':>3} {'W':>3} licenses"]
    for entry in report.models:
        lines.append(f"{inert(entry.id):48} {entry.verdict:7} {entry.status:9} {entry.errors:3} {entry.warnings:3} "
                     f"{inert(' '.join(entry.licenses)) or '-'}")
    lines += ["", NOT_LEGAL_ADVICE]
    return "\n".join(lines) + "\n"


def bar_chart(title: str, counts: Mapping[str, int], colors: Mapping[str, str] | None = None,
              chart_id: str = "") -> str:
    """A horizontal bar chart as inline SVG: one labelled bar per key, its count at the end."""
    items = list(counts.items())
    if len(items) > CHART_ROWS:
        items = [*items[: CHART_ROWS - 1], ("other", sum(count for _, count in items[CHART_ROWS - 1:]))]
    label_width, bar_width, row = 260, 380, 22
    total_width = label_width + bar_width + 70
    height = row * max(len(items), 1) + 30
    largest = max((count for _, count in items), default=1) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" id="{chart_id}" width="{total_width}" '
             f'height="{height}" viewBox="0 0 {total_width} {height}">',
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>']
    for index, (key, count) in enumerate(items):
        y = 24 + index * row
        width = max(round(bar_width * count / largest), 1)
        color = (colors or {}).get(key, BAR_COLOR)
        parts += [f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end">{escape(key)}</text>',
                  f'<rect class="bar" data-key="{escape(key)}" data-count="{count}" x="{label_width}" y="{y}" '
                  f'width="{width}" height="{row - 6}" fill="{color}"></rect>',
                  f'<text x="{label_width + width + 6}" y="{y + 14}">{count}</text>']
    parts.append("</svg>")
    return "".join(parts)


def _change_html(change: Change) -> str:
    cells = []
    for name in change.changed:
        before, after = change.before[name], change.after[name]
        if isinstance(before, list):
            gone = "".join(f"<li class='gone'>&minus; {escape(item)}</li>" for item in before if item not in after)
            added = "".join(f"<li class='added'>+ {escape(item)}</li>" for item in after if item not in before)
            cells.append(f"<strong>{name}</strong><ul>{gone}{added}</ul>")
        else:
            cells.append(f"<strong>{name}</strong>: {escape(str(before))} &rarr; {escape(str(after))}")
    return (f"<tr class='change'><td>{escape(change.id)}</td><td>{escape(str(change.before['revision']))} "
            f"&rarr; {escape(str(change.after['revision']))}</td><td>{'<br>'.join(cells)}</td>"
            f"<td>{escape(change.before['audited_at'])} &rarr; {escape(change.after['audited_at'])}</td></tr>")


def render_html(report: InventoryReport) -> str:
    """What changed first, then the charts, then one row per model; self-contained and printable."""
    summary = report.summary
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
             f"<title>modelclear inventory: {summary['models']} models</title><style>{CSS}"
             ".gone{color:#cf222e}.added{color:#1a7f37} ul{margin:.2rem 0;padding-left:1rem}</style></head><body>",
             f"<h1>modelclear inventory: {summary['models']} models</h1>",
             f'<p class="prov">store {escape(report.store)}<br>generated {escape(report.generated_at)}</p>',
             f"<p><strong>{escape(NOT_LEGAL_ADVICE)}</strong></p>",
             f'<h2 id="changes">What changed since the previous audit ({len(report.changes)})</h2>']
    if report.changes:
        parts.append("<table><tr><th>model</th><th>revision</th><th>what changed</th><th>audited</th></tr>"
                     + "".join(_change_html(change) for change in report.changes) + "</table>")
    else:
        parts.append("<p>No model's licenses, clauses or verdict changed.</p>")
    parts += ['<h2 id="charts">Verdicts and licenses</h2>',
              bar_chart("Verdicts", summary["by_verdict"], VERDICT_COLORS, "verdict-chart"),
              bar_chart("Licenses (models carrying each, inherited included)", summary["by_license"],
                        chart_id="license-chart")]
    if summary["by_rule"]:
        parts.append(bar_chart("Findings (models with each rule)", summary["by_rule"], chart_id="rule-chart"))
    parts += ['<h2 id="models">Models</h2>',
              "<table id='model-table'><tr><th>model</th><th>revision</th><th>status</th><th>verdict</th>"
              "<th>licenses</th><th>errors</th><th>warnings</th><th>audited</th></tr>"]
    for entry in report.models:
        parts.append(f"<tr><td>{escape(entry.id)}</td><td><code>{escape(entry.revision or '')}</code></td>"
                     f"<td>{escape(entry.status)}</td><td class='{escape(entry.verdict)}'>{escape(entry.verdict)}</td>"
                     f"<td>{escape(' '.join(entry.licenses) or '-')}</td><td>{entry.errors}</td>"
                     f"<td>{entry.warnings}</td><td>{escape(entry.audited_at)}</td></tr>")
    parts += ["</table>", "</body></html>"]
    return "\n".join(parts) + "\n"


INVENTORY_FORMATS: dict[str, Callable[[InventoryReport], str]] = {
    "text": render_text, "json": render_json, "csv": render_csv, "html": render_html}
