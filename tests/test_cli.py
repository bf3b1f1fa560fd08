"""The CLI end to end against the fixture Hub: the JSON contract, the exit codes, stdout hygiene."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import HUB_ROOT, core_findings, run_console_script
from tests.hubserver import FixtureHub

LLAMA_GGUF = "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"
GEMMA_GATED = "google/gemma-3-1b-it-qat-q4_0-gguf"
MODEL_KEYS = {"id", "revision", "status", "role", "declared", "licenses", "clauses", "parents", "datasets"}
FINDING_KEYS = {"rule", "severity", "model", "path", "message", "evidence", "remediation", "waived"}


def targets(doc: dict) -> list[dict]:  # type: ignore[type-arg]
    return [m for m in doc["models"] if m["role"] == "target"]


def test_json_contract_for_an_ok_model(run_cli) -> None:  # type: ignore[no-untyped-def]
    # The token lets the audit read the gated Llama base too, so the whole lineage is verifiable.
    result = run_cli("audit", "--format", "json", "--token", "hf_fixture_approved_token", LLAMA_GGUF)
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert doc["schema_version"] == "1"
    assert doc["tool"]["name"] == "modelclear" and doc["tool"]["scancode_version"].startswith("32.5")
    assert doc["policy"]["name"] == "commercial" and len(doc["policy"]["sha256"]) == 64
    assert doc["verdict"] == "pass" and core_findings(doc) == []
    model, base = doc["models"]
    assert MODEL_KEYS <= set(model) and MODEL_KEYS <= set(base)
    assert (base["id"], base["role"], base["status"]) == ("meta-llama/Meta-Llama-3.1-8B-Instruct", "ancestor", "ok")
    assert model["id"] == LLAMA_GGUF and model["status"] == "ok" and model["role"] == "target"
    assert model["revision"] == "9a8c5f1e7d6b4a3c2e1f0a9b8c7d6e5f4a3b2c1d"
    assert model["declared"] == {"license": "llama3.1", "license_name": None, "license_link": None}
    assert model["parents"] == [{"id": "meta-llama/Meta-Llama-3.1-8B-Instruct", "relation": "quantized"}]


def test_declared_fields_datasets_and_license_other(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = run_cli("audit", "--format", "json", "Salesforce/xLAM-2-3b-fc-r-gguf", "01-ai/Yi-34B").json()
    xlam, yi = targets(doc)
    assert xlam["declared"]["license"] == "cc-by-nc-4.0"
    assert xlam["datasets"] == ["Salesforce/APIGen-MT-5k", "Salesforce/xlam-function-calling-60k"]
    assert yi["declared"] == {"license": "other", "license_name": "yi-license",
                              "license_link": "LICENSE"}


def test_gated_model_is_unverifiable_and_fails(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", "--format", "json", GEMMA_GATED)
    assert result.exit_code == 3
    doc = result.json()
    model = targets(doc)[0]
    assert model["status"] == "gated"
    assert model["declared"]["license"] == "gemma"  # from the API's cardData
    (finding,) = core_findings(doc)
    assert FINDING_KEYS <= set(finding)
    assert finding["rule"] == "unverifiable" and finding["severity"] == "error"
    assert finding["path"] == [GEMMA_GATED] and finding["remediation"]
    assert doc["verdict"] == "fail"


@pytest.mark.parametrize(
    ("repo_id", "status"),
    [("nobody/nothing", "not_found"), ("faults/server-error", "error"), ("faults/always-rate-limited", "error"),
     ("faults/slow-api", "error")],
)
def test_unavailable_models_exit_3_never_1(run_cli, repo_id: str, status: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", "--format", "json", "--timeout", "0.5", "--retries", "1", repo_id)
    assert result.exit_code == 3, result.stderr
    doc = result.json()
    assert doc["models"][0]["status"] == status
    assert [f["rule"] for f in doc["findings"]] == ["unverifiable"]


@pytest.mark.parametrize(
    ("repo", "rules"),
    [
        ("cards/no-front-matter", ["card-invalid", "license-unknown"]),
        ("cards/broken-yaml", ["card-invalid", "license-unknown"]),
        ("cards/unterminated", ["card-invalid"]),  # the card's text still says "license: mit"
        ("cards/scalar-front-matter", ["card-invalid", "license-unknown"]),
        ("cards/wrong-types", ["card-invalid"] * 5 + ["license-unknown"]),  # base_model {id: ...} is followed
        ("cards/license-other-unnamed", ["license-unknown"]),
        ("cards/no-readme", ["card-invalid", "license-unknown", "license-unknown"]),  # LICENSE only names MIT
        ("cards/binary-license", ["unverifiable"]),
        ("cards/crlf-bom", []),
    ],
)
def test_bad_cards_become_findings(run_cli, repo: str, rules: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", "--format", "json", repo)
    doc = result.json()
    assert sorted(f["rule"] for f in core_findings(doc)) == sorted(rules)
    if "license-unknown" in rules or "unverifiable" in rules:
        assert result.exit_code == 3
    assert all(m["status"] == "ok" for m in targets(doc))


def test_card_invalid_cites_the_line(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = run_cli("audit", "--format", "json", "cards/wrong-types").json()
    by_field = {f["message"].split("'")[1]: f for f in doc["findings"] if f["rule"] == "card-invalid"}
    assert by_field["license"]["evidence"] == {"file": "README.md", "start_line": 2, "quote": None}
    assert by_field["datasets"]["evidence"]["start_line"] == 5


def test_oversized_readme_is_read_up_to_the_cap(run_cli, hub: FixtureHub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", "--format", "json", "--max-file-size", "4096", "01-ai/Yi-34B")
    doc = result.json()
    assert doc["models"][0]["declared"]["license_name"] == "yi-license"
    rules = sorted(f["rule"] for f in core_findings(doc))
    assert rules == ["card-invalid", "unverifiable"]  # README read in part; LICENSE too large, not read
    assert hub.count("/resolve/") == 1  # the card's first 4096 bytes (its front matter); never the LICENSE


def test_mixed_batch_keeps_going(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", "--format", "json", "--retries", "0", "nobody/nothing", LLAMA_GGUF,
                     "faults/server-error", "microsoft/phi-4-gguf")
    doc = result.json()
    assert [m["id"] for m in targets(doc)] == ["nobody/nothing", LLAMA_GGUF, "faults/server-error",
                                               "microsoft/phi-4-gguf"]
    assert [m["status"] for m in targets(doc)] == ["not_found", "ok", "error", "ok"]
    assert result.exit_code == 3


def test_fail_on_never_and_policy_file(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("audit", "--format", "json", "--fail-on", "never", GEMMA_GATED).exit_code == 0
    policy = tmp_path / "lenient.yml"
    policy.write_text("name: lenient\nextends: commercial\nseverity:\n  unverifiable: warning\n")
    result = run_cli("audit", "--format", "json", "--policy", str(policy), GEMMA_GATED)
    assert result.exit_code == 0
    assert core_findings(result.json())[0]["severity"] == "warning"
    assert run_cli("audit", "--format", "json", "--policy", str(policy), "--fail-on", "warning",
                   GEMMA_GATED).exit_code == 3
    policy.write_text("name: quiet\nextends: commercial\nseverity:\n  unverifiable: off\n")
    assert core_findings(run_cli("audit", "--format", "json", "--policy", str(policy), GEMMA_GATED).json()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not a valid id!"], "neither a Hub model id"),
        (["org/name@"], "neither a Hub model id"),
        (["./no/such/dir"], "is not a directory"),
        (["--endpoint", "ftp://x", "a/b"], "--endpoint must be"),
        (["--policy", "no-such-policy", "a/b"], "no built-in policy"),
        (["--format", "pdf", "a/b"], "Invalid value"),
    ],
)
def test_usage_errors_exit_2(run_cli, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_bad_policy_file_names_field(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "bad.yml"
    policy.write_text("name: bad\nseverity:\n  unverifiable: fatal\n")
    result = run_cli("audit", "--policy", str(policy), "a/b")
    assert result.exit_code == 2
    assert "severity.unverifiable" in result.stderr and str(policy) in result.stderr


def test_internal_failure_exits_1(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("scanner.cli.audit.run_audit", broken)
    result = run_cli("audit", LLAMA_GGUF)
    assert result.exit_code == 1
    assert "internal error: RuntimeError: boom" in result.stderr


def test_text_report(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", LLAMA_GGUF, GEMMA_GATED)
    assert result.exit_code == 3
    out = result.stdout
    assert "Verdict: FAIL" in out
    assert f"{LLAMA_GGUF} @ 9a8c5f1e7d6b  [ok]  target" in out
    assert "declared license: llama3.1" in out
    assert "parent: meta-llama/Meta-Llama-3.1-8B-Instruct (quantized)" in out
    assert "ERROR   unverifiable" in out
    assert "not legal advice" in out
    assert "\033[" not in out  # no colour when stdout is not a terminal
    assert max(len(line) for line in out.splitlines()) <= 80


def test_output_file_and_revision_pin(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "report.json"
    result = run_cli("audit", "--format", "json", "-o", str(target), "--token", "hf_fixture_approved_token",
                     f"{LLAMA_GGUF}@9a8c5f1e7d6b4a3c2e1f0a9b8c7d6e5f4a3b2c1d")
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["models"][0]["status"] == "ok"
    missing = run_cli("audit", "--format", "json", "--revision", "v9", LLAMA_GGUF)
    assert missing.json()["models"][0]["status"] == "not_found"


def test_mirror_and_local_directory(run_cli) -> None:  # type: ignore[no-untyped-def]
    doc = run_cli("audit", "--format", "json", "--mirror", str(HUB_ROOT), LLAMA_GGUF).json()
    assert doc["models"][0]["status"] == "ok" and doc["models"][0]["source"] == "mirror"
    assert doc["source"].startswith("mirror ")
    local = run_cli("audit", "--format", "json", str(HUB_ROOT / "01-ai" / "Yi-34B")).json()
    assert local["models"][0]["source"] == "local"
    assert local["models"][0]["declared"]["license_name"] == "yi-license"


def test_offline_env_uses_cache_only(run_cli, hub: FixtureHub) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("audit", "--format", "json", "--token", "hf_fixture_approved_token", LLAMA_GGUF).exit_code == 0
    before = len(hub.requests)
    result = run_cli("audit", "--format", "json", LLAMA_GGUF, "microsoft/phi-4-gguf", env={"HF_HUB_OFFLINE": "1"})
    assert len(hub.requests) == before
    doc = result.json()
    assert [m["status"] for m in targets(doc)] == ["ok", "error"]
    assert "not in the local Hugging Face cache" in core_findings(doc)[0]["message"]


def test_console_script_stdout_is_pure_json(hub: FixtureHub, tmp_path: Path) -> None:
    secret = "hf_secret_value_never_printed"
    proc = run_console_script(
        ["-vv", "audit", "--format", "json", "--retries", "0", GEMMA_GATED, "faults/server-error"],
        env={"HF_ENDPOINT": hub.url, "HF_TOKEN": secret, "HF_HUB_CACHE": str(tmp_path / "c"),
             "HF_HOME": str(tmp_path / "home")},
    )
    assert proc.returncode == 3
    doc = json.loads(proc.stdout)  # nothing but the document on stdout
    assert doc["models"][0]["status"] == "gated"
    assert "fetching" in proc.stderr  # logs went to stderr
    assert secret not in proc.stdout and secret not in proc.stderr


def test_version() -> None:
    proc = run_console_script(["--version"], env={})
    assert proc.returncode == 0 and proc.stdout.startswith("modelclear ")


def test_policy_extends_a_builtin_or_a_file_and_catches_cycles(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base = tmp_path / "base.yml"
    base.write_text("name: base\nextends: commercial\nseverity:\n  use-restrictions: error\n")
    child = tmp_path / "child.yml"
    child.write_text("name: child\nextends: base.yml\nseverity:\n  unverifiable: info\n")
    doc = run_cli("audit", "--format", "json", "--policy", str(child), "cards/crlf-bom").json()
    severities = {f["rule"]: f["severity"] for f in doc["findings"]}
    assert severities["use-restrictions"] == "error"  # from base.yml
    assert severities["user-threshold"] == "info"  # from commercial: no --context given
    loop = tmp_path / "loop.yml"
    loop.write_text("name: loop\nextends: loop.yml\n")
    result = run_cli("audit", "--policy", str(loop), "a/b")
    assert result.exit_code == 2 and "extends" in result.stderr
