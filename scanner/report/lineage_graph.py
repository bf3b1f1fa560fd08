"""The lineage as a graph document: Mermaid (renders on GitHub), Graphviz DOT, or JSON.

Every label comes from a repo (ids, license keys), so each is made inert first (no control character or
newline can end a label, a line or the Markdown fence around the Mermaid) and then escaped for its format:
quotes, brackets and backticks in Mermaid, quotes and backslashes in DOT; JSON is serialised by the json module.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from scanner.models import AuditResult, ModelReport, Status
from scanner.text import inert


def _own_licenses(model: ModelReport) -> list[str]:
    return sorted({hit.key for hit in model.licenses if hit.source != "inherited"})


def _nodes(result: AuditResult) -> dict[tuple[str, str], str]:
    """A stable short name per (kind, id), so ids with any characters become safe node names."""
    return {(m.kind.value, m.id): f"n{index}" for index, m in enumerate(result.models)}


def _label(model: ModelReport) -> tuple[str, str]:
    licenses = ", ".join(_own_licenses(model)) or "no license"
    status = "" if model.status is Status.OK else f" [{model.status.value}]"
    kind = "dataset " if model.kind.value == "dataset" else ""
    return inert(f"{kind}{model.id}"), inert(f"{licenses}{status}")


def _parent_kind(relation: str) -> str:
    return "dataset" if relation == "trained_on" else "model"


def to_mermaid(result: AuditResult) -> str:
    names = _nodes(result)
    lines = ["graph TD"]
    for model in result.models:
        title, licenses = _label(model)
        opening, closing = ('[("', '")]') if model.kind.value == "dataset" else ('["', '"]')
        text = f"{_mermaid_escape(title)}<br/>{_mermaid_escape(licenses)}"
        lines.append(f"  {names[(model.kind.value, model.id)]}{opening}{text}{closing}")
    for edge in result.edges:
        child = names.get(("model", edge.child))
        parent = names.get((_parent_kind(edge.relation), edge.parent))
        if child and parent:
            lines.append(f"  {child} -->|{_mermaid_escape(inert(edge.relation))}| {parent}")
    return "\n".join(lines) + "\n"


def _mermaid_escape(text: str) -> str:
    replacements = {"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "|": "#124;", "[": "#91;", "]": "#93;",
                    "`": "#96;", "#": "#35;"}
    return "".join(replacements.get(ch, ch) for ch in text)


def to_dot(result: AuditResult) -> str:
    names = _nodes(result)
    lines = ["digraph lineage {", "  rankdir=BT;", '  node [shape=box, fontname="Helvetica"];']
    for model in result.models:
        title, licenses = _label(model)
        shape = ", shape=cylinder" if model.kind.value == "dataset" else ""
        lines.append(f'  {names[(model.kind.value, model.id)]} [label="{_dot_escape(title)}\\n'
                     f'{_dot_escape(licenses)}"{shape}];')
    for edge in result.edges:
        child = names.get(("model", edge.child))
        parent = names.get((_parent_kind(edge.relation), edge.parent))
        if child and parent:
            lines.append(f'  {child} -> {parent} [label="{_dot_escape(inert(edge.relation))}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def to_json(result: AuditResult) -> str:
    document = {
        "nodes": [{"id": m.id, "kind": m.kind.value, "role": m.role.value, "status": m.status.value,
                   "revision": m.revision, "licenses": _own_licenses(m)} for m in result.models],
        "edges": [{"child": e.child, "parent": e.parent, "relation": e.relation} for e in result.edges],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


GRAPH_FORMATS: dict[str, Callable[[AuditResult], str]] = {"mermaid": to_mermaid, "dot": to_dot, "json": to_json}
