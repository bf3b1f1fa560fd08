"""Discovery in a sample application repository: ten and more reference styles, and strings that are not."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.discover import discover
from tests.conftest import FIXTURES, HUB_ROOT

APP = FIXTURES / "sample-app"


def found() -> dict[tuple[str, str], tuple[str, int, str | None]]:
    return {(r.kind.value, r.id): (r.file, r.line, r.revision) for r in discover(APP).references}


def test_reference_styles_are_found_with_file_and_line() -> None:
    refs = found()
    expected = {
        ("model", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"): ("app/models.py", 12,
                                                                 "9a8c5f1e7d6b4a3c2e1f0a9b8c7d6e5f4a3b2c1d"),
        ("model", "acme/llama-3.1-8b-support-ft"): ("app/models.py", 13, None),  # keyword argument
        ("model", "microsoft/phi-4-gguf"): ("app/models.py", 14, None),  # pipeline(model=)
        ("model", "google/gemma-3-1b-it-qat-q4_0-gguf"): ("app/models.py", 15, None),  # pipeline positional
        ("model", "city96/FLUX.1-dev-gguf"): ("app/models.py", 16, None),  # hf_hub_download(repo_id=)
        ("model", "chain/model-gguf"): ("app/models.py", 17, None),  # snapshot_download
        ("dataset", "Salesforce/APIGen-MT-5k"): ("app/models.py", 18, None),  # load_dataset
        ("dataset", "Salesforce/xlam-function-calling-60k"): ("app/models.py", 19, None),  # repo_type="dataset"
        ("model", "sentence-transformers/all-MiniLM-L6-v2"): ("app/models.py", 20, None),
        ("model", "cross-encoder/ms-marco-MiniLM-L-6-v2"): ("app/models.py", 21, None),
        ("model", "CompVis/stable-diffusion-v1-4"): ("app/models.py", 22, None),  # diffusers
        ("model", "acme/sd-style-lora"): ("app/models.py", 23, None),  # load_lora_weights
        ("model", "org/name"): ("app/models.py", 26, None),  # repo_id next to a file name
        ("model", "unsloth/Qwen3-8B-GGUF"): ("configs/train.yaml", 2, None),
        ("dataset", "chain/sft-data"): ("configs/train.yaml", 5, None),
        ("model", "acme/qwen-mistral-merge"): ("configs/serve.json", 1, None),
        ("model", "sentence-transformers/all-mpnet-base-v2"): ("pyproject.toml", 6, None),
        ("model", "01-ai/Yi-34B"): (".modelclear.yml", 2, None),
        ("model", "mistralai/Mistral-7B-v0.1"): (".modelclear.yml", 3, None),
    }
    assert refs == expected


def test_ordinary_strings_are_not_ids() -> None:
    ids = {hub_id for _, hub_id in found()}
    for not_an_id in ("./checkpoints/finetuned", "/opt/models/llama", "https://example.com/org/model",
                      "meta-llama/Llama-2-7b-hf", "acme/experiments", "./data/local.jsonl",
                      "microsoft/not-a-model-reference", "flux1-dev-Q4_0.gguf", "model.safetensors", "wandb"):
        assert not_an_id not in ids


def test_manifest_and_problems() -> None:
    result = discover(APP)
    assert result.manifest is not None and result.manifest.policy == "commercial"
    assert dict(result.manifest.context) == {"distribution": "saas", "mau": "5000000"}
    assert [str(problem) for problem in result.problems] == ["notebooks/broken.py: not parsed (SyntaxError)"]


def test_code_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n"
                                      "m = AutoModel.from_pretrained('org/evil-model')\n")
    assert [r.id for r in discover(tmp_path).references] == ["org/evil-model"]
    assert not marker.exists()


def test_discover_command_and_audit_discover(run_cli) -> None:  # type: ignore[no-untyped-def]
    listed = run_cli("discover", "--format", "json", str(APP))
    assert listed.exit_code == 0
    assert len(json.loads(listed.stdout)["references"]) == 19
    result = run_cli("audit", "--mirror", str(HUB_ROOT), "--discover", str(APP), "--format", "sarif")
    sarif = json.loads(result.stdout)
    results = sarif["runs"][0]["results"]
    flux = next(r for r in results if r["ruleId"] == "non-commercial" and r["properties"]["model"].startswith("city96"))
    assert flux["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "app/models.py"},
                                                        "region": {"startLine": 16}}
    assert flux["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "LICENSE.md"
    doc = json.loads(run_cli("audit", "--mirror", str(HUB_ROOT), "--discover", str(APP), "--format", "json").stdout)
    assert doc["context"]["mau"] == 5_000_000  # from the manifest
    targets = {(m["kind"], m["id"]) for m in doc["models"] if m["role"] == "target"}
    assert ("dataset", "Salesforce/APIGen-MT-5k") in targets and ("model", "01-ai/Yi-34B") in targets


def test_bad_manifest_is_a_usage_error_with_its_line(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".modelclear.yml").write_text("policy: commercial\nmodels:\n  - org/good\n  - 123\n")
    result = run_cli("audit", "--discover", str(tmp_path))
    assert result.exit_code == 2 and ".modelclear.yml:4: models[1] 123 is not a Hub model id" in result.stderr
