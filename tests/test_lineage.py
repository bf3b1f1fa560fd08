"""Lineage through the fixture Hub: what a model inherits from its bases, adapters, merges and data."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from scanner.report.lineage_graph import _dot_escape, _mermaid_escape
from tests.hubserver import FixtureHub


def audit(run_cli, *args: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return run_cli("audit", "--format", "json", "--retries", "0", *args).json()  # type: ignore[no-any-return]


def model(doc: dict[str, Any], repo_id: str) -> dict[str, Any]:
    return next(m for m in doc["models"] if m["id"] == repo_id)


def rules_at(doc: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["rule"] == rule]


def api_calls(hub: FixtureHub) -> Counter[str]:
    return Counter(r.path.split("?")[0] for r in hub.requests if r.path.startswith("/api/"))


def test_finetune_of_a_gated_base_inherits_its_declared_terms(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "acme/llama-3.1-8b-support-ft")
    base = model(doc, "meta-llama/Meta-Llama-3.1-8B-Instruct")
    assert (base["role"], base["status"]) == ("ancestor", "gated")
    threshold = next(c for c in base["clauses"] if c["kind"] == "user-threshold")
    assert threshold["file"] == "license:llama-3.1-license-2024" and threshold["value"]["limit"] == 700_000_000
    inherited = [h for h in model(doc, "acme/llama-3.1-8b-support-ft")["licenses"] if h["source"] == "inherited"]
    assert [(h["key"], h["via"]) for h in inherited] == [("llama-3.1-license-2024",
                                                          "meta-llama/Meta-Llama-3.1-8B-Instruct")]
    paths = {tuple(f["path"]) for f in rules_at(doc, "user-threshold")}
    assert ("acme/llama-3.1-8b-support-ft", "meta-llama/Meta-Llama-3.1-8B-Instruct") in paths
    assert rules_at(doc, "lineage-conflict") == []  # same license as its base
    gated = rules_at(doc, "unverifiable")
    assert gated and gated[0]["path"] == ["acme/llama-3.1-8b-support-ft", "meta-llama/Meta-Llama-3.1-8B-Instruct"]


def test_apache_on_a_llama_finetune_is_a_lineage_conflict(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "acme/llama-3.1-apache-relicensed")
    (conflict,) = rules_at(doc, "lineage-conflict")
    assert conflict["severity"] == "error" and conflict["model"] == "acme/llama-3.1-apache-relicensed"
    assert "is under apache-2.0 but derives from meta-llama/Meta-Llama-3.1-8B-Instruct under " \
           "llama-3.1-license-2024" in conflict["message"]
    assert "user-threshold" in conflict["message"] and "naming" in conflict["message"]
    # DESIGN section 4: path is [target, ..., model]; the chain to the ancestor is in the message
    assert conflict["path"] == ["acme/llama-3.1-apache-relicensed"]
    assert "(acme/llama-3.1-apache-relicensed -> meta-llama/Meta-Llama-3.1-8B-Instruct)" in conflict["message"]
    assert conflict["evidence"]["file"] == "README.md" and conflict["evidence"]["start_line"] == 2


def test_adapter_under_mit_on_an_openrail_base(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "acme/sd-style-lora")
    assert model(doc, "acme/sd-style-lora")["parents"] == [{"id": "CompVis/stable-diffusion-v1-4",
                                                            "relation": "adapter"}]
    (conflict,) = rules_at(doc, "lineage-conflict")
    assert "under mit but derives from CompVis/stable-diffusion-v1-4 under stable-diffusion-2022-08-22" \
        in conflict["message"]
    assert "use-restrictions" in conflict["message"] and "restriction-passthrough" in conflict["message"]


def test_two_parent_merge_conflicts_with_the_restrictive_parent_only(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "acme/qwen-mistral-merge")
    assert [(p["id"], p["relation"]) for p in model(doc, "acme/qwen-mistral-merge")["parents"]] == [
        ("Qwen/Qwen-7B-Chat", "merge"), ("mistralai/Mistral-7B-v0.1", "merge")]
    (conflict,) = rules_at(doc, "lineage-conflict")
    assert "derives from Qwen/Qwen-7B-Chat under tongyi-qianwen-2023" in conflict["message"]
    assert "output-restriction" in conflict["message"] and "user-threshold" in conflict["message"]


def test_clean_apache_quantization_chain(run_cli, hub: FixtureHub) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", "--format", "json", "chain/model-gguf")
    doc = result.json()
    assert result.exit_code == 0 and doc["findings"] == []
    roles = {m["id"]: m["role"] for m in doc["models"]}
    assert roles == {"chain/model-gguf": "target", "chain/model-instruct": "ancestor", "chain/model-base": "ancestor",
                     "chain/model-base-v2": "ancestor", "chain/model-pretrain": "ancestor",
                     "chain/sft-data": "dataset"}
    assert model(doc, "chain/model-gguf")["parents"] == [{"id": "chain/model-instruct", "relation": "quantized"}]
    # depth 3 and a diamond: every repo is fetched exactly once
    calls = api_calls(hub)
    assert calls["/api/models/chain/model-pretrain"] == 1
    assert all(count == 1 for count in calls.values()), calls
    assert calls["/api/datasets/chain/sft-data"] == 1
    assert hub.count(".gguf") == 0


def test_cycles_and_self_references_terminate(run_cli, hub: FixtureHub) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "cycle/a", "cycle/self")
    assert {m["id"] for m in doc["models"]} == {"cycle/a", "cycle/b", "cycle/self"}
    assert api_calls(hub)["/api/models/cycle/a"] == 1 and api_calls(hub)["/api/models/cycle/b"] == 1
    (self_ref,) = [f for f in rules_at(doc, "card-invalid") if f["model"] == "cycle/self"]
    assert "names itself as its own base model" in self_ref["message"]
    assert model(doc, "cycle/self")["parents"] == []


def test_missing_parent_is_unresolved(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", "--format", "json", "--retries", "0", "orphan/finetune")
    doc = result.json()
    assert model(doc, "ghost/missing-base")["status"] == "not_found"
    (unresolved,) = rules_at(doc, "lineage-unresolved")
    assert unresolved["severity"] == "error" and unresolved["path"] == ["orphan/finetune", "ghost/missing-base"]
    assert result.exit_code == 3


def test_non_commercial_training_data(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "Salesforce/xLAM-2-3b-fc-r-gguf")
    data = model(doc, "Salesforce/APIGen-MT-5k")
    assert data["role"] == "dataset" and data["licenses"][0]["key"] == "cc-by-nc-4.0"
    (finding,) = rules_at(doc, "dataset-license")
    assert finding["path"] == ["Salesforce/xLAM-2-3b-fc-r-gguf", "Salesforce/APIGen-MT-5k"]
    assert "non-commercial" in finding["message"] and finding["evidence"]["quote"]
    # the dataset's own non-commercial clause does not become a non-commercial finding on the model
    assert all(f["model"] != "Salesforce/APIGen-MT-5k" for f in rules_at(doc, "non-commercial"))


def test_depth_and_node_limits_are_reported(run_cli) -> None:  # type: ignore[no-untyped-def]
    shallow = audit(run_cli, "--depth", "1", "chain/model-gguf")
    assert {m["id"] for m in shallow["models"]} == {"chain/model-gguf", "chain/model-instruct"}
    (cut,) = rules_at(shallow, "lineage-unresolved")
    assert cut["model"] == "chain/model-instruct" and "depth limit of 1" in cut["message"]
    small = audit(run_cli, "--max-nodes", "3", "chain/model-gguf")
    assert len(small["models"]) == 3
    assert any("budget of 3 repos" in f["message"] for f in rules_at(small, "lineage-unresolved"))


def test_terminal_report_shows_the_tree(run_cli) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("audit", "chain/model-gguf", "cycle/a").stdout
    assert "`-- quantized: chain/model-instruct (apache-2.0)" in out
    assert "    |-- merge: chain/model-base (apache-2.0)" in out
    assert "`-- trained_on: chain/sft-data (cc-by-4.0)" in out
    assert "`-- unknown: cycle/a (apache-2.0) (cycle)" in out


def test_graph_command_formats(run_cli) -> None:  # type: ignore[no-untyped-def]
    mermaid = run_cli("graph", "acme/qwen-mistral-merge")
    assert mermaid.exit_code == 0
    assert mermaid.stdout.splitlines()[0] == "graph TD"
    assert '["Qwen/Qwen-7B-Chat<br/>tongyi-qianwen-2023"]' in mermaid.stdout
    assert "n0 -->|merge| n1" in mermaid.stdout
    dot = run_cli("graph", "--format", "dot", "chain/model-gguf").stdout
    assert dot.startswith("digraph lineage {") and "shape=cylinder" in dot and '[label="quantized"]' in dot
    graph = json.loads(run_cli("graph", "--format", "json", "acme/sd-style-lora").stdout)
    assert graph["edges"] == [{"child": "acme/sd-style-lora", "parent": "CompVis/stable-diffusion-v1-4",
                               "relation": "adapter"}]
    assert {n["id"]: n["licenses"] for n in graph["nodes"]}["acme/sd-style-lora"] == ["mit"]


def test_graph_labels_are_escaped() -> None:
    assert _mermaid_escape('a"b<c>|[d]') == "a#quot;b#lt;c#gt;#124;#91;d#93;"
    assert _dot_escape('a"b\\c\nd') == 'a\\"b\\\\c d'


def test_progress_is_reported_while_the_lineage_is_walked() -> None:
    from scanner.audit import AuditOptions, run_audit
    from scanner.models import RepoRef
    from scanner.policy import load_policy
    from scanner.sources import MirrorSource
    from tests.conftest import HUB_ROOT

    seen: list[tuple[int, int]] = []
    options = AuditOptions(policy=load_policy("commercial").bind({}), progress=lambda done, known: seen.append(
        (done, known)))
    result = run_audit([RepoRef("chain/model-gguf")], MirrorSource(HUB_ROOT), options)
    assert [done for done, _ in seen] == list(range(1, len(result.models) + 1))
    assert all(known >= done for done, known in seen)


def test_every_finding_path_runs_from_a_target_to_its_model(run_cli) -> None:  # type: ignore[no-untyped-def]
    """DESIGN section 4: findings carry path [target, ..., model]."""
    doc = audit(run_cli, "acme/llama-3.1-apache-relicensed", "acme/qwen-mistral-merge", "acme/sd-style-lora",
                "Salesforce/xLAM-2-3b-fc-r-gguf", "orphan/finetune", "--depth", "1")
    targets = {m["id"] for m in doc["models"] if m["role"] == "target"}
    assert doc["findings"]
    for finding in doc["findings"]:
        assert finding["path"][0] in targets and finding["path"][-1] == finding["model"], finding
