"""Hostile repos against the audit itself (issue 11): leaks through symlinks and caches, lineage hidden by
the way a card writes its base model, cards too large to read, ill-typed cache entries, absurd context.

Each test would fail without its fix: a secret reaching a report, a laundered fine-tune passing, a crash.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.cachefiles import check_trusted
from scanner.cli import cli
from scanner.errors import UsageError
from scanner.identify import Detector, TextDetection
from scanner.models import RepoRef, Status
from scanner.sources import LocalDirSource, MirrorSource
from tests.conftest import HUB_ROOT, LICENSES

SECRET = "hf_SeCrEtTokenThatMustNeverAppear0123456789"
LLAMA2 = "meta-llama/Llama-2-7b-hf"


def audit(*args: str) -> tuple[int, dict[str, Any], str]:
    """Run the CLI in-process with no network (mirror and local targets only)."""
    result = CliRunner().invoke(cli, ["audit", "--format", "json", *args], catch_exceptions=False,
                                env={"HF_HUB_OFFLINE": "1"})
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}, result.stderr


def rules_of(doc: dict[str, Any], model: str | None = None) -> set[str]:
    return {f["rule"] for f in doc["findings"] if model is None or f["model"] == model}


# -- leaks ---------------------------------------------------------------------------------------------
@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    outside = tmp_path / "home" / ".cache" / "huggingface"
    outside.mkdir(parents=True)
    token = outside / "token"
    token.write_text(f"{SECRET}\n")
    return token


@pytest.mark.parametrize("linked", ["LICENSE", "README.md", "NOTICE"])
def test_a_symlink_out_of_a_checkout_is_never_read(tmp_path: Path, secret_file: Path, linked: str) -> None:
    repo = tmp_path / "checkout"
    repo.mkdir()
    if linked != "README.md":
        (repo / "README.md").write_text("---\nlicense: apache-2.0\n---\n# m\n")
    (repo / linked).symlink_to(secret_file)
    for fmt in ("json", "sarif", "html", "markdown", "text"):
        result = CliRunner().invoke(cli, ["audit", "--format", fmt, str(repo)], catch_exceptions=False)
        assert SECRET not in result.stdout and SECRET not in result.stderr, fmt
    code, doc, _ = audit(str(repo))
    refused = [f for f in doc["findings"] if f["rule"] == "unverifiable" and linked in f["message"]]
    assert refused and "symbolic link to a file outside the repository" in refused[0]["message"]
    assert code == 3  # an unread license-bearing file is never a pass


def test_a_symlink_out_of_a_mirror_repo_is_refused_and_one_inside_is_read(tmp_path: Path, secret_file: Path
                                                                        ) -> None:
    repo = tmp_path / "mirror" / "org" / "m"
    repo.mkdir(parents=True)
    (repo / "README.md").write_text("---\nlicense: apache-2.0\n---\n")
    (repo / "LICENSE.txt").write_text((HUB_ROOT / LLAMA2 / "LICENSE.txt").read_text())
    (repo / "LICENSE").symlink_to("LICENSE.txt")  # inside the repo: a normal checkout convenience
    (repo / "NOTICE").symlink_to(os.path.relpath("/etc/passwd", repo))
    fetched = MirrorSource(tmp_path / "mirror").fetch(RepoRef("org/m"))
    by_name = {f.path: f for f in fetched.files}
    assert by_name["LICENSE"].text == by_name["LICENSE.txt"].text is not None
    assert by_name["NOTICE"].text is None and "outside the repository" in (by_name["NOTICE"].note or "")
    assert any(p.file == "NOTICE" for p in fetched.problems)


def test_a_fifo_or_device_is_not_read(tmp_path: Path) -> None:
    repo = tmp_path / "checkout"
    repo.mkdir()
    (repo / "README.md").write_text("---\nlicense: mit\n---\n")
    os.mkfifo(repo / "LICENSE")  # opening it for reading would block forever
    fetched = LocalDirSource().fetch(RepoRef(str(repo), local_path=str(repo)))
    assert fetched.file("LICENSE") is not None and fetched.file("LICENSE").text is None  # type: ignore[union-attr]
    assert any("not a regular file" in p.message for p in fetched.problems)


def test_a_cache_others_can_write_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    index = root / "scancode-index" / "index-x.pickle"
    index.parent.mkdir(parents=True)
    index.write_bytes(b"not loaded")
    root.chmod(0o700)
    index.parent.chmod(0o700)
    check_trusted(index, root)  # ours, private: fine
    index.parent.chmod(0o777)
    with pytest.raises(UsageError, match="writable by other users"):
        check_trusted(index, root)
    index.parent.chmod(0o700)
    index.chmod(0o666)
    with pytest.raises(UsageError, match="writable by other users"):
        check_trusted(index, root)
    index.chmod(0o600)
    if os.getuid() == 0:  # only root can hand a file to another user
        os.chown(index, 65534, 65534)
        with pytest.raises(UsageError, match="owned by another user"):
            check_trusted(index, root)


def test_the_index_loader_refuses_an_untrusted_pickle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner import scancode_index

    marker = tmp_path / "pwned"
    root = tmp_path / "cache"
    monkeypatch.setenv("MODELCLEAR_CACHE", str(root))
    path = scancode_index.index_path()
    path.parent.mkdir(parents=True)
    import pickle

    class Exploit:
        def __reduce__(self) -> Any:
            return (Path.touch, (marker,))

    path.write_bytes(pickle.dumps(Exploit()))
    path.chmod(0o666)
    with pytest.raises(UsageError):
        scancode_index._load(path)
    assert not marker.exists()


# -- lineage hidden by its spelling --------------------------------------------------------------------
@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    shutil.copytree(HUB_ROOT / LLAMA2, root / LLAMA2, ignore=shutil.ignore_patterns("_fixture.yml"))
    return root


def fine_tune(mirror: Path, name: str, base_model_yaml: str) -> str:
    repo = mirror / "hostile" / name
    repo.mkdir(parents=True)
    (repo / "README.md").write_text(f"---\nlicense: apache-2.0\nbase_model: {base_model_yaml}\n---\n# ft\n")
    (repo / "LICENSE").write_text((LICENSES / "apache-2.0-internlm.txt").read_text())
    return f"hostile/{name}"


@pytest.mark.parametrize("written", [
    f"{LLAMA2}.", f"huggingface.co/{LLAMA2}", f"{{id: {LLAMA2}}}", f"{LLAMA2}@main",
    f"https://huggingface.co/{LLAMA2}/tree/main", f"'`{LLAMA2}`'", f"[{{model: {LLAMA2}}}]",
    f"https://www.huggingface.co/{LLAMA2}", f"hf.co/{LLAMA2},", f"'{LLAMA2} '",
])
def test_a_base_written_loosely_is_still_followed(mirror: Path, written: str) -> None:
    target = fine_tune(mirror, "ft", written)
    code, doc, _ = audit("--mirror", str(mirror), target)
    assert LLAMA2 in {m["id"] for m in doc["models"]}
    assert "lineage-conflict" in rules_of(doc, target)
    assert code == 3


@pytest.mark.parametrize("written", ["./checkpoints/llama", "42", "[[a, b]]", "'the Llama 2 model'",
                                     "{weights: somewhere}", "datasets/org/data"])
def test_a_base_that_cannot_be_read_is_unresolved_never_ignored(mirror: Path, written: str) -> None:
    target = fine_tune(mirror, "ft", written)
    code, doc, _ = audit("--mirror", str(mirror), target)
    unresolved = [f for f in doc["findings"] if f["rule"] == "lineage-unresolved" and f["model"] == target]
    assert unresolved and unresolved[0]["severity"] == "error"
    assert code == 3


def test_unparsable_front_matter_that_names_a_base_is_unresolved(mirror: Path) -> None:
    repo = mirror / "hostile" / "broken"
    repo.mkdir(parents=True)
    (repo / "README.md").write_text(f"---\nlicense: apache-2.0\nbase_model: {LLAMA2}\ntags: [a, b\n---\n")
    code, doc, _ = audit("--mirror", str(mirror), "hostile/broken")
    assert {"card-invalid", "lineage-unresolved"} <= rules_of(doc, "hostile/broken")
    assert code == 3


def test_a_huge_readme_still_yields_its_front_matter(mirror: Path) -> None:
    repo = mirror / "hostile" / "huge"
    repo.mkdir(parents=True)
    padding = ("Lorem ipsum dolor sit amet. " * 40 + "\n") * 1500  # ~1.7 MB of prose after the metadata
    (repo / "README.md").write_text(f"---\nlicense: apache-2.0\nbase_model: {LLAMA2}\n---\n# huge\n{padding}")
    code, doc, _ = audit("--mirror", str(mirror), "hostile/huge")
    target = next(m for m in doc["models"] if m["id"] == "hostile/huge")
    assert target["parents"] == [{"id": LLAMA2, "relation": "unknown"}] or target["parents"][0]["id"] == LLAMA2
    assert "lineage-conflict" in rules_of(doc, "hostile/huge")
    assert any("only its first" in f["message"] for f in doc["findings"] if f["model"] == "hostile/huge")
    assert code == 3


def test_front_matter_too_large_to_read_is_unverifiable(tmp_path: Path) -> None:
    repo = tmp_path / "checkout"
    repo.mkdir()
    filler = "x" * (600 * 1024)
    (repo / "README.md").write_text(f"---\nlicense: apache-2.0\nbase_model: {LLAMA2}\nnote: '{filler}'\n---\n")
    code, doc, _ = audit(str(repo))
    unverifiable = [f for f in doc["findings"] if f["rule"] == "unverifiable" and "front matter" in f["message"]]
    assert unverifiable and unverifiable[0]["severity"] == "error"
    assert code == 3


# -- cache entries anyone could have edited ------------------------------------------------------------
@pytest.mark.parametrize("tamper", [
    lambda m: m.update(start_line="1"), lambda m: m.update(score="high"), lambda m: m.update(end_line=10**9),
    lambda m: m.pop("key"), lambda m: m.update(extra=1), lambda m: m.update(kind="evil"),
    lambda m: m.update(start_line=True),
])
def test_an_ill_typed_detection_cache_entry_is_recomputed(tmp_path: Path, tamper: Any) -> None:
    text = (HUB_ROOT / LLAMA2 / "LICENSE.txt").read_text() + "\nA line that makes this text unseen.\n"
    detector = Detector(cache_dir=tmp_path)
    first = detector.detect(text)
    assert first.matches and detector.stats["scancode"] == 1
    cache_file = detector._cache_file(text)
    assert cache_file is not None and cache_file.is_file()
    data = json.loads(cache_file.read_text())
    tamper(data["matches"][0])
    cache_file.write_text(json.dumps(data))
    again = detector.detect(text)
    assert again.matches == first.matches and detector.stats["scancode"] == 2 and detector.stats["cache"] == 0


def test_detection_json_round_trips() -> None:
    from dataclasses import fields

    from scanner.identify import _MATCH_TYPES, TextMatch

    assert set(_MATCH_TYPES) == {f.name for f in fields(TextMatch)}
    with pytest.raises(ValueError):
        TextDetection.from_json([], "cache")


def test_status_of_refused_files_is_ok_but_reported(tmp_path: Path) -> None:
    repo = tmp_path / "checkout"
    repo.mkdir()
    (repo / "README.md").write_text("---\nlicense: mit\n---\n")
    (repo / "LICENSE").symlink_to("/etc/passwd")
    fetched = LocalDirSource().fetch(RepoRef(str(repo), local_path=str(repo)))
    assert fetched.status is Status.OK
    assert [p.file for p in fetched.problems] == ["LICENSE"]


# -- stalls ----------------------------------------------------------------------------------------------
def finishes(call: Any, within: float) -> Any:
    """Run ``call`` in a thread and return its result; a liveness bound (a hang would exceed it many times
    over), not a timing assertion."""
    import threading

    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(timeout=within)
    assert result, f"did not finish within {within} s"
    return result[0]


REPETITIVE = "license licensed licensor copyright permission warranty grant redistribution notice terms "


def test_scancode_has_a_deadline_per_text() -> None:
    from dataclasses import replace

    from scanner.identify import IdentifySettings

    detector = Detector(settings=replace(IdentifySettings.load(), deadline_seconds=0.5))
    text = (REPETITIVE * 800)[: 64 * 1024]
    detection = finishes(lambda: detector.detect(text), within=120)
    assert not detection.matches and detection.unidentified
    assert detection.note and "deadline" in detection.note


def test_a_repetitive_license_file_is_unknown_with_the_reason(tmp_path: Path) -> None:
    repo = tmp_path / "checkout"
    repo.mkdir()
    (repo / "README.md").write_text("---\nlicense: mit\n---\n")
    (repo / "LICENSE").write_text(("MIT License Apache License GPL " * 3000)[: 64 * 1024])
    code, doc, _ = finishes(lambda: audit("--no-cache", str(repo)), within=150)  # was 199 s at 64 KiB
    assert code in (0, 3) and doc["models"][0]["status"] == "ok"


def test_clause_extraction_of_a_megabyte_of_short_sentences_is_bounded() -> None:
    from scanner.clauses import engine

    text = "You may use it. Licensee shall not use the outputs to train other models. " * 14000
    clauses = finishes(lambda: engine().extract(text, "LICENSE"), within=30)  # was ~60 s
    assert [c.kind for c in clauses] == ["output-restriction"]


def test_cyclic_fan_out_is_bounded_by_distinct_licenses(tmp_path: Path) -> None:
    """300 repos that each cite three others (one big cycle): inherited licenses are one entry per distinct
    key, not one per ancestor (that grew the JSON quadratically: 309 MB for 1,000 repos)."""
    count, keys = 300, ["apache-2.0", "mit", "llama2", "cc-by-nc-4.0", "bsd-3-clause"]
    for i in range(count):
        repo = tmp_path / "mirror" / "fan" / f"m{i}"
        repo.mkdir(parents=True)
        bases = "\n".join(f"- fan/m{j % count}" for j in (i + 1, i + 7, i * 13 + 5))
        (repo / "README.md").write_text(f"---\nlicense: {keys[i % len(keys)]}\nbase_model:\n{bases}\n---\n")
    code, doc, _ = finishes(lambda: audit("--mirror", str(tmp_path / "mirror"), "--max-nodes", "1000", "--depth",
                                          "50", "fan/m0"), within=300)
    assert len(doc["models"]) == count and code == 3
    for model in doc["models"]:
        inherited = [hit for hit in model["licenses"] if hit["source"] == "inherited"]
        assert len(inherited) == len({hit["key"] for hit in inherited}) <= len(keys)
    laundering = [f for f in doc["findings"] if f["rule"] == "lineage-conflict"]
    assert laundering and len(laundering) <= count * len(keys)


@pytest.mark.parametrize("config", ['{"base_model_name_or_path": "/home/me/llama-2-7b"}', '{"peft_type": "LORA"}',
                                    "not json {"])
def test_an_adapter_whose_base_cannot_be_followed_is_unresolved(mirror: Path, config: str) -> None:
    repo = mirror / "hostile" / "lora"
    repo.mkdir(parents=True)
    (repo / "README.md").write_text("---\nlicense: apache-2.0\n---\n# a LoRA\n")
    (repo / "adapter_config.json").write_text(config)
    code, doc, _ = audit("--mirror", str(mirror), "hostile/lora")
    unresolved = [f for f in doc["findings"] if f["rule"] == "lineage-unresolved" and f["model"] == "hostile/lora"]
    assert unresolved and "adapter" in unresolved[0]["message"] and code == 3


def test_an_adapter_with_a_local_base_path_and_a_card_base_is_followed(mirror: Path) -> None:
    repo = mirror / "hostile" / "lora"
    repo.mkdir(parents=True)
    (repo / "README.md").write_text(f"---\nlicense: apache-2.0\nbase_model: {LLAMA2}\n---\n")
    (repo / "adapter_config.json").write_text('{"base_model_name_or_path": "/home/me/llama-2-7b"}')
    _, doc, _ = audit("--mirror", str(mirror), "hostile/lora")
    assert LLAMA2 in {m["id"] for m in doc["models"]}
    assert "lineage-unresolved" not in rules_of(doc, "hostile/lora")
    assert "lineage-conflict" in rules_of(doc, "hostile/lora")


def test_the_index_is_not_built_into_a_folder_others_can_write(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused before the minute of building, not only when the next run loads what was saved there."""
    from scanner import scancode_index

    root = tmp_path / "cache"
    monkeypatch.setenv("MODELCLEAR_CACHE", str(root))
    folder = scancode_index.index_path().parent
    folder.mkdir(parents=True)
    root.chmod(0o700)
    folder.chmod(0o777)
    built: list[bool] = []
    monkeypatch.setattr(scancode_index, "_LOADED", None)
    monkeypatch.setattr(scancode_index, "_build", lambda: built.append(True))
    with pytest.raises(UsageError, match="writable by other users"):
        scancode_index.get_license_cache()
    assert built == []
