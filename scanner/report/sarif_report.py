"""SARIF 2.1.0 for GitHub code scanning: one rule per finding rule, one result per finding.

A finding is about a file of a model repo (its LICENSE, its card), not of the repository being scanned, so
each model gets a uriBaseId (MODEL0, MODEL1, ...) whose originalUriBaseIds entry is the repo on the Hub at
its revision, and results are located relative to it. partialFingerprints hash what identifies a finding
(rule, model, evidence file and the finding's path), so the same finding keeps its alert across runs.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from scanner.models import AuditResult, CodeReference, Finding, ModelReport
from scanner.policy import finding_rules
from scanner.report.common import NOT_LEGAL_ADVICE, RunInfo, evidence_location, tool_info

LEVELS = {"error": "error", "warning": "warning", "info": "note"}
MAX_RESULTS = 25_000
HUB = "https://huggingface.co"


def render(result: AuditResult, run: RunInfo) -> str:
    rules = finding_rules()
    rule_ids = list(rules)
    models = {m.id: m for m in result.models}
    bases = {model.id: f"MODEL{index}" for index, model in enumerate(result.models)}
    referenced: dict[str, list[CodeReference]] = {}
    for reference in result.references:
        referenced.setdefault(reference.id, []).append(reference)
    results = [_result(f, models.get(f.model), bases, rule_ids, referenced.get(f.path[0] if f.path else f.model, []))
               for f in result.findings[:MAX_RESULTS]]
    tool = tool_info()
    document: dict[str, Any] = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "modelclear", "version": tool["version"], "semanticVersion": tool["version"],
                "informationUri": "https://github.com/modelclear/modelclear",
                "rules": [{
                    "id": rule.id, "name": rule.title.replace(" ", ""),
                    "shortDescription": {"text": rule.title}, "fullDescription": {"text": rule.help},
                    "help": {"text": rule.remediation, "markdown": f"**{rule.title}**\n\n{rule.help}\n\n"
                                                                   f"How to fix: {rule.remediation}"},
                    "properties": {"security-severity": f"{rule.security_severity:.1f}",
                                   "tags": ["license", "compliance", "ml-model"]},
                } for rule in rules.values()],
            }},
            "originalUriBaseIds": {base: {"uri": _repo_uri(models[model_id]),
                                          "description": {"text": f"Hub repo {model_id}"}}
                                   for model_id, base in bases.items()},
            "results": results,
            "invocations": [{"executionSuccessful": True}],
            "properties": {"verdict": result.verdict, "policy": result.policy.name,
                           "policySha256": result.policy.sha256, "scancodeVersion": tool["scancode_version"],
                           "source": run.source, "notice": NOT_LEGAL_ADVICE,
                           "truncated": len(result.findings) > MAX_RESULTS},
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _repo_uri(model: ModelReport) -> str:
    kind = "datasets/" if model.kind.value == "dataset" else ""
    return f"{HUB}/{kind}{model.id}/blob/{model.revision or 'main'}/"


def _result(finding: Finding, model: ModelReport | None, bases: dict[str, str], rule_ids: list[str],
            references: list[CodeReference]) -> dict[str, Any]:
    file, real = evidence_location(model, finding.evidence.file)
    evidence: dict[str, Any] = {"artifactLocation": {"uri": file, "uriBaseId": bases.get(finding.model, "MODEL0")}}
    if real and finding.evidence.start_line:
        evidence["region"] = {"startLine": finding.evidence.start_line}
    # Where the user's code names the model is where the alert belongs; the model's own file is related.
    location = ({"artifactLocation": {"uri": references[0].file}, "region": {"startLine": references[0].line}}
                if references else evidence)
    identity = "\x1f".join([finding.rule, finding.model, finding.evidence.file or "", *finding.path])
    entry: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_ids.index(finding.rule),
        "level": LEVELS[finding.severity.value],
        "message": {"text": finding.message + (f" (via {' -> '.join(finding.path)})" if len(finding.path) > 1
                                               else "")},
        "locations": [{"physicalLocation": location}],
        **({"relatedLocations": [{"id": 0, "physicalLocation": evidence,
                                  "message": {"text": f"evidence in {finding.model}"}}]} if references else {}),
        "partialFingerprints": {"modelclear/v1": hashlib.sha256(identity.encode("utf-8")).hexdigest()},
        "properties": {"model": finding.model, "path": list(finding.path), "evidenceFile": finding.evidence.file,
                       "quote": finding.evidence.quote},
    }
    if finding.waived and finding.waiver:
        entry["suppressions"] = [{"kind": "external", "status": "accepted",
                                  "justification": f"{finding.waiver.reason}, approved by {finding.waiver.approver} "
                                                   f"until {finding.waiver.expires}"}]
    return entry
