"""Discovery and every YAML file a user or a repository supplies are read with bounds: a hostile file is a
reported problem (an `unverifiable` finding in the audit), never a hang, a crash of the whole discovery or a
silent skip; a repository's manifest cannot make modelclear read (and echo) files outside it; alias bombs
are refused wherever YAML is read."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.discover import discover
from scanner.errors import UsageError
from scanner.policy import load_policy
from scanner.waivers import load_waivers
from scanner.yamlfiles import MAX_YAML_CHARS, compose_documents, safe_load
from tests.conftest import HUB_ROOT

GOOD = 'm = AutoModel.from_pretrained("chain/model-gguf")\n'
SECRET_LINE = "root-secret-content:x:0:0:do-not-echo"


def bomb(levels: int = 12, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def within(seconds: float, work: Callable[[], Any]) -> Any:
    """Run ``work`` in a thread; a liveness bound, not a timing assertion: an unbounded read never returns."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "did not return: an unbounded read or expansion"
    if failure:
        raise failure[0]
    return result[0]


def problems_of(root: Path) -> dict[str, str]:
    found = within(120, lambda: discover(root))
    return {problem.file: problem.reason for problem in found.problems}


def test_a_pathological_expression_is_a_problem_and_discovery_goes_on(tmp_path: Path) -> None:
    (tmp_path / "deep.py").write_text("y = " + "-" * 20000 + "1\n")
    (tmp_path / "nested.py").write_text("y = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    (tmp_path / "deep.json").write_text('{"model": ' * 5000 + '"org/x"' + "}" * 5000)
    (tmp_path / "deep.yaml").write_text("[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "app.py").write_text(GOOD)
    found = within(120, lambda: discover(tmp_path))
    assert [r.id for r in found.references] == ["chain/model-gguf"]
    reasons = {problem.file: problem.reason for problem in found.problems}
    assert set(reasons) == {"deep.py", "nested.py", "deep.json", "deep.yaml"}
    assert all(reason.startswith("not parsed") for reason in reasons.values())


def test_symlinks_out_of_the_tree_and_special_files_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text('AutoModel.from_pretrained("org/outside")\n')
    root = tmp_path / "repo"
    root.mkdir()
    (root / "app.py").symlink_to("/dev/zero")
    (root / "config.yaml").symlink_to(outside)
    (root / "leak.py").symlink_to("../outside.py")
    (root / "dangling.py").symlink_to("missing.py")
    os.mkfifo(root / "pipe.py")
    (root / "real.py").write_text(GOOD)
    (root / "inside.py").symlink_to("real.py")  # inside the repository: read
    found = within(60, lambda: discover(root))
    assert {(r.id, r.file) for r in found.references} == {("chain/model-gguf", "real.py"),
                                                          ("chain/model-gguf", "inside.py")}
    reasons = {problem.file: problem.reason for problem in found.problems}
    assert set(reasons) == {"app.py", "config.yaml", "leak.py", "dangling.py", "pipe.py"}
    assert "outside the repository" in reasons["leak.py"] and "outside the repository" in reasons["app.py"]
    assert "not a regular file" in reasons["pipe.py"]


def test_a_file_over_the_limit_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text(GOOD + "#" * (1024 * 1024 + 1) + "\n")
    (tmp_path / "big.json").write_text(json.dumps({"model": "org/big", "pad": "x" * (1024 * 1024)}))
    reasons = problems_of(tmp_path)
    assert set(reasons) == {"big.py", "big.json"} and all("exceed" in r for r in reasons.values())


def test_the_audit_reports_every_file_it_did_not_read(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "app.py").write_text(GOOD)
    (tmp_path / "big.py").write_text('AutoModel.from_pretrained("org/hidden")\n' + "#" * (1024 * 1024 + 1))
    (tmp_path / "deep.py").write_text("y = " + "-" * 20000 + "1\n")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    result = within(300, lambda: run_cli("audit", "--mirror", str(HUB_ROOT), "--discover", str(tmp_path),
                                         "--format", "json"))
    assert result.exit_code == 3, result.stderr
    doc = result.json()
    unread = {f["model"]: f for f in doc["findings"] if f["rule"] == "unverifiable"}
    assert set(unread) == {"big.py", "deep.py", "zero.py"}
    assert all(f["severity"] == "error" and f["evidence"]["file"] == f["model"] for f in unread.values())
    assert "not audited" in unread["big.py"]["message"]
    assert doc["verdict"] == "fail"  # chain/model-gguf alone passes; what was not read does not
    sarif = json.loads(run_cli("audit", "--mirror", str(HUB_ROOT), "--discover", str(tmp_path),
                               "--format", "sarif").stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"] if r["ruleId"] == "unverifiable"}
    assert uris == {"big.py", "deep.py", "zero.py"}
    listed = run_cli("discover", str(tmp_path))
    assert "big.py" in listed.stderr and "not read" in listed.stderr


@pytest.mark.parametrize("manifest", [
    "waivers: ../../../../../../etc/passwd\n", "waivers: /etc/passwd\n", "waivers: ../secret.yml\n",
    "waivers: link.yml\n", "policy: ../secret.yml\n", "policy: /etc/passwd\n", "policy: link.yml\n",
    "policy: inner.yml\n",  # inside, but it extends a file outside
])
def test_manifest_paths_stay_inside_the_repository(run_cli, tmp_path: Path, manifest: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "secret.yml").write_text(f"{SECRET_LINE}\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "app.py").write_text(GOOD)
    (root / "link.yml").symlink_to(tmp_path / "secret.yml")
    (root / "inner.yml").write_text("name: inner\nextends: ../secret.yml\n")
    (root / ".modelclear.yml").write_text(manifest)
    result = run_cli("audit", "--mirror", str(HUB_ROOT), "--discover", str(root))
    assert result.exit_code == 2, result.stderr
    assert "outside the repository" in result.stderr
    assert SECRET_LINE not in result.stderr + result.stdout and "root:x:0:0" not in result.stderr


def test_manifest_paths_inside_the_repository_still_apply(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "app.py").write_text(GOOD)
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "team.yml").write_text("name: team\nextends: commercial\n")
    (tmp_path / "waivers.yml").write_text("waivers: []\n")
    (tmp_path / ".modelclear.yml").write_text("policy: policies/team.yml\nwaivers: ./waivers.yml\n")
    doc = run_cli("audit", "--mirror", str(HUB_ROOT), "--discover", str(tmp_path), "--format", "json").json()
    assert doc["policy"]["name"] == "team"


# -- YAML: one bounded loader everywhere ------------------------------------------------------------------
def test_alias_bombs_are_refused_by_the_loader() -> None:
    import yaml

    for text in (bomb(), bomb(levels=30, width=2), "a: &a [*a]\n"):
        with pytest.raises(yaml.YAMLError):
            within(60, lambda text=text: compose_documents(text))
    with pytest.raises(yaml.YAMLError):
        safe_load("x" * (MAX_YAML_CHARS + 1))
    shared = "base: &b {model: org/a, lr: 1}\nrun1: *b\nrun2: *b\n"  # ordinary anchors still load
    assert safe_load(shared)[0]["run2"] == {"model": "org/a", "lr": 1}
    many = "- a\n" * 200_000  # more nodes than the alias bound alone, but no aliases: it loads
    assert len(safe_load(many)[0]) == 200_000


def test_alias_bombs_in_repo_yaml_are_problems(tmp_path: Path) -> None:
    (tmp_path / "train.yaml").write_text(bomb() + "model: *a11\n")
    (tmp_path / "app.py").write_text(GOOD)
    reasons = problems_of(tmp_path)
    assert set(reasons) == {"train.yaml"}
    (tmp_path / ".modelclear.yml").write_text(bomb() + "models: *a11\n")
    assert set(problems_of(tmp_path)) == {"train.yaml", ".modelclear.yml"}


def test_alias_bombs_in_policies_and_waivers_are_usage_errors(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("name: bomb\n" + bomb() + "licenses: *a11\n")
    with pytest.raises(UsageError, match="alias"):
        within(60, lambda: load_policy(str(policy)))
    waivers = tmp_path / "waivers.yml"
    waivers.write_text(bomb() + "waivers: *a11\n")
    with pytest.raises(UsageError, match="alias"):
        within(60, lambda: load_waivers(waivers))


def test_policy_and_waivers_files_are_read_with_bounds(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a regular file"):
        within(30, lambda: load_waivers(Path("/dev/zero")))
    fifo = tmp_path / "fifo.yml"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match=r"fifo\.yml"):  # not a policy file: refused, never opened
        within(30, lambda: load_policy(str(fifo)))
    huge = tmp_path / "huge.yml"
    huge.write_text("name: x\ndescription: '" + "x" * (MAX_YAML_CHARS + 1) + "'\n")
    with pytest.raises(UsageError, match="exceed"):
        load_policy(str(huge))


def test_schema_errors_quote_values_short(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yml"
    waivers.write_text("waivers: '" + SECRET_LINE * 2000 + "'\n")
    with pytest.raises(UsageError) as caught:
        load_waivers(waivers)
    assert len(str(caught.value)) < 400 and str(caught.value).count(SECRET_LINE) <= 2
    policy = tmp_path / "policy.yml"
    policy.write_text("name: p\nlicenses: {default: '" + "y" * 100_000 + "'}\n")
    with pytest.raises(UsageError) as caught_policy:
        load_policy(str(policy))
    assert len(str(caught_policy.value)) < 400


def test_a_symlinked_directory_is_named_not_skipped(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "load.py").write_text('AutoModel.from_pretrained("org/hidden")\n')
    (repo / "vendor").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (repo / "loop").symlink_to(repo, target_is_directory=True)
    found = discover(repo)
    assert {p.file for p in found.problems} >= {"vendor", "loop"}
    assert all("symbolic link to a directory" in p.reason for p in found.problems if p.file in ("vendor", "loop"))
