"""Card front matter: real cards from the corpus and every bad shape seen in the wild."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from scanner.card import MAX_FRONT_MATTER_CHARS, card_from_metadata, parse_card
from scanner.models import CardInfo
from tests.conftest import HUB_ROOT


def read(repo: str) -> str:
    return (HUB_ROOT / repo / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("repo", "licenses", "license_name", "base_models"),
    [
        ("bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", ("llama3.1",), None, ("meta-llama/Meta-Llama-3.1-8B-Instruct",)),
        ("google/gemma-3-1b-it-qat-q4_0-gguf", ("gemma",), None, ("google/gemma-3-1b-it",)),
        ("01-ai/Yi-34B", ("other",), "yi-license", ()),
        ("bartowski/Mistral-Large-Instruct-2407-GGUF", ("other",), "mrl", ("mistralai/Mistral-Large-Instruct-2407",)),
        ("microsoft/phi-4-gguf", ("mit",), None, ()),
        ("mmnga/aibuncho-japanese-novel-gpt-j-6b-gguf", ("openrail",), None, ()),
    ],
)
def test_real_cards_parse(repo: str, licenses: tuple[str, ...], license_name: str | None,
                          base_models: tuple[str, ...]) -> None:
    card = parse_card(read(repo))
    assert card.has_front_matter
    assert card.licenses == licenses
    assert card.license_name == license_name
    assert card.base_models == base_models
    assert card.problems == ()
    assert card.field_lines["license"] >= 2


def test_real_card_keeps_gated_prompt_and_datasets() -> None:
    gemma = parse_card(read("google/gemma-3-1b-it-qat-q4_0-gguf"))
    assert gemma.extra_gated_prompt is not None and "Google’s usage license" in gemma.extra_gated_prompt
    xlam = parse_card(read("Salesforce/xLAM-2-3b-fc-r-gguf"))
    assert "Salesforce/APIGen-MT-5k" in xlam.datasets


def test_crlf_and_bom() -> None:
    card = parse_card(read("cards/crlf-bom"))
    assert card.licenses == ("llama3.1",)
    assert card.base_models == ("meta-llama/Llama-3.1-8B-Instruct",)
    assert card.datasets == ("HuggingFaceH4/ultrachat_200k",)
    assert card.field_lines["license"] == 2
    assert card.problems == ()


def test_license_and_base_model_lists() -> None:
    card = parse_card(read("cards/license-list"))
    assert card.licenses == ("apache-2.0", "cc-by-4.0")
    assert card.base_models == ("org/base-a", "org/base-b")
    assert card.base_model_relation == "merge"


def test_no_front_matter_and_no_readme() -> None:
    card = parse_card(read("cards/no-front-matter"))
    assert not card.has_front_matter
    assert "no YAML front matter" in card.problems[0].message
    assert "No metadata" in card.body
    assert "no README.md" in parse_card(None).problems[0].message


def test_broken_yaml_reports_line() -> None:
    card = parse_card(read("cards/broken-yaml"))
    assert not card.has_front_matter
    problem, hidden = card.problems
    assert "not valid YAML" in problem.message
    assert problem.line is not None and 2 <= problem.line <= 5
    # It names a base model we could not read: the lineage is unresolved, not merely a card defect.
    assert hidden.rule == "lineage-unresolved" and hidden.field == "base_model"


def test_unterminated_and_non_mapping() -> None:
    assert "never closed" in parse_card(read("cards/unterminated")).problems[0].message
    assert "not a mapping" in parse_card(read("cards/scalar-front-matter")).problems[0].message


def test_wrong_types_are_dropped_and_reported() -> None:
    card = parse_card(read("cards/wrong-types"))
    assert card.has_front_matter
    assert card.licenses == ()
    assert card.license_name is None
    assert card.base_models == ("org/base",)  # {id: org/name} is how some cards write it: followed
    assert card.datasets == ("ok/dataset",)
    assert card.base_model_relation is None
    fields = {problem.field for problem in card.problems}
    assert fields == {"license", "license_name", "datasets", "base_model_relation"}
    assert all(problem.line for problem in card.problems)


def test_unsafe_yaml_tags_are_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"---\nlicense: !!python/object/apply:os.system ['touch {marker}']\n---\n"
    card = parse_card(text)
    assert not marker.exists()
    assert "not valid YAML" in card.problems[0].message


def test_alias_bomb_returns_quickly() -> None:
    lines = ["---", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]"
              for i in range(1, 12)]
    lines += ["license: *a11", "base_model: *a11", "datasets: *a11", "---"]
    result: list[CardInfo] = []
    worker = threading.Thread(target=lambda: result.append(parse_card("\n".join(lines))), daemon=True)
    worker.start()
    worker.join(timeout=300)  # a liveness bound, not a timing assertion: a naive expansion would never return
    (card,) = result
    assert card.licenses == ()
    assert card.problems


def test_oversized_front_matter_is_refused() -> None:
    text = "---\nlicense: mit\ndescription: '" + "x" * (MAX_FRONT_MATTER_CHARS + 10) + "'\n---\n"
    card = parse_card(text)
    assert not card.has_front_matter
    assert "exceeds" in card.problems[0].message


def test_card_from_api_metadata() -> None:
    card = card_from_metadata({"license": "gemma", "base_model": ["google/gemma-3-1b-it"], "tags": ["x"]})
    assert card.licenses == ("gemma",) and card.base_models == ("google/gemma-3-1b-it",)
    assert not card_from_metadata(None).has_front_matter


def test_hub_url_base_model_is_normalised() -> None:
    card = parse_card("---\nbase_model: https://huggingface.co/org/base\n---\n")
    assert card.base_models == ("org/base",)


def test_impossible_date_in_front_matter_is_a_card_problem() -> None:
    card = parse_card("---\nlicense: mit\nlast_modified: 2024-02-30\n---\n")
    assert not card.has_front_matter and card.problems
