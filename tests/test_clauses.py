"""Clause extraction on real license texts (against FACTS.md) and on texts written here."""

from __future__ import annotations

import textwrap
import threading
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.clauses import engine, parse_number, sentences
from scanner.models import Clause
from tests.conftest import LICENSES

TRUTH: dict[str, dict[str, Any]] = yaml.safe_load((LICENSES / "CLAUSES.yml").read_text(encoding="utf-8"))
RESTRICTIVE = {kind for kind, info in engine().kinds.items() if info.restrictive}


def extract(text: str, name: str = "LICENSE") -> list[Clause]:
    return engine().extract(text, name)


def test_every_corpus_text_has_clause_truth() -> None:
    assert set(TRUTH) == {p.name for p in LICENSES.glob("*.txt")}


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_quotes_are_exact_and_lines_are_right(name: str) -> None:
    text = (LICENSES / name).read_text(encoding="utf-8")
    lines = text.split("\n")
    for clause in extract(text, name):
        assert clause.quote in text
        cited = "\n".join(lines[clause.start_line - 1: clause.end_line])
        assert clause.quote in cited, (clause.kind, clause.start_line, clause.end_line)


def scancode_text(key: str) -> str:
    raw = files("licensedcode").joinpath("data").joinpath("licenses").joinpath(f"{key}.LICENSE").read_text()
    return raw.split("\n---\n", 1)[1]


@pytest.mark.parametrize("text_name", ["apache-2.0-internlm.txt", "mit", "bsd-new", "isc", "cc-by-4.0"])
def test_permissive_texts_carry_no_restriction(text_name: str) -> None:
    text = (LICENSES / text_name).read_text(encoding="utf-8") if text_name.endswith(".txt") \
        else scancode_text(text_name)
    kinds = {c.kind for c in extract(text)}
    allowed = {"notice", "patent-grant", "patent-termination", "attribution"} if text_name == "cc-by-4.0" \
        else {"notice", "patent-grant", "patent-termination"}
    assert kinds <= allowed, kinds - allowed


def test_apache_patent_clauses_are_told_apart() -> None:
    text = (LICENSES / "apache-2.0-internlm.txt").read_text(encoding="utf-8")
    by_kind = {c.kind: c for c in extract(text)}
    assert "patent license to make" in by_kind["patent-grant"].quote
    assert "institute patent litigation" in by_kind["patent-termination"].quote


ACME = """\
ACME FOUNDATION MODEL LICENSE, VERSION 2.3

1. Grant. Acme Robotics Inc. grants you a license to use the Acme Model for commercial and
non-commercial purposes, subject to the conditions below.

2. Scale. If the products or services you offer have more than 250 million monthly active users,
you must obtain a separate license from Acme before using the Acme Model.

3. Naming. Any model you fine-tune from the Acme Model must be released under a name beginning
with 'Acme'.

4. Display. You shall prominently display "Made with Acme" on a related website or in the product
documentation.

5. Revenue. Companies with annual revenue exceeding US$5,000,000 must buy an enterprise license.

6. Outputs. You will not use the outputs of the Acme Model to train any competing language model.

7. Governing law. This License is governed by the laws of the Province of Ontario, without regard to
conflict of laws principles.
"""


def values(text: str) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for clause in extract(text):
        result.setdefault(clause.kind, []).append(dict(clause.value or {}))
    return result


def test_unseen_license_values_are_read_from_the_text() -> None:
    found = values(ACME)
    assert found["user-threshold"] == [{"limit": 250_000_000, "metric": "monthly_active_users",
                                        "comparison": "above"}]
    assert found["naming"] == [{"prefix": "Acme"}]
    assert found["attribution"] == [{"text": "Made with Acme"}]
    assert found["revenue-threshold"] == [{"limit": 5_000_000, "currency": "USD", "period": "annual",
                                           "comparison": "above"}]
    assert "Province of Ontario" in found["governing-law"][0]["jurisdiction"]
    assert "output-restriction" in found
    assert "non-commercial" not in found  # "for commercial and non-commercial purposes"


def test_wrapping_and_clause_order_do_not_matter() -> None:
    paragraphs = ACME.split("\n\n")
    shuffled = "\n\n".join([paragraphs[0], *reversed(paragraphs[1:])])
    narrow = "\n\n".join(textwrap.fill(" ".join(p.split()), 38) for p in shuffled.split("\n\n"))
    assert values(narrow) == values(ACME)


@pytest.mark.parametrize(
    ("sentence", "limit", "metric"),
    [
        ("Licensees whose services exceed 1 million DAU must request permission.", 1_000_000, "daily_active_users"),
        ("If your platform has more than 100,000,000 monthly active users you need a license.", 100_000_000,
         "monthly_active_users"),
        ("Services with greater than two hundred fifty million monthly active users need a separate license.",
         250_000_000, "monthly_active_users"),
        ("A daily active user count (DAU) of less than 3.5 million qualifies for free use.", 3_500_000,
         "daily_active_users"),
        ("Products with over 50M monthly active users require a license.", 50_000_000, "monthly_active_users"),
        # the count in figures and words, users qualified by more than one word
        ("This licence does not extend to a service with more than 40 000 (forty thousand) registered end users.",
         40_000, "registered_users"),
    ],
)
def test_user_thresholds_in_words_and_digits(sentence: str, limit: int, metric: str) -> None:
    (value,) = values(sentence)["user-threshold"]
    assert (value["limit"], value["metric"]) == (limit, metric)


@pytest.mark.parametrize(
    ("sentence", "limit", "currency", "period"),
    [
        ("Entities with more than €10 million in annual revenue must obtain a commercial license.", 10_000_000,
         "EUR", "annual"),
        ("If you generate more than 20 million US dollars in monthly revenue, display the logo.", 20_000_000,
         "USD", "monthly"),
        ("Annual revenue of less than USD 250,000 qualifies for the community tier.", 250_000, "USD", "annual"),
        # the comparison before the revenue word, the amount after it
        ("You need a commercial licence if your group exceeds the yearly turnover of forty million Swiss francs "
         "(CHF 40,000,000).", 40_000_000, "CHF", "annual"),
        # a short code against its figures, and the period said as a completed financial year
        ("Free use ends where your turnover exceeded GBP12m in your latest completed financial year.", 12_000_000,
         "GBP", "annual"),
        ("The community tier is not licensed to an entity whose turnover exceeds R75 million.", 75_000_000, "ZAR",
         None),
        # a Chinese period before an earlier 收入 (a heading's) that the match starts at
        ("收入上限 若贵方在最近一个会计年度的销售收入超过港币3,000万元，须另行取得授权。", 30_000_000, "HKD", "annual"),
    ],
)
def test_revenue_thresholds(sentence: str, limit: int, currency: str, period: str | None) -> None:
    (value,) = values(sentence)["revenue-threshold"]
    assert (value["limit"], value["currency"], value["period"]) == (limit, currency, period)


@pytest.mark.parametrize(
    ("sentence", "jurisdiction"),
    [
        ("This Agreement shall be governed by the laws of England and Wales.", "England and Wales"),
        ("This agreement is governed by and construed in accordance with the laws of the Republic of Singapore, "
         "excluding its conflict of laws rules.", "Republic of Singapore"),
        ("It will be governed and construed under PRC laws.", "People's Republic of China (PRC)"),
    ],
)
def test_governing_law_variants(sentence: str, jurisdiction: str) -> None:
    assert values(sentence)["governing-law"] == [{"jurisdiction": jurisdiction}]


@pytest.mark.parametrize(
    "sentence",
    [
        "You may use the Model for commercial and non-commercial purposes.",
        "Use for commercial or non-commercial purposes is permitted.",
        "THE SOFTWARE IS PROVIDED AS IS, WITHOUT WARRANTY OF ANY KIND, INCLUDING FITNESS FOR A PARTICULAR PURPOSE.",
        "In no event shall the authors be liable for any claim, damages or other liability.",
    ],
)
def test_permissions_and_disclaimers_are_not_restrictions(sentence: str) -> None:
    assert not {c.kind for c in extract(sentence)} & RESTRICTIVE


@pytest.mark.parametrize(
    "sentence",
    [
        "The Model is licensed solely for non-commercial research purposes.",
        "You may not use the Model for any commercial purposes.",
        "Commercial use is strictly prohibited without a separate agreement.",
    ],
)
def test_non_commercial_phrasings(sentence: str) -> None:
    assert "non-commercial" in {c.kind for c in extract(sentence)}


def test_territory_exclusion_in_an_unseen_text() -> None:
    text = ("The licenses granted herein are not being granted to you if you are an individual domiciled in, or a "
            "company with a principal place of business in, Canada or Brazil.")
    assert values(text)["territory"] == [{"excluded": ["Canada", "Brazil"]}]


@pytest.mark.parametrize(("text", "number"), [("700 million", 700_000_000), ("100,000,000", 100_000_000),
                                              ("1 million", 1_000_000), ("1.5 billion", 1_500_000_000),
                                              ("5M", 5_000_000), ("ten thousand", 10_000), ("nope", None)])
def test_parse_number(text: str, number: int | None) -> None:
    assert parse_number(text) == number


def test_sentences_keep_line_spans_and_abbreviations() -> None:
    text = "First line, e.g. an example\ncontinues here. Second sentence.\n\n- item one\n- item two"
    spans = [(s.start_line, s.end_line, s.text) for s in sentences(text)]
    assert spans[0] == (1, 2, "First line, e.g. an example\ncontinues here.")
    assert spans[1] == (2, 2, "Second sentence.")
    assert (4, 4, "- item one") in spans and (5, 5, "- item two") in spans


@pytest.mark.parametrize("hostile", [
    "a" * 2_000_000,
    ("more than " * 200_000) + "users",
    ('"' * 500_000) + "display " + ('"x' * 100_000),
    "governed by the laws of " + "x, " * 300_000,
    ("(" * 100_000) + "military " * 50_000,
    "\n".join("- more than 1 million" for _ in range(100_000)),
])
def test_hostile_text_still_returns(hostile: str) -> None:
    result: list[list[Clause]] = []
    worker = threading.Thread(target=lambda: result.append(extract(hostile)), daemon=True)
    worker.start()
    worker.join(timeout=300)  # a liveness bound, not a timing assertion: backtracking would never return
    assert result, "clause extraction did not return on hostile text"


def test_every_shipped_pattern_compiles_and_kind_files_are_complete() -> None:
    run = engine()
    expected = {"non-commercial", "user-threshold", "revenue-threshold", "attribution", "naming", "notice",
                "output-restriction", "use-restrictions", "restriction-passthrough", "patent-grant",
                "patent-termination", "registration", "governing-law", "territory", "share-alike",
                "no-derivatives"}
    assert set(run.kinds) == expected
    assert all(rule.patterns for rule in run.rules)


def test_reference_text_cited_as_license_key(tmp_path: Path) -> None:
    from scanner.scancode_index import reference_text

    text = reference_text("llama-3.1-license-2024")
    assert text is not None and text.startswith("LLAMA 3.1 COMMUNITY LICENSE AGREEMENT")
    found = values(text)
    assert found["user-threshold"][0]["limit"] == 700_000_000
    assert found["naming"] == [{"prefix": "Llama"}]
    assert {"text": "Built with Llama"} in found["attribution"]
    assert reference_text("../../etc/passwd") is None


def test_an_item_that_ends_with_a_colon_opens_a_lead_in_within_its_parents() -> None:
    """A numbered heading that is itself a condition ("3. If you distribute them:") introduces its bullets even
    under an earlier lead-in of another marker style; a sibling item closes it again."""
    text = textwrap.dedent("""\
        b. Restrictions:
        \t• You may not use the Materials to break the law.
        3. If you distribute the Materials, derivatives or products incorporating them:
        \t• Include this Agreement.
        \t• Display the model's name on the box.
        4. Ownership:
        \t• Include this Agreement in your thoughts.
        """)
    notices = [c for c in engine().extract(text, "LICENSE") if c.kind == "notice"]
    assert [(c.start_line, c.quote) for c in notices] == [(4, "• Include this Agreement.")]
