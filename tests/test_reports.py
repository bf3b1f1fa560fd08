"""Every report format over the same fixture graph: golden files, schema validation, escaping, limits."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.models import AuditResult, Evidence, Finding, PolicyRef, Severity
from scanner.report import FORMATS, RunInfo
from scanner.report.markdown_report import LIMIT_BYTES
from tests.conftest import FIXTURES, HUB_ROOT

GOLDEN = Path(__file__).parent / "golden"
GRAPH = ("acme/llama-3.1-8b-support-ft", "city96/FLUX.1-dev-gguf", "acme/sd-style-lora", "chain/model-gguf")
UPDATE = os.environ.get("MODELCLEAR_UPDATE_GOLDEN") == "1"


def render_all(run_cli, tmp_path: Path, *targets: str, extra: tuple[str, ...] = ()) -> dict[str, str]:  # type: ignore[no-untyped-def]
    base = tmp_path / "report"
    args = [arg for name in FORMATS for arg in ("--format", name)]
    result = run_cli("audit", "--mirror", str(HUB_ROOT), *args, "-o", str(base), *extra, *targets)
    assert result.exit_code in (0, 3), result.stderr
    from scanner.report import EXTENSIONS

    return {name: base.with_name(f"report.{EXTENSIONS[name]}").read_text(encoding="utf-8") for name in FORMATS}


def normalise(text: str) -> str:
    """Strip what changes from run to run or machine to machine: times, uuids, paths, tool versions."""
    from scanner import __version__
    from scanner.report.common import scancode_version

    text = text.replace(str(HUB_ROOT), "<mirror>")
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:\+00:00|Z)", "<time>", text)
    text = re.sub(r"urn:uuid:[0-9a-f-]{36}", "urn:uuid:<uuid>", text)
    text = re.sub(r"spdxdocs/modelclear-[0-9a-f-]{36}/", "spdxdocs/modelclear-<uuid>/", text)
    # whether ScanCode's index was needed depends on what earlier tests left in the detection cache
    text = re.sub(r'"scancode_index": "(?:used|not needed)"', '"scancode_index": "<index>"', text)
    text = re.sub(r"its license index: (?:used|not needed)", "its license index: <index>", text)
    text = text.replace(f"modelclear {__version__}", "modelclear <version>")
    text = text.replace(f'"{__version__}"', '"<version>"')
    return text.replace(scancode_version() or "<none>", "<scancode>")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from click.testing import CliRunner

    from scanner.cli import cli

    tmp = tmp_path_factory.mktemp("reports")

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return render_all(run, tmp, *GRAPH)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_golden_files(reports: dict[str, str], name: str) -> None:
    golden = GOLDEN / f"report.{name}"
    text = normalise(reports[name])
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"no golden file: run MODELCLEAR_UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == golden.read_text(encoding="utf-8")


def test_sarif_is_valid_and_github_ready(reports: dict[str, str]) -> None:
    schema = json.loads((FIXTURES / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    sarif = json.loads(reports["sarif"])
    jsonschema.validate(sarif, schema)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == 19 and all(float(r["properties"]["security-severity"]) > 0 for r in rules)
    assert all(r["help"]["text"] and r["fullDescription"]["text"] for r in rules)
    results = run["results"]
    assert results and all(r["partialFingerprints"]["modelclear/v1"] for r in results)
    assert len({r["partialFingerprints"]["modelclear/v1"] for r in results}) == len(results)
    nc = next(r for r in results if r["ruleId"] == "non-commercial")
    location = nc["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "LICENSE.md" and location["region"]["startLine"] == 3
    base = location["artifactLocation"]["uriBaseId"]
    assert run["originalUriBaseIds"][base]["uri"].startswith("https://huggingface.co/")
    assert {r["level"] for r in results} <= {"error", "warning", "note"}


def test_sarif_fingerprints_are_stable(run_cli, tmp_path: Path, reports: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    again = render_all(run_cli, tmp_path, *GRAPH)["sarif"]
    prints = [r["partialFingerprints"] for r in json.loads(again)["runs"][0]["results"]]
    assert prints == [r["partialFingerprints"] for r in json.loads(reports["sarif"])["runs"][0]["results"]]


def test_cyclonedx_validates_strictly(reports: dict[str, str]) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(reports["cyclonedx"]) is None
    bom = json.loads(reports["cyclonedx"])
    components = {c["bom-ref"]: c for c in bom["components"]}
    ft = components["model:acme/llama-3.1-8b-support-ft"]
    assert ft["type"] == "machine-learning-model" and "modelCard" in ft
    assert ft["licenses"][0]["license"] == {"name": "LicenseRef-scancode-llama-3.1-license-2024",
                                            "acknowledgement": "declared"}
    assert ft["pedigree"]["ancestors"][0]["name"] == "Meta-Llama-3.1-8B-Instruct"
    assert components["model:chain/model-pretrain"]["licenses"][0]["license"]["id"] == "Apache-2.0"
    assert components["dataset:chain/sft-data"]["type"] == "data"
    deps = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert "dataset:chain/sft-data" in deps["model:chain/model-instruct"]


def test_markdown_has_verdict_table_and_mermaid(reports: dict[str, str]) -> None:
    md = reports["markdown"]
    assert md.startswith("## modelclear: ❌ FAIL")
    assert "| | Rule | Model | Finding | Evidence |" in md and "```mermaid\ngraph TD" in md
    assert "not legal advice" in md


def test_markdown_stays_under_githubs_limit() -> None:
    findings = tuple(Finding("card-invalid", Severity.WARNING, f"org/m{i}", (f"org/m{i}",), "x" * 400,
                             Evidence("README.md", 1)) for i in range(5000))
    result = AuditResult(models=(), findings=findings, policy=PolicyRef("commercial", "0" * 64), context={})
    md = FORMATS["markdown"](result, RunInfo(source="test"))
    assert len(md.encode("utf-8")) <= LIMIT_BYTES
    assert re.search(r"_\d+ more findings not shown", md)


def test_repo_content_is_escaped_everywhere(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = render_all(run_cli, tmp_path, "cards/hostile-html")
    html = out["html"]
    assert "<script" not in html and "<img" not in html and "<b " not in html
    # the LICENSE's first line, quoted as evidence, shows as text
    assert "&lt;script&gt;document.title=&quot;PWNED&quot;; window.pwned=3&lt;/script&gt;" in html
    assert "default-src 'none'" in html  # and even an unescaped script could not run
    markdown = out["markdown"]
    assert "<script" not in markdown and "&lt;script&gt;" in markdown


def test_several_formats_need_a_base_name(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", "--mirror", str(HUB_ROOT), "--format", "json", "--format", "sarif", "chain/model-gguf")
    assert result.exit_code == 2 and "need -o BASE" in result.stderr


def test_notice_lists_duties_with_sources(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    notice = render_all(run_cli, tmp_path, "acme/llama-3.1-8b-support-ft")["notice"]
    assert 'display "Built with Llama" where the license says' in notice
    assert 'names of models built with it must begin with "Llama"' in notice
    assert "llama-3.1-license-2024 (from meta-llama/Meta-Llama-3.1-8B-Instruct)" in notice
    assert "license:llama-3.1-license-2024" in notice
