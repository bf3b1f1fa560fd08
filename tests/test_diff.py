"""`modelclear diff OLD NEW`: two revisions of 01-ai/Yi-34B (Yi license -> Apache-2.0), locks or refs, audited
for real through the client against the fixture Hub's history."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import HUB_ROOT
from tests.test_lock import YI, YI_APACHE, YI_MAIN, write_lock

OLD, NEW, SAME = f"{YI}@2023-11-15", f"{YI}@2024-05-30", f"{YI}@2023-12-05"
CLAUSE_KEYS = {"kind", "value", "license", "file", "start_line", "end_line", "quote"}


def test_diff_json_has_the_issue_shape(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("diff", OLD, NEW, "--format", "json")
    assert result.exit_code == 0, result.stderr  # like git diff: a difference is not a failure
    doc = result.json()
    assert doc["schema_version"] == "1" and doc["changed"] is True
    (model,) = doc["models"]
    assert {"id", "from", "to", "licenses", "clauses"} <= set(model)
    assert model["id"] == YI
    assert model["from"] == {"revision": YI_MAIN, "licenses": ["yi-community-license-2.1"]}
    assert model["to"] == {"revision": YI_APACHE, "licenses": ["apache-2.0"]}
    assert model["licenses"] == {"added": ["apache-2.0"], "removed": ["yi-community-license-2.1"]}
    clauses = model["clauses"]
    assert set(clauses) == {"added", "removed", "changed"}
    assert [c["kind"] for c in clauses["added"]] == ["patent-grant", "patent-termination"]
    assert [c["kind"] for c in clauses["removed"]] == ["use-restrictions", "attribution", "registration",
                                                       "governing-law"]
    assert [(c["kind"], c["from"]["license"], c["to"]["license"]) for c in clauses["changed"]] == \
        [("notice", "yi-community-license-2.1", "apache-2.0")]
    old_text = (HUB_ROOT / YI / "LICENSE").read_text(encoding="utf-8")
    new_text = (HUB_ROOT / YI / "revisions" / "2024-05-30" / "LICENSE").read_text(encoding="utf-8")
    for clause in clauses["added"] + [c["to"] for c in clauses["changed"]]:
        assert CLAUSE_KEYS <= set(clause) and clause["quote"] in new_text
    for clause in clauses["removed"] + [c["from"] for c in clauses["changed"]]:
        assert CLAUSE_KEYS <= set(clause) and clause["quote"] in old_text
    governing = next(c for c in clauses["removed"] if c["kind"] == "governing-law")
    assert governing["value"] == {"jurisdiction": "mainland of the People's Republic of China"}
    assert [t["file"] for t in model["texts"]] == ["LICENSE"]


def test_exit_code_says_whether_licensing_differs(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("diff", OLD, NEW, "--exit-code").exit_code == 3
    same = run_cli("diff", OLD, SAME, "--exit-code", "--format", "json")
    assert same.exit_code == 0, same.stderr  # a new revision with the same terms is no licensing difference
    (model,) = same.json()["models"]
    assert model["from"]["revision"] != model["to"]["revision"]
    assert model["licenses"] == {"added": [], "removed": []}
    assert model["clauses"] == {"added": [], "removed": [], "changed": []} and model["changed"] is False


def test_diff_compares_lock_files_and_refs_alike(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old_lock, new_lock = tmp_path / "old.lock", tmp_path / "new.lock"
    write_lock(run_cli, old_lock, OLD)
    write_lock(run_cli, new_lock, NEW)
    from_refs = run_cli("diff", OLD, NEW, "--format", "json").json()
    for old, new in ((old_lock, new_lock), (old_lock, NEW), (OLD, new_lock)):
        doc = run_cli("diff", str(old), str(new), "--format", "json").json()
        assert doc["models"] == from_refs["models"]
    assert run_cli("diff", str(old_lock), str(old_lock), "--exit-code").exit_code == 0


def test_text_and_markdown_reports(run_cli) -> None:  # type: ignore[no-untyped-def]
    text = run_cli("diff", OLD, NEW).stdout
    assert f"{YI}  {YI_MAIN[:12]} -> {YI_APACHE[:12]}  (licensing changed)" in text
    assert "  - license yi-community-license-2.1" in text and "  + license apache-2.0" in text
    assert "  + clause patent-grant (apache-2.0)" in text and "not legal advice" in text
    markdown = run_cli("diff", OLD, NEW, "--format", "markdown").stdout
    assert markdown.startswith("## modelclear: license diff")
    assert "| ➖ removed | license yi\\-community\\-license\\-2\\.1 |" in markdown
    assert "| ➕ added | license apache\\-2\\.0 |" in markdown
    assert "https://" not in markdown and "@01" not in markdown  # repo text stays inert (no autolinks)


def test_bad_refs_are_usage_errors(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("diff", "not a ref", NEW).exit_code == 2
    missing = run_cli("diff", str(tmp_path / "missing.lock"), NEW)
    assert missing.exit_code == 2 and "no such lock file" in missing.stderr
    assert run_cli("diff", OLD, NEW, "--revision", "main").exit_code == 2
