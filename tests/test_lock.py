"""`modelclear lock`, `lock --check` and `audit --locked` against the fixture Hub's history of 01-ai/Yi-34B
(main: the Yi license; 2023-12-05: new weights, same terms; 2024-05-30: Apache-2.0), through the real client."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import HUB_ROOT
from tests.hubserver import FixtureHub

YI = "01-ai/Yi-34B"
YI_MAIN = "1f2e3d4c5b6a79880796a5b4c3d2e1f0a9b8c7d6"
YI_APACHE = "a04d7a8f1e5b3c9d2f6e8a0b4c7d9e1f3a5b7c92"
YI_WEIGHTS = "5c1a7e9d3b2f4068a1c3e5f7092b4d6f8a0c2e41"
LLAMA_GGUF = "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"
LLAMA_BASE = "meta-llama/Meta-Llama-3.1-8B-Instruct"
TOKEN = "hf_fixture_approved_token"


def write_lock(run_cli, path: Path, *targets: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    result = run_cli("lock", *targets, "-o", str(path))
    assert result.exit_code == 0, result.stderr
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def check(run_cli, path: Path, *extra: str) -> Any:  # type: ignore[no-untyped-def]
    return run_cli("lock", "--check", str(path), "--format", "json", *extra)


def lock_findings(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["rule"] in ("license-changed", "revision-changed", "unverifiable")]


def test_lock_records_commits_keys_text_hashes_clauses_and_verdict(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lock = write_lock(run_cli, tmp_path / "modelclear.lock", YI)
    audit = run_cli("audit", "--format", "json", YI).json()
    assert lock["lock_version"] == 1
    assert lock["tool"] == {"name": "modelclear", "version": audit["tool"]["version"]}
    assert lock["policy"] == audit["policy"] and len(lock["policy"]["sha256"]) == 64
    assert lock["verdict"] == "pass"
    (model,) = lock["models"]
    assert (model["id"], model["role"], model["requested"], model["revision"], model["status"], model["verdict"]) \
        == (YI, "target", None, YI_MAIN, "ok", "pass")
    assert {h["key"] for h in model["licenses"]} == {"yi-community-license-2.1"}
    assert {h["source"] for h in model["licenses"]} == {"declared", "file"}
    license_text = (HUB_ROOT / YI / "LICENSE").read_bytes()
    texts = {t["file"]: t["sha256"] for t in model["texts"]}
    assert texts["LICENSE"] == hashlib.sha256(license_text).hexdigest()
    assert "README.md" not in texts  # the card as a whole is not a license text: a new news line is no change
    kinds = {c["kind"]: c for c in model["clauses"]}
    assert set(kinds) == {"use-restrictions", "attribution", "notice", "registration", "governing-law"}
    assert kinds["governing-law"]["value"] == {"jurisdiction": "mainland of the People's Republic of China"}
    assert kinds["attribution"]["value"] is None
    for clause in model["clauses"]:
        assert " ".join(clause["quote"].split()) in " ".join(license_text.decode("utf-8").split())
        assert clause["file"] == "LICENSE" and clause["license"] == "yi-community-license-2.1"
    # The audit's JSON carries the same hashes (added to the contract, nothing renamed).
    assert audit["models"][0]["texts"] == model["texts"]


def test_lock_covers_the_lineage_in_a_stable_order_byte_for_byte(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "a.lock", tmp_path / "b.lock"
    assert run_cli("lock", LLAMA_GGUF, YI, "--token", TOKEN, "-o", str(first)).exit_code == 0
    assert run_cli("lock", YI, LLAMA_GGUF, "--token", TOKEN, "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    models = yaml.safe_load(first.read_text(encoding="utf-8"))["models"]
    assert [m["id"] for m in models] == sorted(m["id"] for m in models)
    base = next(m for m in models if m["id"] == LLAMA_BASE)
    assert base["role"] == "ancestor" and len(base["revision"]) == 40
    assert "llama-3.1-license-2024" in {h["key"] for h in base["licenses"]}
    gguf = next(m for m in models if m["id"] == LLAMA_GGUF)
    assert gguf["parents"] == [{"id": LLAMA_BASE, "relation": "quantized"}]
    threshold = next(c for c in base["clauses"] if c["kind"] == "user-threshold")
    assert threshold["value"]["limit"] == 700000000


def test_check_without_change_passes(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "modelclear.lock"
    write_lock(run_cli, path, YI)
    result = check(run_cli, path)
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert doc["schema_version"] == "1" and doc["verdict"] == "pass"
    assert lock_findings(doc) == []


def test_new_revision_without_licensing_change_is_info_at_most(run_cli, hub: FixtureHub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "modelclear.lock"
    write_lock(run_cli, path, YI)
    hub.overrides[YI] = {"main": "2023-12-05"}
    # Even a policy that asks for more cannot make "nothing about the terms changed" an error.
    strict = tmp_path / "strict.yml"
    strict.write_text("name: strict\nextends: commercial\nseverity:\n  revision-changed: error\n", encoding="utf-8")
    for extra in ((), ("--policy", str(strict))):
        result = check(run_cli, path, *extra)
        assert result.exit_code == 0, result.stderr
        (finding,) = lock_findings(result.json())
        assert (finding["rule"], finding["severity"], finding["model"]) == ("revision-changed", "info", YI)
        assert YI_MAIN[:12] in finding["message"] and YI_WEIGHTS[:12] in finding["message"]
        assert "licensing is unchanged" in finding["message"]


def test_yi_relicensing_is_license_changed_saying_what_changed(run_cli, hub: FixtureHub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "modelclear.lock"
    write_lock(run_cli, path, YI)
    hub.overrides[YI] = {"main": "2024-05-30"}
    result = check(run_cli, path)
    assert result.exit_code == 3, result.stderr
    doc = result.json()
    assert doc["verdict"] == "fail"
    (finding,) = lock_findings(doc)
    assert (finding["rule"], finding["severity"], finding["model"], finding["path"]) == \
        ("license-changed", "error", YI, [YI])
    message = finding["message"]
    for said in ("yi-community-license-2.1 removed", "apache-2.0 added", "declared license other (yi-license) -> "
                 "apache-2.0", "LICENSE text changed", "clauses removed: use-restrictions",
                 "governing-law", "clauses added: patent-grant", YI_MAIN[:12], YI_APACHE[:12]):
        assert said in message, said
    assert finding["remediation"] and finding["evidence"]["file"] == "LICENSE"
    assert finding["evidence"]["quote"] in (HUB_ROOT / YI / "revisions/2024-05-30/LICENSE").read_text()
    # The severity is the policy's: research reviews it, it does not block.
    research = check(run_cli, path, "--policy", "research")
    (finding,) = lock_findings(research.json())
    assert (research.exit_code, finding["rule"], finding["severity"]) == (0, "license-changed", "warning")
    # The text report says it too.
    text = run_cli("lock", "--check", str(path))
    assert text.exit_code == 3 and "license-changed" in text.stdout


def test_check_resolves_the_revision_a_target_was_locked_for(run_cli, hub: FixtureHub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "modelclear.lock"
    lock = write_lock(run_cli, path, f"{YI}@2023-11-15")
    assert lock["models"][0]["requested"] == "2023-11-15" and lock["models"][0]["revision"] == YI_MAIN
    hub.overrides[YI] = {"main": "2024-05-30"}  # main moves on; the tag does not
    result = check(run_cli, path)
    assert result.exit_code == 0 and lock_findings(result.json()) == []
    assert hub.count(f"/api/models/{YI}/revision/2023-11-15") >= 1


def test_a_locked_model_that_vanished_is_unverifiable_never_a_pass(run_cli, hub: FixtureHub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "modelclear.lock"
    write_lock(run_cli, path, YI)
    hub.faults[YI] = {"kind": "not_found"}
    result = check(run_cli, path)
    assert result.exit_code == 3
    doc = result.json()
    assert doc["verdict"] == "fail"
    locked = [f for f in doc["findings"] if f["rule"] == "unverifiable" and "was locked at" in f["message"]]
    assert len(locked) == 1 and locked[0]["severity"] == "error" and "not_found" in locked[0]["message"]
    assert not [f for f in doc["findings"] if f["rule"] in ("license-changed", "revision-changed")]


def test_a_vanished_ancestor_is_unverifiable(run_cli, hub: FixtureHub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "modelclear.lock"
    assert run_cli("lock", LLAMA_GGUF, "--token", TOKEN, "-o", str(path)).exit_code == 0
    hub.faults[LLAMA_BASE] = {"kind": "not_found"}
    result = check(run_cli, path, "--token", TOKEN)
    assert result.exit_code == 3
    (finding,) = [f for f in result.json()["findings"] if f["rule"] == "unverifiable" and f["model"] == LLAMA_BASE]
    assert finding["path"] == [LLAMA_GGUF, LLAMA_BASE] and "was locked at" in finding["message"]


def test_waivers_apply_to_license_changed(run_cli, hub: FixtureHub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "modelclear.lock"
    write_lock(run_cli, path, YI)
    hub.overrides[YI] = {"main": "2024-05-30"}
    waivers = tmp_path / "waivers.yml"
    waivers.write_text(f"waivers:\n  - model: {YI}\n    rule: license-changed\n    reason: accepted-risk\n"
                       "    approver: legal@acme.example\n    expires: 2099-01-01\n", encoding="utf-8")
    result = check(run_cli, path, "--waivers", str(waivers))
    assert result.exit_code == 0, result.stderr
    (finding,) = lock_findings(result.json())
    assert finding["waived"] is True and result.json()["waivers"][0]["status"] == "applied"


def test_audit_locked_audits_exactly_the_pinned_revisions(run_cli, hub: FixtureHub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "modelclear.lock"
    assert run_cli("lock", LLAMA_GGUF, YI, "--token", TOKEN, "-o", str(path)).exit_code == 0
    lock = yaml.safe_load(path.read_text(encoding="utf-8"))
    base_sha = next(m["revision"] for m in lock["models"] if m["id"] == LLAMA_BASE)
    hub.overrides[YI] = {"main": "2024-05-30"}
    hub.requests.clear()
    result = run_cli("audit", "--locked", str(path), "--token", TOKEN, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    revisions = {m["id"]: m["revision"] for m in doc["models"]}
    assert revisions[YI] == YI_MAIN  # not main's new head
    assert hub.count(f"/api/models/{YI}/revision/{YI_MAIN}") == 1
    assert hub.count(f"/api/models/{LLAMA_BASE}/revision/{base_sha}") == 1  # the ancestor pinned too
    assert not [r for r in hub.requests if r.path.startswith(f"/api/models/{LLAMA_BASE}?")]
    assert lock_findings(doc) == []
    # A pinned commit that no longer exists upstream is unverifiable.
    (tmp_path / "gone.lock").write_text(path.read_text(encoding="utf-8").replace(YI_MAIN, "f" * 40),
                                        encoding="utf-8")
    gone = run_cli("audit", "--locked", str(tmp_path / "gone.lock"), "--token", TOKEN, "--format", "json")
    assert gone.exit_code == 3
    assert any(f["rule"] == "unverifiable" and f["model"] == YI for f in gone.json()["findings"])


def test_audit_locked_refuses_targets(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "modelclear.lock"
    write_lock(run_cli, path, YI)
    result = run_cli("audit", "--locked", str(path), YI)
    assert result.exit_code == 2 and "--locked" in result.stderr


def test_lock_of_a_failing_audit_is_written_and_exits_3(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "modelclear.lock"
    result = run_cli("lock", "google/gemma-3-1b-it-qat-q4_0-gguf", "-o", str(path))
    assert result.exit_code == 3
    lock = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert lock["verdict"] == "fail" and lock["models"][0]["status"] == "gated"
    assert lock["models"][0]["verdict"] == "fail"


@pytest.mark.parametrize(
    ("text", "line", "said"),
    [
        ("lock_version: 1\nmodels: [\n  - {id: x\n", 3, "not valid YAML"),
        ("# a newer modelclear\nlock_version: 2\ntool: {name: modelclear, version: '9'}\n", 2,
         "lock_version: 2 is not a lock format this modelclear reads"),
        (None, 0, "models.0.licenses"),
        ("- just\n- a list\n", 1, "a lock is a YAML mapping"),
        ("lock_version: 1\n", 1, "required property"),
    ],
)
def test_bad_lock_files_are_usage_errors_naming_file_and_line(run_cli, tmp_path: Path, text: str | None,  # type: ignore[no-untyped-def]
                                                              line: int, said: str) -> None:
    bad = tmp_path / "bad.lock"
    if text is None:  # a real lock with one field of the wrong type
        write_lock(run_cli, tmp_path / "good.lock", YI)
        good = (tmp_path / "good.lock").read_text(encoding="utf-8").split("\n")
        at = next(i for i, row in enumerate(good) if row == "  licenses:")
        good[at + 1:at + 1] = ["  - nope"]
        line = at + 2
        bad.write_text("\n".join(good), encoding="utf-8")
    else:
        bad.write_text(text, encoding="utf-8")
    for command in (("lock", "--check", str(bad)), ("audit", "--locked", str(bad)), ("diff", str(bad), str(bad))):
        result = run_cli(*command)
        assert result.exit_code == 2, (command, result.stderr)
        assert f"{bad}:{line}:" in result.stderr and said in result.stderr, result.stderr


def test_a_missing_lock_is_a_usage_error(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("lock", "--check", str(tmp_path / "nope.lock"))
    assert result.exit_code == 2 and "no such lock file" in result.stderr
