"""Clauses through the whole audit: which texts are read, evidence, and the findings they raise."""

from __future__ import annotations

from typing import Any

from tests.conftest import HUB_ROOT


def audit(run_cli, model: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return run_cli("audit", "--format", "json", model).json()  # type: ignore[no-any-return]


def clauses_by_kind(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for clause in doc["models"][0]["clauses"]:
        result.setdefault(clause["kind"], []).append(clause)
    return result


def test_declared_license_alone_yields_its_clauses(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "cards/crlf-bom")  # `license: llama3.1`, no LICENSE file
    found = clauses_by_kind(doc)
    (threshold,) = found["user-threshold"]
    assert threshold["value"]["limit"] == 700_000_000 and threshold["value"]["metric"] == "monthly_active_users"
    assert threshold["file"] == "license:llama-3.1-license-2024"
    assert threshold["license"] == "llama-3.1-license-2024"
    assert found["naming"][0]["value"] == {"prefix": "Llama"}
    assert {"text": "Built with Llama"} in [c["value"] for c in found["attribution"]]
    rules = {f["rule"]: f for f in doc["findings"]}
    assert rules["user-threshold"]["severity"] == "info"  # a note: no --context mau was given
    assert "give --context mau=N to check it" in rules["user-threshold"]["message"]
    assert rules["user-threshold"]["evidence"]["file"] == "license:llama-3.1-license-2024"
    assert "700,000,000 monthly active users" in rules["user-threshold"]["message"]
    assert {"naming-required", "attribution-required", "use-restrictions"} <= set(rules)


def test_use_policy_file_counts(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "cards/use-policy")
    found = clauses_by_kind(doc)
    (territory,) = found["territory"]
    assert territory["file"] == "USE_POLICY.md" and territory["license"] == "llama-3.2-aup-2024"
    assert territory["value"] == {"excluded": ["European Union"]}
    text = (HUB_ROOT / "cards" / "use-policy" / "USE_POLICY.md").read_text(encoding="utf-8")
    assert territory["quote"] in text
    cited = "\n".join(text.split("\n")[territory["start_line"] - 1: territory["end_line"]])
    assert territory["quote"] in cited
    assert any(f["rule"] == "territory" for f in doc["findings"])
    assert found["user-threshold"][0]["file"] == "LICENSE.txt"


def test_unseen_license_is_unknown_but_its_clauses_are_read(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "cards/custom-license")
    found = clauses_by_kind(doc)
    assert found["user-threshold"][0]["value"]["limit"] == 250_000_000
    assert found["user-threshold"][0]["license"] is None
    assert found["naming"][0]["value"] == {"prefix": "Acme"}
    assert found["revenue-threshold"][0]["value"]["limit"] == 5_000_000
    rules = [f["rule"] for f in doc["findings"]]
    assert "license-unknown" in rules and "user-threshold" in rules and "revenue-threshold" in rules
    threshold = next(f for f in doc["findings"] if f["rule"] == "user-threshold")
    assert threshold["message"].startswith("unidentified terms: ")


def test_gated_prompt_clauses(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "bartowski/Ministral-8B-Instruct-2410-GGUF")
    found = clauses_by_kind(doc)
    assert found["non-commercial"][0]["file"] == "hub-api:cardData#extra_gated_prompt"
    assert found["non-commercial"][0]["license"] == "mistral-research-license-0.1"
    assert "France" in found["governing-law"][0]["value"]["jurisdiction"]
    assert any(f["rule"] == "non-commercial" and f["severity"] == "error" for f in doc["findings"])


def test_permissive_model_has_no_restrictive_findings(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "unsloth/Qwen3-8B-GGUF")  # apache-2.0, declared only
    kinds = {c["kind"] for c in doc["models"][0]["clauses"]}
    assert kinds <= {"notice", "patent-grant", "patent-termination"}
    assert doc["findings"] == []
