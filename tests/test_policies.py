"""Policies and waivers: the same fixture graph judged by each built-in policy, context, waivers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TOKEN = "hf_fixture_approved_token"
LLAMA_FT = "acme/llama-3.1-8b-support-ft"
FLUX_GGUF = "city96/FLUX.1-dev-gguf"
RAIL_ADAPTER = "acme/sd-rail-lora"
APACHE_CHAIN = "chain/model-gguf"
GRAPH = (LLAMA_FT, FLUX_GGUF, RAIL_ADAPTER, APACHE_CHAIN)


def audit(run_cli, *args: str) -> tuple[int, dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = run_cli("audit", "--format", "json", "--token", TOKEN, *args)
    return result.exit_code, result.json()


def verdict_of(doc: dict[str, Any], target: str) -> str:
    """The verdict the policy gives one target: fail when an unwaived error is on its lineage."""
    errors = [f for f in doc["findings"] if f["path"][0] == target and f["severity"] == "error" and not f["waived"]]
    return "fail" if errors else "pass"


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("commercial", {LLAMA_FT: "pass", FLUX_GGUF: "fail", RAIL_ADAPTER: "pass", APACHE_CHAIN: "pass"}),
        ("research", {LLAMA_FT: "pass", FLUX_GGUF: "pass", RAIL_ADAPTER: "pass", APACHE_CHAIN: "pass"}),
        ("permissive-only", {LLAMA_FT: "fail", FLUX_GGUF: "fail", RAIL_ADAPTER: "fail", APACHE_CHAIN: "pass"}),
    ],
)
def test_builtin_policies_on_the_same_graph(run_cli, policy: str, expected: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    code, doc = audit(run_cli, "--policy", policy, *GRAPH)
    assert {target: verdict_of(doc, target) for target in GRAPH} == expected
    assert doc["policy"]["name"] == policy and len(doc["policy"]["sha256"]) == 64
    assert (code, doc["verdict"]) == ((3, "fail") if "fail" in expected.values() else (0, "pass"))


def test_commercial_reasons(run_cli) -> None:  # type: ignore[no-untyped-def]
    _, doc = audit(run_cli, *GRAPH)
    by_target: dict[str, set[tuple[str, str]]] = {}
    for f in doc["findings"]:
        by_target.setdefault(f["path"][0], set()).add((f["rule"], f["severity"]))
    assert ("non-commercial", "error") in by_target[FLUX_GGUF]
    assert ("license-review", "warning") in by_target[LLAMA_FT]  # Proprietary Free: a person reviews it
    assert ("user-threshold", "info") in by_target[LLAMA_FT]
    assert ("license-review", "warning") in by_target[RAIL_ADAPTER]
    assert APACHE_CHAIN not in by_target


def test_permissive_only_denies_across_the_lineage(run_cli) -> None:  # type: ignore[no-untyped-def]
    _, doc = audit(run_cli, "--policy", "permissive-only", LLAMA_FT)
    denied = [f for f in doc["findings"] if f["rule"] == "license-denied"]
    assert {f["model"] for f in denied} == {LLAMA_FT, "meta-llama/Meta-Llama-3.1-8B-Instruct"}
    assert any("category Proprietary Free is denied" in f["message"] for f in denied)


@pytest.mark.parametrize(
    ("mau", "severity", "verdict"),
    [("800000000", "error", "fail"), ("700,000,001", "error", "fail"), ("700000000", "info", "pass"),
     ("1000", "info", "pass")],
)
def test_user_threshold_on_both_sides_of_the_limit(run_cli, mau: str, severity: str, verdict: str) -> None:  # type: ignore[no-untyped-def]
    _, doc = audit(run_cli, "--context", f"mau={mau}", LLAMA_FT)
    thresholds = [f for f in doc["findings"] if f["rule"] == "user-threshold"]
    assert thresholds and {f["severity"] for f in thresholds} == {severity}
    assert all(("crosses" if severity == "error" else "is within") in f["message"] for f in thresholds)
    assert verdict_of(doc, LLAMA_FT) == verdict
    assert doc["context"]["mau"] == int(mau.replace(",", ""))


def test_threshold_without_context_is_a_note(run_cli) -> None:  # type: ignore[no-untyped-def]
    _, doc = audit(run_cli, LLAMA_FT)
    (note,) = {f["message"] for f in doc["findings"] if f["rule"] == "user-threshold" and f["model"] == LLAMA_FT}
    assert "give --context mau=N to check it" in note


def test_revenue_threshold_and_research_policy(run_cli) -> None:  # type: ignore[no-untyped-def]
    _, within = audit(run_cli, "--context", "revenue=2000000", "cards/custom-license")
    (revenue,) = [f for f in within["findings"] if f["rule"] == "revenue-threshold"]
    assert revenue["severity"] == "info" and "is within the limit of 5,000,000" in revenue["message"]
    _, crossed = audit(run_cli, "--context", "revenue=6000000", "cards/custom-license")
    (revenue,) = [f for f in crossed["findings"] if f["rule"] == "revenue-threshold"]
    assert revenue["severity"] == "error" and "crosses the limit of 5,000,000" in revenue["message"]
    _, research = audit(run_cli, "--policy", "research", "--context", "mau=900000000", LLAMA_FT)
    assert {f["severity"] for f in research["findings"] if f["rule"] == "user-threshold"} == {"warning"}


def test_distribution_internal_turns_display_duties_off(run_cli) -> None:  # type: ignore[no-untyped-def]
    _, saas = audit(run_cli, LLAMA_FT)
    _, internal = audit(run_cli, "--context", "distribution=internal", LLAMA_FT)
    assert any(f["rule"] == "naming-required" for f in saas["findings"])
    assert not any(f["rule"] in ("naming-required", "attribution-required") for f in internal["findings"])
    assert internal["context"]["distribution"] == "internal" and saas["context"]["distribution"] == "saas"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--context", "mau=lots"], "mau=lots: not a plain number"),
        # float() takes these; nan compares as within every limit, the others overflow or are absurd.
        (["--context", "revenue=nan"], "revenue=nan: not a plain number"),
        (["--context", "mau=inf"], "mau=inf: not a plain number"),
        (["--context", "mau=-5"], "mau=-5: not a plain number"),
        (["--context", "mau=1e400"], "mau=1e400: not a plain number"),
        (["--context", "mau=9e99"], "mau=9e99: not a plausible value"),
        (["--context", "revenue=99999999999999999999"], "not a plausible value"),
        (["--context", "colour=blue"], "does not use it"),
        (["--context", "distribution=cloud"], "must be one of saas, internal, weights"),
        (["--context", "mau"], "expected key=value"),
    ],
)
def test_bad_context_is_a_usage_error(run_cli, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("audit", *args, LLAMA_FT)
    assert result.exit_code == 2 and message in result.stderr


def test_invalid_policy_names_file_line_and_field(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "team.yml"
    policy.write_text("name: team\nextends: commercial\nlicenses:\n  denied:\n    keys: [gpl-3.0]\n"
                      "severity:\n  license-review: maybe\n")
    result = run_cli("audit", "--policy", str(policy), LLAMA_FT)
    assert result.exit_code == 2
    assert f"{policy}:7: severity.license-review: 'maybe' is not one of" in result.stderr
    check = run_cli("policy", "validate", str(policy))
    assert check.exit_code == 2 and ":7: severity.license-review" in check.stderr


def test_a_team_policy_changes_a_few_lines(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "team.yml"
    policy.write_text("name: team\nextends: commercial\nlicenses:\n  allowed:\n    keys: [llama-3.1-license-2024]\n")
    _, doc = audit(run_cli, "--policy", str(policy), LLAMA_FT)
    assert not [f for f in doc["findings"] if f["rule"] == "license-review" and f["model"] == LLAMA_FT]
    assert run_cli("policy", "validate", str(policy)).stdout.strip() == f"{policy}: valid"
    shown = run_cli("policy", "show", str(policy)).stdout
    assert "keys:\n    - llama-3.1-license-2024" in shown and "Permissive" in shown  # merged with commercial


def test_policy_list() -> None:
    from click.testing import CliRunner

    from scanner.cli import cli

    out = CliRunner().invoke(cli, ["policy", "list"]).stdout
    assert [line.split()[0] for line in out.splitlines()] == ["commercial", "permissive-only", "research"]


WAIVER = """\
waivers:
  - model: {model}
    rule: non-commercial
    reason: license-obtained
    approver: legal@acme.example
    expires: {expires}
{extra}"""


def write_waivers(tmp_path: Path, *entries: tuple[str, str, str]) -> Path:
    path = tmp_path / "waivers.yml"
    blocks = [WAIVER.format(model=m, expires=e, extra=x).split("waivers:\n", 1)[1] for m, e, x in entries]
    path.write_text("waivers:\n" + "".join(blocks))
    return path


def test_waiver_applies_and_stays_visible(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    waivers = write_waivers(tmp_path, (FLUX_GGUF, "2099-12-31", ""),
                            ("black-forest-labs/FLUX.1-dev", "2099-12-31", ""))
    code, doc = audit(run_cli, "--waivers", str(waivers), FLUX_GGUF)
    nc = [f for f in doc["findings"] if f["rule"] == "non-commercial"]
    assert nc and all(f["waived"] and f["waiver"]["status"] == "applied" for f in nc)
    assert nc[0]["waiver"]["approver"] == "legal@acme.example"
    assert (code, doc["verdict"]) == (0, "pass")
    assert [w["status"] for w in doc["waivers"]] == ["applied", "applied"]


def test_expired_waiver_no_longer_applies_and_says_so(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    waivers = write_waivers(tmp_path, (FLUX_GGUF, "2020-01-31", ""))
    code, doc = audit(run_cli, "--waivers", str(waivers), FLUX_GGUF)
    (own,) = [f for f in doc["findings"] if f["rule"] == "non-commercial" and f["model"] == FLUX_GGUF]
    assert not own["waived"] and own["waiver"]["status"] == "expired"
    assert doc["waivers"][0]["status"] == "expired" and code == 3
    text = run_cli("audit", "--token", TOKEN, "--waivers", str(waivers), FLUX_GGUF).stdout
    assert "waiver expired: expires 2020-01-31" in text and "expired: non-commercial on city96" in text


def test_waiver_pinned_to_an_old_revision_does_not_cover_a_new_one(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old = write_waivers(tmp_path, (FLUX_GGUF, "2099-12-31", "    revision: 0123456789abcdef0123456789abcdef01234567\n"))
    _, doc = audit(run_cli, "--waivers", str(old), FLUX_GGUF)
    (own,) = [f for f in doc["findings"] if f["rule"] == "non-commercial" and f["model"] == FLUX_GGUF]
    assert not own["waived"] and own["waiver"]["status"] == "revision-mismatch"
    current = write_waivers(tmp_path, (FLUX_GGUF, "2099-12-31", "    revision: 7f1c3a9e0b2d\n"))
    _, doc = audit(run_cli, "--waivers", str(current), FLUX_GGUF)
    (own,) = [f for f in doc["findings"] if f["rule"] == "non-commercial" and f["model"] == FLUX_GGUF]
    assert own["waived"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("waivers:\n  - model: a/b\n    rule: non-commercial\n    reason: because\n    approver: x\n"
         "    expires: 2099-01-01\n", ":4: waivers.0.reason: 'because' is not one of"),
        ("waivers:\n  - model: a/b\n    rule: non-commercial\n    reason: accepted-risk\n    approver: x\n",
         ":2: waivers.0: 'expires' is a required property"),
        ("waivers:\n  - model: a/b\n    rule: non-commercial\n    reason: accepted-risk\n    approver: x\n"
         "    expires: 2099-02-30\n", ":6: waivers.0.expires: '2099-02-30' is not a date"),
    ],
)
def test_invalid_waivers_are_usage_errors(run_cli, tmp_path: Path, content: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "waivers.yml"
    path.write_text(content)
    result = run_cli("audit", "--waivers", str(path), LLAMA_FT)
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_date_like_policy_values_stay_text(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "dated.yml"
    policy.write_text("name: dated\nextends: commercial\ndescription: 2024-02-30\n")
    result = run_cli("audit", "--format", "json", "--policy", str(policy), LLAMA_FT)
    assert result.exit_code in (0, 3) and result.json()["policy"]["name"] == "dated"
    shown = run_cli("policy", "show", str(policy))
    assert shown.exit_code == 0 and "description: '2024-02-30'" in shown.stdout


def test_policy_validation_does_not_compile_lark_grammars() -> None:
    """jsonschema's optional IRI checker imports rfc3987_syntax (~38 lark grammars, most of an audit's
    start-up); our schemas use no formats, so validation must not pay for it."""
    import subprocess
    import sys

    code = ("import sys; from scanner.policy import load_policy; load_policy('commercial'); "
            "print('lark' in sys.modules, 'rfc3987_syntax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_every_builtin_policy_satisfies_the_schema() -> None:
    """Built-in policies are not validated at run time (it costs a fifth of start-up): here instead."""
    from scanner.policy import builtin_policy_names, validate_policy_text
    from scanner.resources import read_text

    names = builtin_policy_names()
    assert {"commercial", "research", "permissive-only"} <= set(names)
    for name in names:
        data = validate_policy_text(read_text("policies", f"{name}.yml"), f"policies/{name}.yml")
        assert data["name"]
