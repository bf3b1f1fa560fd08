"""Lineage: what a model derives from and was trained on, as a networkx graph (DESIGN section 5).

Declared parents of one repo come from its card, the Hub and adapter_config.json; the graph joins the
audited repos; inheritance and license laundering are read off the graph. Fetching is the audit's job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from scanner.hubid import parse_hub_reference
from scanner.models import CardInfo, FetchedRepo, LicenseHit, ModelReport, Parent, Relation, RepoKind

QUANTIZED_SUFFIXES = (".gguf", ".ggml", ".exl2", ".awq", ".gptq")
# Card tags that say the weights are a quantization (the Hub tags GGUF repos ``gguf``; quantizers add the
# format or ``quantized``). Lower-case, compared with the card's tags lower-cased.
QUANTIZED_TAGS = frozenset({"gguf", "ggml", "quantized", "gptq", "awq", "exl2", "mlx-4bit", "4-bit", "8-bit",
                            "bitsandbytes", "fp8", "int4", "int8"})


def declared_parents(card: CardInfo, fetched: FetchedRepo) -> tuple[Parent, ...]:
    """Parents from the card's base_model, the Hub's baseModels and adapter_config.json, one entry per id.

    The relation is the card's explicit base_model_relation, else the Hub's, else inferred the way the Hub
    infers it (adapter config -> adapter, quantized weight files, quantization tags or the card's
    ``quantized_by`` -> quantized, several bases -> merge), else unknown: a relation is never invented
    without evidence.
    """
    api_relation = {parent.id: parent.relation for parent in fetched.api_parents}
    explicit = Relation(card.base_model_relation) if card.base_model_relation else None
    adapter_base = adapter_base_model(fetched)
    inferred = _infer_relation(card, fetched, adapter_base)
    parents: dict[str, Parent] = {}
    for model_id in card.base_models:
        relation = explicit or api_relation.get(model_id) or inferred
        parents[model_id] = Parent(model_id, relation)
    for parent in fetched.api_parents:
        parents.setdefault(parent.id, parent)
    if adapter_base is not None:
        parents.setdefault(adapter_base, Parent(adapter_base, Relation.ADAPTER))
    return tuple(parents.values())


def adapter_base_model(fetched: FetchedRepo) -> str | None:
    """adapter_config.json's base_model_name_or_path when it names a Hub repo (local paths are not)."""
    value = adapter_base_text(fetched)
    return parse_hub_reference(value) if value else None


def adapter_base_text(fetched: FetchedRepo) -> str | None:
    """What adapter_config.json says the base is, as written ("" when the file cannot be read as JSON);
    None when the repo has no readable adapter config. An adapter is unusable without its base weights, so a
    base it names that cannot be followed must be reported, never dropped."""
    adapter = fetched.file("adapter_config.json")
    if adapter is None or adapter.text is None:
        return None
    try:
        data = json.loads(adapter.text)
    except (ValueError, RecursionError):
        return ""
    value = data.get("base_model_name_or_path") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def _infer_relation(card: CardInfo, fetched: FetchedRepo, adapter_base: str | None) -> Relation:
    names = fetched.listed_files or tuple(f.path for f in fetched.files)
    if adapter_base is not None or "adapter_config.json" in names:
        return Relation.ADAPTER
    if any(name.lower().endswith(QUANTIZED_SUFFIXES) for name in names):
        return Relation.QUANTIZED
    # A mirror or checkout holds no weights, so the file listing may not show them: the card still says so
    # with its tags (``gguf``, ``quantized``) or ``quantized_by`` (who made the quantization).
    if QUANTIZED_TAGS & {tag.lower() for tag in card.tags} or card.quantized_by:
        return Relation.QUANTIZED
    if len(card.base_models) > 1:
        return Relation.MERGE
    return Relation.UNKNOWN


# -- the graph -------------------------------------------------------------------------------------------
TRAINED_ON = "trained_on"


def node_key(kind: RepoKind, repo_id: str) -> str:
    """Graph node key: models and datasets live in separate namespaces, as on the Hub."""
    return f"{kind.value}:{repo_id}"


def build_graph(reports: Iterable[ModelReport]) -> nx.DiGraph:
    """A DiGraph of every audited repo; edges go from a model to its parents and to its training data."""
    graph = nx.DiGraph()
    reports = list(reports)
    for report in reports:
        graph.add_node(node_key(report.kind, report.id), report=report)
    for report in reports:
        child = node_key(report.kind, report.id)
        for parent in report.parents:
            target = node_key(RepoKind.MODEL, parent.id)
            if target != child and target in graph:
                graph.add_edge(child, target, relation=parent.relation.value)
        for dataset in report.datasets:
            target = node_key(RepoKind.DATASET, dataset)
            if target in graph:
                graph.add_edge(child, target, relation=TRAINED_ON)
    return graph


def report_of(graph: nx.DiGraph, node: str) -> ModelReport:
    report: ModelReport = graph.nodes[node]["report"]
    return report


def lineage_order(graph: nx.DiGraph, target: str) -> list[str]:
    """The target and everything it derives from or was trained on, breadth-first (cycles visited once)."""
    return [target] + [n for n in nx.bfs_tree(graph, target) if n != target]


def path_between(graph: nx.DiGraph, target: str, node: str) -> tuple[str, ...]:
    """Repo ids from the target to ``node`` along the shortest chain of parents."""
    return tuple(report_of(graph, n).id for n in nx.shortest_path(graph, target, node))


def model_graph(graph: nx.DiGraph) -> nx.DiGraph:
    """The models and the edges between them (training data binds differently), as a graph of its own: a
    subgraph view filters every access, which made the condensation of 100,000 nodes five times slower."""
    prefix = RepoKind.MODEL.value + ":"
    models = nx.DiGraph()
    models.add_nodes_from(n for n in graph if n.startswith(prefix))
    models.add_edges_from((a, b) for a, b in graph.edges if a.startswith(prefix) and b.startswith(prefix))
    return models


def model_ancestors(graph: nx.DiGraph, node: str) -> set[str]:
    """Every model ``node`` derives from, through model edges only."""
    models = model_graph(graph)
    return set(nx.descendants(models, node)) if node in models else set()


def inherited_licenses(graph: nx.DiGraph) -> dict[str, dict[str, tuple[LicenseHit, str]]]:
    """For every node, the licenses of the models it derives from: {key: (hit, ancestor id)}.

    Computed once over the condensation of the model graph (cycles collapse into one component), sinks
    first, so a thousand repos that cite each other cost one pass, not a walk per node; each node holds at
    most one entry per distinct license key.
    """
    condensed = nx.condensation(model_graph(graph))
    # Per component and key, the first two members carrying it: enough to name one other than the node.
    carriers: dict[int, dict[str, list[tuple[LicenseHit, str]]]] = {}
    below: dict[int, dict[str, tuple[LicenseHit, str]]] = {}  # licenses strictly below a component
    for component in reversed(list(nx.topological_sort(condensed))):
        carried: dict[str, list[tuple[LicenseHit, str]]] = {}
        for node in sorted(condensed.nodes[component]["members"]):
            report = report_of(graph, node)
            for hit in report.licenses:
                if hit.source in ("declared", "file", "card"):
                    found = carried.setdefault(hit.key, [])
                    if len(found) < 2 and all(ancestor != report.id for _, ancestor in found):
                        found.append((hit, report.id))
        carriers[component] = carried
        reach: dict[str, tuple[LicenseHit, str]] = {}
        for successor in sorted(condensed.successors(component)):
            for key, carrying in carriers[successor].items():
                reach.setdefault(key, carrying[0])
            for key, entry in below[successor].items():
                reach.setdefault(key, entry)
        below[component] = reach
    result: dict[str, dict[str, tuple[LicenseHit, str]]] = {node: {} for node in graph}
    for component in condensed:
        nodes = condensed.nodes[component]["members"]
        for node in nodes:
            entries = dict(below[component])
            if len(nodes) > 1:  # in a cycle, every other member is an ancestor too
                own_id = report_of(graph, node).id
                for key, carrying in carriers[component].items():
                    other = next((entry for entry in carrying if entry[1] != own_id), None)
                    if other is not None:
                        entries.setdefault(key, other)
            result[node] = entries
    return result


@dataclass(frozen=True)
class Conflict:
    """A model whose own license drops restrictions that bind it through an ancestor (license laundering)."""

    child: str
    ancestor: str
    dropped: tuple[str, ...]
    child_licenses: tuple[str, ...]
    ancestor_licenses: tuple[str, ...]


def license_keys(report: ModelReport) -> set[str]:
    """The model's own license keys: declared, found in its files or card (not inherited)."""
    return {hit.key for hit in report.licenses if hit.source in ("declared", "file", "card")}


def restrictive_kinds(report: ModelReport, restrictive: set[str]) -> set[str]:
    return {clause.kind for clause in report.clauses if clause.kind in restrictive}


def find_conflicts(graph: nx.DiGraph, restrictive: set[str], agreeing_keys: Callable[[str], set[str]],
                   inherited: Mapping[str, Mapping[str, tuple[LicenseHit, str]]] | None = None) -> list[Conflict]:
    """For each model with a license of its own and the ancestors whose licenses it inherits: a conflict when
    the child's license is not the ancestor's (nor one that license accepts) and lacks restrictive kinds the
    ancestor carries.

    The ancestors come from the inherited licenses (one carrier per license key, nearest first, computed once
    over the graph's condensation), so a child costs the number of distinct licenses above it, not a walk of
    the graph: 100,000 repos are checked in seconds."""
    inherited = inherited if inherited is not None else inherited_licenses(graph)
    agreeing_by_key: dict[str, set[str]] = {}  # a key's agreeing keys, read once however many models carry it
    conflicts: list[Conflict] = []
    for child in sorted(n for n in graph if n.startswith(RepoKind.MODEL.value + ":")):
        child_report = report_of(graph, child)
        own_keys = license_keys(child_report)
        if not own_keys:
            continue  # nothing declared: license-unknown already says so
        agreeing = set().union(*(agreeing_by_key.get(key) or agreeing_by_key.setdefault(key, agreeing_keys(key))
                                 for key in own_keys))
        own_kinds = restrictive_kinds(child_report, restrictive)
        reported: set[str] = set()
        carriers = dict.fromkeys(ancestor for key, (_, ancestor) in inherited.get(child, {}).items()
                                 if key not in agreeing)
        for ancestor_id in carriers:
            ancestor = node_key(RepoKind.MODEL, ancestor_id)
            ancestor_report = report_of(graph, ancestor)
            ancestor_keys = license_keys(ancestor_report)
            if not ancestor_keys or agreeing & ancestor_keys or ancestor_keys <= reported:
                continue  # same terms, or already reported at a nearer ancestor under the same license
            reported |= ancestor_keys
            dropped = restrictive_kinds(ancestor_report, restrictive) - own_kinds
            if dropped:
                conflicts.append(Conflict(child, ancestor, tuple(sorted(dropped)), tuple(sorted(own_keys)),
                                          tuple(sorted(ancestor_keys))))
    return conflicts
