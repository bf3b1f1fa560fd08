"""CycloneDX 1.6 JSON: an AI bill of materials. Models are `machine-learning-model` components (with a
modelCard), datasets `data` components; lineage is each component's pedigree plus the dependency graph.

The object model of cyclonedx-python-lib lacks modelCard, so the JSON is built here and validated in the
tests with its strict 1.6 validator. `license.id` takes only SPDX License List ids; a LicenseRef goes in
`license.name` (DESIGN section 4).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from scanner.models import AuditResult, ModelReport
from scanner.report.common import NOT_LEGAL_ADVICE, RunInfo, tool_info

HUB = "https://huggingface.co"


def bom_ref(model: ModelReport) -> str:
    return f"{model.kind.value}:{model.id}"


def render(result: AuditResult, run: RunInfo) -> str:
    tool = tool_info()
    by_id = {(m.kind.value, m.id): m for m in result.models}
    parents: dict[str, list[ModelReport]] = {}
    depends: dict[str, list[str]] = {}
    for edge in result.edges:
        kind = "dataset" if edge.relation == "trained_on" else "model"
        child, parent = by_id.get(("model", edge.child)), by_id.get((kind, edge.parent))
        if child is None or parent is None:
            continue
        depends.setdefault(bom_ref(child), []).append(bom_ref(parent))
        if kind == "model":
            parents.setdefault(bom_ref(child), []).append(parent)
    document: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": result.generated_at,
            "tools": {"components": [{"type": "application", "name": "modelclear", "version": tool["version"]},
                                     {"type": "library", "name": "scancode-toolkit",
                                      "version": tool["scancode_version"] or "unknown"}]},
            "properties": [
                {"name": "modelclear:verdict", "value": result.verdict},
                {"name": "modelclear:policy", "value": result.policy.name},
                {"name": "modelclear:policy-sha256", "value": result.policy.sha256},
                {"name": "modelclear:source", "value": run.source},
                {"name": "modelclear:notice", "value": NOT_LEGAL_ADVICE},
            ],
        },
        "components": [_component(m, parents.get(bom_ref(m), []), result) for m in result.models],
        "dependencies": [{"ref": bom_ref(m), "dependsOn": depends.get(bom_ref(m), [])} for m in result.models],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _licenses(model: ModelReport) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for key in dict.fromkeys(h.key for h in model.licenses if h.source != "inherited"):
        hit = next(h for h in model.licenses if h.key == key)
        spdx = hit.spdx or ""
        simple = spdx and " " not in spdx and not spdx.startswith("LicenseRef-")
        license_: dict[str, Any] = {"id": spdx} if simple else {"name": spdx or key}
        license_["acknowledgement"] = "declared" if hit.source == "declared" else "concluded"
        entries.append({"license": license_})
    return entries


def _component(model: ModelReport, parents: list[ModelReport], result: AuditResult) -> dict[str, Any]:
    org, _, name = model.id.rpartition("/")
    dataset = model.kind.value == "dataset"
    component: dict[str, Any] = {
        "type": "data" if dataset else "machine-learning-model",
        "bom-ref": bom_ref(model),
        "name": name,
    }
    if org:
        component["group"] = org
    if model.revision:
        component["version"] = model.revision
    if not dataset:
        version = f"@{model.revision}" if model.revision else ""
        component["purl"] = f"pkg:huggingface/{model.id}{version}"
    licenses = _licenses(model)
    if licenses:
        component["licenses"] = licenses
    component["externalReferences"] = [{"type": "website",
                                        "url": f"{HUB}/{'datasets/' if dataset else ''}{model.id}"}]
    if not dataset:
        card: dict[str, Any] = {"properties": [{"name": "modelclear:status", "value": model.status.value},
                                               {"name": "modelclear:role", "value": model.role.value}]}
        if model.datasets:
            card["modelParameters"] = {"datasets": [{"ref": f"dataset:{d}"} for d in model.datasets
                                                    if any(m.id == d and m.kind.value == "dataset"
                                                           for m in result.models)]}
            if not card["modelParameters"]["datasets"]:
                del card["modelParameters"]
        component["modelCard"] = card
    if parents:
        component["pedigree"] = {"ancestors": [
            {"type": "machine-learning-model", "name": p.id.rpartition("/")[2],
             **({"group": p.id.rpartition("/")[0]} if "/" in p.id else {}),
             **({"version": p.revision} if p.revision else {}),
             "purl": f"pkg:huggingface/{p.id}" + (f"@{p.revision}" if p.revision else "")}
            for p in parents]}
    component["properties"] = [{"name": "modelclear:relation", "value": parent.relation.value}
                               for parent in model.parents] or [{"name": "modelclear:role",
                                                                 "value": model.role.value}]
    return component
