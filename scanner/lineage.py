"""Lineage: which models a repo says it derives from, and how (DESIGN section 5).

For now this reads the declared parents of one repo; graph building and inheritance build on it.
"""

from __future__ import annotations

import json

from scanner.hubid import normalize_hub_id
from scanner.models import CardInfo, FetchedRepo, Parent, Relation

QUANTIZED_SUFFIXES = (".gguf", ".ggml", ".exl2", ".awq", ".gptq")


def declared_parents(card: CardInfo, fetched: FetchedRepo) -> tuple[Parent, ...]:
    """Parents from the card's base_model, the Hub's baseModels and adapter_config.json, one entry per id.

    The relation is the card's explicit base_model_relation, else the Hub's, else inferred the way the Hub
    infers it (adapter config -> adapter, quantized weight files -> quantized, several bases -> merge), else
    unknown: a relation is never invented without evidence.
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
    """adapter_config.json's base_model_name_or_path when it names a Hub repo (local paths are ignored)."""
    adapter = fetched.file("adapter_config.json")
    if adapter is None or adapter.text is None:
        return None
    try:
        data = json.loads(adapter.text)
    except (ValueError, RecursionError):
        return None
    value = data.get("base_model_name_or_path") if isinstance(data, dict) else None
    return normalize_hub_id(value) if isinstance(value, str) else None


def _infer_relation(card: CardInfo, fetched: FetchedRepo, adapter_base: str | None) -> Relation:
    names = fetched.listed_files or tuple(f.path for f in fetched.files)
    if adapter_base is not None or "adapter_config.json" in names:
        return Relation.ADAPTER
    if any(name.lower().endswith(QUANTIZED_SUFFIXES) for name in names):
        return Relation.QUANTIZED
    if len(card.base_models) > 1:
        return Relation.MERGE
    return Relation.UNKNOWN
