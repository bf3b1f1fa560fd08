"""Reports a legal team acts on (issue 14): one answer per target, each duty once with its paths, a
printable HTML brief checked in headless Chromium's print to PDF, and SPDX 3.0.1 validated offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import HUB_ROOT, REPO_ROOT
from tests.spdx3_offline import validate as spdx3_errors
from tests.test_html_browser import CHROMIUM, browse

EXAMPLES = REPO_ROOT / "examples" / "mirror"
GGUF = "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"
BASE = "meta-llama/Meta-Llama-3.1-8B-Instruct"


def audit(run_cli, *args: str, mirror: Path = EXAMPLES) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    result = run_cli("audit", "--mirror", str(mirror), "--format", "json", *args)
    assert result.exit_code in (0, 3), result.stderr
    return result.json()  # type: ignore[no-any-return]


def answer(doc: dict[str, Any], repo_id: str) -> dict[str, Any]:
    return next(m["commercial_use"] for m in doc["models"] if m["id"] == repo_id)  # type: ignore[no-any-return]


# -- the answer ------------------------------------------------------------------------------------------
def test_every_target_gets_an_answer_and_only_targets(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, GGUF, "01-ai/Yi-34B")
    assert doc["schema_version"] == "1"
    for model in doc["models"]:
        assert (model["commercial_use"] is not None) == (model["role"] == "target")
    gguf = answer(doc, GGUF)
    assert gguf["answer"] == "conditional" and gguf["blockers"] == []
    kinds = [c["kind"] for c in gguf["conditions"]]
    assert {"attribution", "naming", "notice", "use-restrictions", "user-threshold", "license-review"} <= set(kinds)
    assert kinds.count("attribution") == 1  # the quantization's copy and its base's are one condition
    threshold = next(c for c in gguf["conditions"] if c["kind"] == "user-threshold")
    assert threshold["value"]["limit"] == 700_000_000
    assert threshold["context"] == {"key": "mau", "given": None, "limit": 700_000_000, "outcome": "missing",
                                    "note": "give --context mau=N to check it"}
    assert threshold["evidence"]["file"] == "LICENSE" and "700 million" in threshold["evidence"]["quote"]
    attribution = next(c for c in gguf["conditions"] if c["kind"] == "attribution")
    assert attribution["value"] == {"text": "Built with Llama"} and attribution["obligation"]


def test_the_users_numbers_decide_thresholds(run_cli) -> None:  # type: ignore[no-untyped-def]
    within = answer(audit(run_cli, "--context", "mau=5000000", GGUF), GGUF)
    check = next(c for c in within["conditions"] if c["kind"] == "user-threshold")["context"]
    assert within["answer"] == "conditional"
    assert (check["given"], check["outcome"]) == (5_000_000, "within")
    crossed = answer(audit(run_cli, "--context", "mau=800000000", GGUF), GGUF)
    assert crossed["answer"] == "not-allowed"
    blocker = next(c for c in crossed["blockers"] if c["kind"] == "user-threshold")
    assert (blocker["context"]["given"], blocker["context"]["limit"]) == (800_000_000, 700_000_000)
    assert "crosses the limit of 700,000,000" in crossed["summary"]


def test_internal_use_drops_display_and_naming(run_cli) -> None:  # type: ignore[no-untyped-def]
    """The policy says which duties arise: for distribution=internal, no display or naming condition."""
    doc = audit(run_cli, "--context", "distribution=internal", GGUF)
    kinds = {c["kind"] for c in answer(doc, GGUF)["conditions"]}
    assert "attribution" not in kinds and "naming" not in kinds and "user-threshold" in kinds
    assert not any(o["kind"] in ("attribution", "naming") for o in doc["obligations"])


def test_non_commercial_and_unknown_answers(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, "city96/FLUX.1-dev-gguf", "orphan/finetune", "cards/no-license", "chain/model-gguf",
                mirror=HUB_ROOT)
    flux = answer(doc, "city96/FLUX.1-dev-gguf")
    assert flux["answer"] == "not-allowed" and flux["blockers"][0]["kind"] == "non-commercial"
    assert flux["blockers"][0]["evidence"]["file"] == "LICENSE.md"
    orphan = answer(doc, "orphan/finetune")  # its base is missing: what was not read is never allowed
    assert orphan["answer"] == "unknown"
    assert [b["model"] for b in orphan["blockers"]] == ["ghost/missing-base"]
    assert answer(doc, "cards/no-license")["answer"] == "unknown"
    assert answer(doc, "chain/model-gguf")["answer"] == "conditional"


def test_a_waiver_settles_a_blocker(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    waivers = tmp_path / "waivers.yml"
    waivers.write_text("waivers:\n  - model: city96/FLUX.1-dev-gguf\n    rule: non-commercial\n"
                       "    reason: license-obtained\n    approver: legal@acme.example\n    expires: 2999-01-01\n",
                       encoding="utf-8")
    doc = audit(run_cli, "--waivers", str(waivers), "city96/FLUX.1-dev-gguf", mirror=HUB_ROOT)
    flux = answer(doc, "city96/FLUX.1-dev-gguf")
    nc = next(c for c in flux["conditions"] if c["kind"] == "non-commercial")
    assert nc["waived"] is True and flux["answer"] != "not-allowed"


# -- obligations -----------------------------------------------------------------------------------------
def test_each_duty_once_with_its_paths_and_findings_stay_per_path(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = audit(run_cli, GGUF)
    attribution = [o for o in doc["obligations"] if o["kind"] == "attribution"]
    assert len(attribution) == 1
    duty = attribution[0]
    assert duty["value"] == {"text": "Built with Llama"} and duty["license"] == "llama-3.1-license-2024"
    assert duty["models"] == [GGUF, BASE]
    assert duty["targets"] == [{"target": GGUF, "paths": [[GGUF], [GGUF, BASE]]}]
    assert duty["evidence"]["model"] == GGUF and duty["evidence"]["file"] == "LICENSE"
    assert duty["severity"] == "info" and duty["rule"] == "attribution-required"
    identities = [(o["kind"], o["license"], json.dumps(o["value"], sort_keys=True)) for o in doc["obligations"]]
    assert len(identities) == len(set(identities))
    # JSON and SARIF keep one finding per path: tools need a location each
    assert len([f for f in doc["findings"] if f["rule"] == "attribution-required"]) == 2
    base = tmp_path / "r"
    run_cli("audit", "--mirror", str(EXAMPLES), "--format", "sarif", "--format", "text", "--format", "markdown",
            "-o", str(base), GGUF)
    sarif = json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))
    assert len([r for r in sarif["runs"][0]["results"] if r["ruleId"] == "attribution-required"]) == 2
    # the human reports quote the duty once
    text = (tmp_path / "r.txt").read_text(encoding="utf-8")
    markdown = (tmp_path / "r.md").read_text(encoding="utf-8")
    quoting = [o for o in doc["obligations"] if "prominently display" in o["evidence"]["quote"]]
    assert {o["kind"] for o in quoting} == {"attribution", "notice"}  # one sentence says both duties
    assert text.count("prominently display") == len(quoting) and text.count("attribution-required") == 0
    assert text.index("Commercial use") < text.index("Obligations") < text.index("Findings")
    assert f"{GGUF}: ALLOWED WITH CONDITIONS" in text and "[ ] an attribution must be displayed" in text
    assert "binds bartowski/Meta-Llama-3.1-8B-Instruct-GGUF ->" in text
    assert markdown.count("an attribution must be displayed") == 2  # the checklist item and the duty
    assert "- [ ] an attribution must be displayed" in markdown and "### Obligations" in markdown
    assert "`attribution-required`" not in markdown


# -- the printable HTML ----------------------------------------------------------------------------------
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_html_prints_to_a_clean_pdf(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "out" / "report.html"
    result = run_cli("audit", "--mirror", str(EXAMPLES), "--format", "html", "-o", str(page), GGUF, "01-ai/Yi-34B")
    assert result.exit_code == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    # summary first, then one section per target with its drawing, conditions and collapsible evidence
    assert html.index('id="summary"') < html.index('class="target"') < html.index('id="obligations"')
    assert html.count('<section class="target"') == 2 and html.count("<svg") == 2
    assert "<details><summary>" in html and "<details open" not in html  # collapsed on screen
    dom = browse(page, tmp_path, "--dump-dom")
    assert "ALLOWED WITH CONDITIONS" in dom and "<script" not in dom.lower()
    pdf = tmp_path / "report.pdf"
    browse(page, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None and os.environ.get("CI"):
        raise RuntimeError(".ci/run installs poppler-utils; the PDF text check must not be skipped in CI")
    if pdftotext is not None:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
        assert pages >= 3  # the summary, then a page per target
        text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        first_page = text.split("\f")[0]
        assert "Commercial use" in first_page and "ALLOWED WITH" in first_page  # the answer opens the brief
        flat = " ".join(text.split())
        # quotes live in collapsed <details>: they are on paper only because print expands them
        assert "prominently display “Built with Llama” on a related website" in flat
        assert "700 million monthly active users" in flat
    else:
        assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 3
    shot = tmp_path / "report.png"
    browse(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600")
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    if os.environ.get("MODELCLEAR_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["MODELCLEAR_KEEP_SCREENSHOT"])


def test_html_target_sections_escape_repo_text(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "report.html"
    run_cli("audit", "--mirror", str(HUB_ROOT), "--format", "html", "-o", str(page), "cards/hostile-html")
    html = page.read_text(encoding="utf-8")
    section = html[html.index('<section class="target"'):html.index("</section>")]
    assert "<script" not in html and "&lt;script&gt;" in section


# -- SPDX 3.0.1 ------------------------------------------------------------------------------------------
def test_spdx3_is_valid_offline_and_carries_the_lineage(run_cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bom.spdx3.json"
    result = run_cli("audit", "--mirror", str(HUB_ROOT), "--format", "spdx3", "-o", str(out),
                     "acme/llama-3.1-8b-support-ft", "chain/model-gguf", "city96/FLUX.1-dev-gguf")
    assert result.exit_code == 3, result.stderr
    assert spdx3_errors(out, monkeypatch) == []
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    graph = doc["@graph"]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for element in graph:
        by_type.setdefault(element["type"], []).append(element)
    names = {e["name"]: e for e in by_type["ai_AIPackage"]}
    assert {"acme/llama-3.1-8b-support-ft", "chain/model-gguf", "chain/model-pretrain"} <= set(names)
    assert {e["name"] for e in by_type["dataset_DatasetPackage"]} >= {"chain/sft-data"}
    info = by_type["CreationInfo"][0]
    assert info["specVersion"] == "3.0.1"
    assert by_type["SoftwareAgent"][0]["spdxId"] in info["createdBy"]
    assert by_type["Tool"][0]["spdxId"] in info["createdUsing"]
    relations = [(r["relationshipType"], r["from"], r["to"][0]) for r in by_type["Relationship"]]
    ids = {e["spdxId"]: e.get("name") or e.get("simplelicensing_licenseExpression") for e in graph if "spdxId" in e}
    ft = names["acme/llama-3.1-8b-support-ft"]["spdxId"]
    licensed = {kind: ids.get(to, to) for kind, frm, to in relations if frm == ft and kind.startswith("has")}
    assert licensed["hasDeclaredLicense"] == "LicenseRef-scancode-llama-3.1-license-2024"
    # concluded: every license that binds it, the base's acceptable use policy included
    assert licensed["hasConcludedLicense"] == ("LicenseRef-scancode-llama-3.1-license-2024 AND "
                                               "LicenseRef-scancode-llama-3.1-aup-2024")
    named = {(kind, ids.get(frm), ids.get(to)) for kind, frm, to in relations}
    assert ("descendantOf", "acme/llama-3.1-8b-support-ft", "meta-llama/Meta-Llama-3.1-8B-Instruct") in named
    assert ("hasVariant", "chain/model-instruct", "chain/model-gguf") in named  # a base has its quantization
    assert ("trainedOn", "chain/model-instruct", "chain/sft-data") in named
    assert "commercial use: NOT ALLOWED" in names["city96/FLUX.1-dev-gguf"]["comment"]
    root = by_type["SpdxDocument"][0]
    assert set(root["rootElement"]) == {names[t]["spdxId"] for t in
                                        ("acme/llama-3.1-8b-support-ft", "chain/model-gguf", "city96/FLUX.1-dev-gguf")}


def test_spdx3_reads_with_the_spdx_python_bindings(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The SPDX project's generated Python model (spdx-python-model) reads the document back, type-checking
    every property it knows, with no network either."""
    from spdx_python_model import v3_0_1 as spdx

    out = tmp_path / "bom.spdx3.json"
    run_cli("audit", "--mirror", str(EXAMPLES), "--format", "spdx3", "-o", str(out), GGUF)
    objects = spdx.SHACLObjectSet()
    with out.open("r", encoding="utf-8") as handle:
        spdx.JSONLDDeserializer().read(handle, objects)
    packages = [o for o in objects.foreach_type(spdx.ai_AIPackage)]
    assert sorted(p.name for p in packages) == [GGUF, BASE]
