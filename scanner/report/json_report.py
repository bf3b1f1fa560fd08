"""The JSON document of DESIGN section 4 (schema_version "1"); other tools are written against it."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from scanner.models import AuditResult, Clause, Finding, LicenseHit, ModelReport, Role
from scanner.obligations import answer_json, obligation_json
from scanner.report.common import NOT_LEGAL_ADVICE, RunInfo, tool_info

SCHEMA_VERSION = "1"


def to_document(result: AuditResult, run: RunInfo) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_info(result),
        "generated_at": result.generated_at,
        "source": run.source,
        "policy": {"name": result.policy.name, "sha256": result.policy.sha256},
        "context": dict(result.context),
        "fail_on": result.fail_on.value if result.fail_on else "never",
        "verdict": result.verdict,
        "models": [_model(model, result) for model in result.models],
        "obligations": [obligation_json(obligation) for obligation in result.obligations],
        "findings": [_finding(finding) for finding in result.findings],
        "waivers": [asdict(record) for record in result.waivers],
        "notice": NOT_LEGAL_ADVICE,
    }


def render(result: AuditResult, run: RunInfo) -> str:
    return json.dumps(to_document(result, run), indent=2, ensure_ascii=False) + "\n"


def _model(model: ModelReport, result: AuditResult) -> dict[str, Any]:
    answer = result.answer_for(model.id) if model.role is Role.TARGET else None
    return {
        "id": model.id,
        "kind": model.kind.value,
        "revision": model.revision,
        "status": model.status.value,
        "role": model.role.value,
        "source": model.source,
        "message": model.message,
        "declared": {
            "license": model.declared.license,
            "license_name": model.declared.license_name,
            "license_link": model.declared.license_link,
        },
        "files": list(model.files),
        "licenses": [license_json(hit) for hit in model.licenses],
        "clauses": [clause_json(clause) for clause in model.clauses],
        "parents": [{"id": parent.id, "relation": parent.relation.value} for parent in model.parents],
        "datasets": list(model.datasets),
        "texts": [{"file": text.file, "sha256": text.sha256} for text in model.texts],
        # Targets only (an ancestor's answer is its own targets' business): null for the others.
        "commercial_use": answer_json(answer) if answer is not None else None,
    }


def license_json(hit: LicenseHit) -> dict[str, Any]:
    """key, spdx, source, file, start_line, end_line, score (contract), plus name, category, via."""
    return asdict(hit)


def clause_json(clause: Clause) -> dict[str, Any]:
    """kind, value, license, file, start_line, end_line, quote (contract), plus the rule that matched.
    A kind without a value (or a value parser that found none) is `null`, never `{}`."""
    data = asdict(clause)
    data["value"] = data["value"] or None
    return data


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "model": finding.model,
        "path": list(finding.path),
        "message": finding.message,
        "evidence": {
            "file": finding.evidence.file,
            "start_line": finding.evidence.start_line,
            "quote": finding.evidence.quote,
        },
        "remediation": finding.remediation,
        "waived": finding.waived,
        "waiver": asdict(finding.waiver) if finding.waiver else None,
    }
