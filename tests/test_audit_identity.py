"""Identification through the whole audit: licenses[] with evidence, license-mismatch, license-unknown."""

from __future__ import annotations

from typing import Any

from tests.conftest import core_findings
from tests.hubserver import FixtureHub


def audit(run_cli, *ids: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return run_cli("audit", "--format", "json", *ids).json()  # type: ignore[no-any-return]


def test_declared_and_detected_agree(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF")
    licenses = doc["models"][0]["licenses"]
    assert {"key": "llama-3.1-license-2024", "spdx": "LicenseRef-scancode-llama-3.1-license-2024",
            "source": "declared", "file": "README.md", "start_line": 12}.items() <= licenses[0].items()  # FACTS.md: L12
    detected = [lic for lic in licenses if lic["source"] == "file"]
    assert detected == [{"key": "llama-3.1-license-2024", "spdx": "LicenseRef-scancode-llama-3.1-license-2024",
                         "source": "file", "file": "LICENSE", "start_line": 1, "end_line": 48, "score": 100.0,
                         "name": "Llama 3.1 Community License Agreement 2024", "category": "Proprietary Free",
                         "via": None}]
    assert core_findings(doc) == []


def test_mit_card_over_llama2_license_is_a_mismatch(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "cards/mit-over-llama2")
    (finding,) = core_findings(doc)
    assert finding["rule"] == "license-mismatch" and finding["severity"] == "error"
    assert "declares mit (README.md:2)" in finding["message"]
    assert "llama-2-license-2023 (LICENSE:1-125)" in finding["message"]
    assert finding["evidence"] == {"file": "LICENSE", "start_line": 1, "quote": "LLAMA 2 COMMUNITY LICENSE AGREEMENT"}


def test_truncated_license_file_is_unknown(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "cards/truncated-license")
    model = doc["models"][0]
    assert [lic["source"] for lic in model["licenses"]] == ["declared"]  # nothing detected in the file
    (finding,) = core_findings(doc)
    assert finding["rule"] == "license-unknown" and finding["evidence"]["file"] == "LICENSE"
    assert "match no known license" in finding["message"]


def test_license_other_resolves_through_the_license_file(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "cards/other-license-file", "01-ai/Yi-34B")
    qwen, yi = doc["models"]
    assert [(lic["key"], lic["source"]) for lic in qwen["licenses"]] == [("qwen-2024", "file")]
    assert [(lic["key"], lic["source"], lic["via"]) for lic in yi["licenses"]] == [
        ("yi-community-license-2.1", "declared", "license_name"), ("yi-community-license-2.1", "file", None)]
    assert core_findings(doc) == []


def test_gated_repo_license_from_the_gated_prompt(run_cli, hub: FixtureHub) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "bartowski/Ministral-8B-Instruct-2410-GGUF")
    model = doc["models"][0]
    assert model["status"] == "gated"
    sources = {(lic["key"], lic["source"], lic["via"]) for lic in model["licenses"]}
    assert ("mistral-research-license-0.1", "declared", "license_name") in sources
    assert ("mistral-research-license-0.1", "card", "extra_gated_prompt") in sources
    assert [f["rule"] for f in core_findings(doc)] == ["unverifiable"]


def test_family_and_unmapped_ids_are_unknown(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "mmnga/aibuncho-japanese-novel-gpt-j-6b-gguf")
    (finding,) = [f for f in doc["findings"] if f["rule"] == "license-unknown"]
    assert "license: openrail (OpenRAIL license family) names a license family, not one license" in finding["message"]
    model_dir = tmp_path / "made-up"
    model_dir.mkdir()
    (model_dir / "README.md").write_text("---\nlicense: totally-made-up-1.0\n---\n# x\n")
    local = run_cli("audit", "--format", "json", str(model_dir)).json()
    assert "declares a license id the Hub does not define" in local["findings"][0]["message"]
