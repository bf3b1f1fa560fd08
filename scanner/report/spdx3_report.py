"""SPDX 3.0.1 with the AI and Dataset profiles, as JSON-LD (``--format spdx3``).

An ``ai_AIPackage`` per model and a ``dataset_DatasetPackage`` per dataset, each with its declared license
(the card's, mapped) and its concluded license (every license modelclear found for it, its ancestors'
included, since they bind it) as ``hasDeclaredLicense`` / ``hasConcludedLicense`` relationships to
``simplelicensing_LicenseExpression`` elements; what is not known is ``NoAssertionLicense``, never a guess.
Lineage edges are relationships: a fine-tune, merge or unknown derivation ``descendantOf`` its parent, an
adapter ``dependsOn`` its base (it is unusable without it), a base ``hasVariant`` its quantization, a model
``trainedOn`` its data. modelclear is the creator: a ``SoftwareAgent`` in ``createdBy`` and a ``Tool`` in
``createdUsing``. The commercial-use answer of each target rides along as the package's comment.

License keys that are not SPDX License List ids become ``LicenseRef-scancode-<key>``, as ScanCode names them.
Everything from a repo is a JSON string serialised by the json module; identifiers are percent-encoded.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import quote

from scanner.models import AuditResult, ModelReport, RepoKind, Role
from scanner.report.common import ANSWER_LABELS, NOT_LEGAL_ADVICE, RunInfo, tool_info

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
SPEC_VERSION = "3.0.1"
NO_ASSERTION = "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense"
HUB = "https://huggingface.co"
_RELATIONS = {"finetune": "descendantOf", "merge": "descendantOf", "unknown": "descendantOf",
              "adapter": "dependsOn", "quantized": "hasVariant", "trained_on": "trainedOn"}
_IDSTRING = re.compile(r"[^A-Za-z0-9.\-]")


def render(result: AuditResult, run: RunInfo) -> str:
    return json.dumps(to_document(result, run), indent=2, ensure_ascii=False) + "\n"


def to_document(result: AuditResult, run: RunInfo) -> dict[str, Any]:
    base = f"https://spdx.org/spdxdocs/modelclear-{uuid.uuid4()}/"
    tool = tool_info()
    created = _timestamp(result.generated_at)
    agent_id, tool_id = base + "agent/modelclear", base + "tool/modelclear"
    graph: list[dict[str, Any]] = [
        {"type": "CreationInfo", "@id": "_:creationinfo", "specVersion": SPEC_VERSION, "created": created,
         "createdBy": [agent_id], "createdUsing": [tool_id],
         "comment": f"modelclear audit from {run.source}; policy {result.policy.name} "
                    f"(sha256 {result.policy.sha256}). {NOT_LEGAL_ADVICE}"},
        {"type": "SoftwareAgent", "spdxId": agent_id, "creationInfo": "_:creationinfo", "name": "modelclear"},
        {"type": "Tool", "spdxId": tool_id, "creationInfo": "_:creationinfo",
         "name": f"modelclear {tool['version']}",
         "comment": f"ScanCode toolkit {tool['scancode_version'] or 'not installed'}"},
    ]
    ids = {(m.kind.value, m.id): base + f"{m.kind.value}/{quote(m.id, safe='')}" for m in result.models}
    licenses: dict[str, str] = {}
    relationships: list[dict[str, Any]] = []

    def license_element(expression: str | None) -> str:
        if expression is None:
            return NO_ASSERTION
        if expression not in licenses:
            licenses[expression] = base + f"license/{len(licenses) + 1}"
        return licenses[expression]

    def relate(kind: str, source: str, targets: list[str], comment: str | None = None) -> None:
        entry: dict[str, Any] = {"type": "Relationship", "spdxId": base + f"relationship/{len(relationships) + 1}",
                                 "creationInfo": "_:creationinfo", "relationshipType": kind, "from": source,
                                 "to": targets}
        if comment:
            entry["comment"] = comment
        relationships.append(entry)

    packages = []
    for model in result.models:
        element = _package(model, ids[(model.kind.value, model.id)], result)
        packages.append(element)
        relate("hasDeclaredLicense", element["spdxId"], [license_element(_declared(model))])
        relate("hasConcludedLicense", element["spdxId"], [license_element(_concluded(model))])
    for edge in result.edges:
        parent_kind = "dataset" if edge.relation == "trained_on" else "model"
        child, parent = ids.get(("model", edge.child)), ids.get((parent_kind, edge.parent))
        if child is None or parent is None:
            continue
        kind = _RELATIONS.get(edge.relation, "descendantOf")
        source, target = (parent, child) if kind == "hasVariant" else (child, parent)
        relate(kind, source, [target], f"Hugging Face relation: {edge.relation}")
    data_license = license_element("CC0-1.0")  # the SPDX document itself is CC0, as SPDX requires
    license_elements = [{"type": "simplelicensing_LicenseExpression", "spdxId": spdx_id,
                         "creationInfo": "_:creationinfo", "simplelicensing_licenseExpression": expression}
                        for expression, spdx_id in licenses.items()]
    roots = [ids[(m.kind.value, m.id)] for m in result.models if m.role is Role.TARGET] or \
        [p["spdxId"] for p in packages[:1]]
    elements = [e["spdxId"] for e in graph[1:]] + [p["spdxId"] for p in packages] + \
        [e["spdxId"] for e in license_elements] + [r["spdxId"] for r in relationships]
    document = {"type": "SpdxDocument", "spdxId": base + "document", "creationInfo": "_:creationinfo",
                "name": "modelclear audit of " + ", ".join(m.id for m in result.models if m.role is Role.TARGET),
                "profileConformance": ["core", "software", "ai", "dataset", "simpleLicensing"],
                "rootElement": roots, "element": elements, "dataLicense": data_license}
    return {"@context": CONTEXT, "@graph": [*graph, document, *packages, *license_elements, *relationships]}


def _timestamp(generated_at: str) -> str:
    """SPDX dates are UTC with a Z and no fraction: 2025-01-01T12:00:00Z."""
    text = generated_at.replace("+00:00", "Z") if generated_at else "1970-01-01T00:00:00Z"
    return text if text.endswith("Z") else text + "Z"


def _package(model: ModelReport, spdx_id: str, result: AuditResult) -> dict[str, Any]:
    is_dataset = model.kind is RepoKind.DATASET
    element: dict[str, Any] = {
        "type": "dataset_DatasetPackage" if is_dataset else "ai_AIPackage",
        "spdxId": spdx_id, "creationInfo": "_:creationinfo", "name": model.id,
        "software_primaryPurpose": "data" if is_dataset else "model",
    }
    if model.revision:
        element["software_packageVersion"] = model.revision
    if model.source != "local":
        path = f"datasets/{model.id}" if is_dataset else model.id
        element["software_downloadLocation"] = f"{HUB}/{quote(path, safe='/')}"
    if is_dataset:
        element["dataset_datasetType"] = ["noAssertion"]
    notes = [f"modelclear: {model.role.value}, status {model.status.value}"]
    answer = result.answer_for(model.id) if model.role is Role.TARGET else None
    if answer is not None:
        notes.append(f"commercial use: {ANSWER_LABELS[answer.answer.value]} ({answer.summary})")
    element["comment"] = "; ".join(notes)
    return element


def license_ref(key: str, spdx: str | None) -> str:
    """An SPDX License List id when there is one, else ScanCode's LicenseRef for the key."""
    if spdx and not spdx.startswith("LicenseRef-") and re.fullmatch(r"[A-Za-z0-9.\-+]+", spdx):
        return spdx
    return "LicenseRef-scancode-" + _IDSTRING.sub("-", key)


def _expression(hits: list[tuple[str, str | None]]) -> str | None:
    refs = list(dict.fromkeys(license_ref(key, spdx) for key, spdx in hits))
    if not refs:
        return None
    return refs[0] if len(refs) == 1 else " AND ".join(f"({r})" if " " in r else r for r in refs)


def _declared(model: ModelReport) -> str | None:
    return _expression([(h.key, h.spdx) for h in model.licenses if h.source == "declared"])


def _concluded(model: ModelReport) -> str | None:
    return _expression([(h.key, h.spdx) for h in model.licenses])
