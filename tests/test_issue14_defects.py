"""The three defects issue 14 names, each pinned by a test of what a user sees."""

from __future__ import annotations

from pathlib import Path

from scanner.clauses import engine
from tests.conftest import REPO_ROOT

EXAMPLES = REPO_ROOT / "examples" / "mirror"


def test_output_into_a_missing_folder_creates_it(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """-o out/report.html into a folder that does not exist was an internal error (exit 1): the folders are
    made, for one format and for several (-o BASE)."""
    page = tmp_path / "out" / "deeper" / "report.html"
    result = run_cli("audit", "--mirror", str(EXAMPLES), "--format", "html", "-o", str(page), "01-ai/Yi-34B")
    assert result.exit_code == 0, result.stderr
    assert "internal error" not in result.stderr and page.read_text(encoding="utf-8").startswith("<!doctype html>")
    base = tmp_path / "several" / "report"
    result = run_cli("audit", "--mirror", str(EXAMPLES), "--format", "json", "--format", "sarif", "-o", str(base),
                     "01-ai/Yi-34B")
    assert result.exit_code == 0 and (tmp_path / "several" / "report.sarif").is_file()


def test_output_that_cannot_be_written_is_a_usage_error(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A file where the folder should be: exit 2 naming the path, never 'internal error'."""
    (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    target = tmp_path / "blocker" / "report.html"
    result = run_cli("audit", "--mirror", str(EXAMPLES), "--format", "html", "-o", str(target), "01-ai/Yi-34B")
    assert result.exit_code == 2, result.stderr
    assert "cannot write html report to" in result.stderr and "internal error" not in result.stderr


def test_attribution_without_a_quoted_text_reads_as_a_sentence(run_cli) -> None:  # type: ignore[no-untyped-def]
    """01-ai/Yi-34B's license asks for attribution without quoting the words: no dangling 'displayed: '."""
    info = engine().kinds["attribution"]
    assert info.describe({"text": "Built with Llama"}) == "an attribution must be displayed: Built with Llama"
    assert info.describe(None) == "an attribution must be displayed"
    assert info.describe({}) == "an attribution must be displayed"
    revenue = engine().kinds["revenue-threshold"].describe({"limit": 1000000, "period": "annual"})
    assert "  " not in revenue and revenue.endswith("annual revenue")
    doc = run_cli("audit", "--mirror", str(EXAMPLES), "--format", "json", "01-ai/Yi-34B").json()
    messages = [f["message"] for f in doc["findings"] if f["rule"] == "attribution-required"]
    assert messages == ["yi-community-license-2.1: an attribution must be displayed"]


def test_gguf_quantization_is_quantized_from_its_card(run_cli) -> None:  # type: ignore[no-untyped-def]
    """The mirror holds no weight files (and the card no gguf tag), but the card's quantized_by says what
    the repo is; through the fixture Hub, the API's siblings (.gguf files) and baseModels say it too."""
    for args in (("--mirror", str(EXAMPLES)), ()):
        doc = run_cli("audit", *args, "--format", "json", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF").json()
        target = next(m for m in doc["models"] if m["role"] == "target")
        assert target["parents"] == [{"id": "meta-llama/Meta-Llama-3.1-8B-Instruct", "relation": "quantized"}], args


def test_quantization_tags_and_files_infer_quantized(tmp_path: Path) -> None:
    """Each piece of evidence alone suffices (a tag, quantized_by, a listed .gguf); none of them: unknown."""
    from scanner.card import parse_card
    from scanner.lineage import declared_parents
    from scanner.models import FetchedRepo, RepoRef, Status

    def relation(front: str, listed: tuple[str, ...] = ()) -> str:
        card = parse_card(f"---\nbase_model: org/base\n{front}---\n")
        repo = FetchedRepo(RepoRef("org/q"), Status.OK, "test", listed_files=listed)
        return declared_parents(card, repo)[0].relation.value

    assert relation("tags: [gguf]\n") == "quantized"
    assert relation("tags: [Quantized, llama]\n") == "quantized"
    assert relation("quantized_by: someone\n") == "quantized"
    assert relation("", ("README.md", "model-Q4_K_M.gguf")) == "quantized"
    assert relation("tags: [llama]\n") == "unknown"
    assert relation("tags: [gguf]\nbase_model_relation: finetune\n") == "finetune"  # explicit wins
    assert relation("") == "unknown"
