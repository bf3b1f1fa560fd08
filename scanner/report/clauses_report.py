"""``modelclear clauses``: what license texts on disk are and what they demand, as text or JSON.

The clause and license objects are the audit JSON's (DESIGN section 4), so a lawyer's reading of a new
license and an audit of a model that ships it show the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from scanner.audit import TextAudit
from scanner.clauses import describe_clause
from scanner.report.common import NOT_LEGAL_ADVICE, tool_info
from scanner.report.json_report import clause_json, license_json
from scanner.text import inert, inert_lines


def render_json(audits: Sequence[TextAudit]) -> str:
    document: dict[str, Any] = {
        "schema_version": "1",
        "tool": tool_info(),
        "files": [{"file": a.file, "problem": a.problem, "unidentified": a.unidentified,
                   "licenses": [license_json(hit) for hit in a.licenses],
                   "clauses": [clause_json(clause) for clause in a.clauses]} for a in audits],
        "notice": NOT_LEGAL_ADVICE,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_text(audits: Sequence[TextAudit]) -> str:
    lines: list[str] = []
    for audit in audits:
        lines.append(f"{audit.file}")
        if audit.problem:
            lines += [f"  not read: {audit.problem}", ""]
            continue
        if audit.licenses:
            for hit in audit.licenses:
                lines.append(f"  license: {hit.key} (lines {hit.start_line}-{hit.end_line}, score {hit.score})")
        else:
            lines.append(f"  license: unknown ({audit.unidentified})")
        if not audit.clauses:
            lines.append("  no clauses found")
        for clause in audit.clauses:
            lines.append(f"  {clause.kind:24} {inert(describe_clause(clause))}")
            lines.append(f"  {'':24} {audit.file}:{clause.start_line}-{clause.end_line}: "
                         f"\"{inert(clause.quote[:300])}{'...' if len(clause.quote) > 300 else ''}\"")
        lines.append("")
    lines.append(NOT_LEGAL_ADVICE)
    return inert_lines("\n".join(lines)) + "\n"
