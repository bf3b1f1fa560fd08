"""Clause extraction scored on the whole corpus, both halves of the fixed split (tests/corpus/SPLIT.yml), in
English and Chinese; the tables are printed at the end of every run. Plus the language readers it rests on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.clauses import engine, parse_number, sentences
from scanner.cli import cli
from scanner.lang import currencies, jurisdiction_english, parse_chinese_number
from tests.clause_corpus import KINDS, halves, judge, load_split, load_truths, table, totals
from tests.conftest import REPORTS

TRUTHS = load_truths()


@pytest.fixture(scope="module")
def results() -> dict[str, list]:  # type: ignore[type-arg]
    return halves()


def test_corpus_tables_for_both_halves(results: dict[str, list]) -> None:  # type: ignore[type-arg]
    for name, outcomes in results.items():
        REPORTS.append(table(outcomes, f"clause extraction, {name} half" if "," not in name else
                             f"clause extraction, {name}"))
    assert set(results) >= {"dev", "test"}
    assert all(outcomes for outcomes in results.values())


def test_the_texts_of_shared_corpus_stay_right() -> None:
    """The 48 texts of ../shared/corpus (both halves): recall and precision at least 0.98."""
    outcomes = judge([t for name, t in TRUTHS.items() if name.startswith("fixtures/")])
    recall, precision = totals(outcomes)
    assert recall >= 0.98 and precision >= 0.98, table(outcomes, "shared corpus")
    for kind in {o.kind for o in outcomes}:
        assert totals(outcomes, kind)[0] >= 0.95, table(outcomes, f"shared corpus, {kind}")


def test_split_is_fixed_and_complete() -> None:
    split = load_split()
    assert set(split) == set(TRUTHS)
    assert {half for half in split.values()} == {"dev", "test"}
    chinese = [name for name, truth in TRUTHS.items() if truth.language != "en"]
    assert len(chinese) >= 8 and {split[name] for name in chinese} == {"dev", "test"}


@pytest.mark.parametrize("name", sorted(n for n in TRUTHS if n.startswith("corpus/")))
def test_new_truth_files_are_complete_and_quotes_exact(name: str) -> None:
    """Every ground-truth file states all 16 kinds, and every quote the scanner gives is verbatim at its lines."""
    import yaml

    stem = Path(name).stem
    data = yaml.safe_load((Path(__file__).parent / "corpus" / "truth" / f"{stem}.yml").read_text(encoding="utf-8"))
    assert sorted(data["kinds"]) == sorted(KINDS)
    text = TRUTHS[name].path.read_text(encoding="utf-8")
    lines = text.split("\n")
    for clause in engine().extract(text, name):
        window = "\n".join(lines[clause.start_line - 1: clause.end_line])
        assert clause.quote in window, (clause.kind, clause.start_line)


# -- the language readers --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "number"), [
    ("二千万", 20_000_000), ("10万", 100_000), ("1亿", 100_000_000), ("1.5亿", 150_000_000),
    ("1,000万", 10_000_000), ("三亿", 300_000_000), ("一百万", 1_000_000), ("二亿五千万", 250_000_000),
    ("十万", 100_000), ("一百零一", 101), ("3000万", 30_000_000), ("abc", None),
])
def test_chinese_numbers(text: str, number: int | None) -> None:
    assert parse_chinese_number(text) == number
    if number is not None:
        assert parse_number(text) == number


@pytest.mark.parametrize(("text", "chinese", "code"), [
    ("人民币", True, "CNY"), ("RMB", False, "CNY"), ("元", True, "CNY"), ("US$", False, "USD"),
    ("¥", True, "CNY"), ("¥", False, "JPY"), ("HK$", False, "HKD"), ("CHF", False, "CHF"),
    ("pounds sterling", False, "GBP"), ("€", False, "EUR"), ("美元", True, "USD"), ("S$", False, "SGD"),
])
def test_currencies_are_data(text: str, chinese: bool, code: str) -> None:
    assert currencies().code(text, chinese=chinese) == code


@pytest.mark.parametrize(("name", "english"), [
    ("中华人民共和国", "People's Republic of China"), ("中华人民共和国香港特别行政区", "Hong Kong SAR"),
    ("中华人民共和国大陆地区", "People's Republic of China"), ("新加坡", "Singapore"),
    ("the State of California", "State of California"), ("대한민국", "Republic of Korea"),
])
def test_jurisdictions_are_data(name: str, english: str) -> None:
    assert jurisdiction_english(name) == english


def test_chinese_sentences_end_at_their_punctuation() -> None:
    text = "第一条 许可。本协议适用于所有用户；您不得将本模型用于商业用途！是否同意？\n一、定义\n（一）材料"
    pieces = [s.text for s in sentences(text)]
    assert pieces == ["第一条 许可。", "本协议适用于所有用户；", "您不得将本模型用于商业用途！", "是否同意？",
                      "一、定义", "（一）材料"]


def test_bilingual_governing_law_is_one_clause_with_both_names() -> None:
    text = ("本协议受中华人民共和国法律管辖。\n\nThis Agreement shall be governed by the laws of the People's "
            "Republic of China.\n")
    found = [c for c in engine().extract(text, "LICENSE") if c.kind == "governing-law"]
    assert len(found) == 1
    value = found[0].value or {}
    assert "中华人民共和国" in str(value.get("jurisdiction")) or value.get("jurisdiction_en")


# -- modelclear clauses ------------------------------------------------------------------------------------
def test_clauses_command_json_and_exit_codes(tmp_path: Path) -> None:
    license_file = tmp_path / "LICENSE"
    license_file.write_text("ACME MODEL LICENSE\n\nYou may use the Model only for non-commercial research "
                            "purposes. If your products have more than 250 million monthly active users, you "
                            "must request a license from Acme.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["clauses", "--format", "json", "--no-cache", str(license_file)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    (entry,) = doc["files"]
    kinds = {c["kind"]: c for c in entry["clauses"]}
    assert kinds["user-threshold"]["value"]["limit"] == 250_000_000
    assert "non-commercial" in kinds
    for clause in entry["clauses"]:
        assert set(clause) >= {"kind", "value", "license", "file", "start_line", "end_line", "quote"}
        lines = license_file.read_text().split("\n")[clause["start_line"] - 1: clause["end_line"]]
        assert clause["quote"] in "\n".join(lines)
    missing = CliRunner().invoke(cli, ["clauses", str(license_file), str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "not read" in missing.stdout and "non-commercial" in missing.stdout
    assert not re.search(r"\x1b", missing.stdout)


# -- remembered clauses ------------------------------------------------------------------------------------
# A text the shipped table of known clauses does not hold (written for the corpus, not a vendor's).
UNSHIPPED = "corpus/texts/written-lumen-forge-open-model-license.txt"


def test_clauses_are_remembered_per_text_and_on_disk(tmp_path: Path) -> None:
    from scanner.clauses import ClauseMemo

    text = TRUTHS[UNSHIPPED].path.read_text(encoding="utf-8")
    first = ClauseMemo(cache_dir=tmp_path)
    fresh = first.extract(text, "LICENSE")
    again = first.extract(text, "other/LICENSE")
    assert first.stats == {"memory": 1, "disk": 0, "extracted": 1}
    assert [c.file for c in again] == ["other/LICENSE"] * len(again)
    assert [(c.kind, c.value, c.start_line, c.quote) for c in again] == \
        [(c.kind, c.value, c.start_line, c.quote) for c in fresh]
    second = ClauseMemo(cache_dir=tmp_path)
    assert second.extract(text, "LICENSE") == fresh and second.stats["disk"] == 1


@pytest.mark.parametrize("tamper", ['[{"kind": "non-commercial"}]', "not json", '[{"kind": "naming", "value": {}, '
                                    '"start_line": 1, "end_line": 1, "quote": "not in the text", "rule": null}]'])
def test_a_tampered_clause_entry_is_recomputed(tmp_path: Path, tamper: str) -> None:
    from scanner.clauses import ClauseMemo

    text = TRUTHS[UNSHIPPED].path.read_text(encoding="utf-8")
    truth = ClauseMemo(cache_dir=tmp_path).extract(text, "LICENSE")
    for entry in (tmp_path / "clauses").rglob("*.json"):
        entry.write_text(tamper)
    memo = ClauseMemo(cache_dir=tmp_path)
    assert memo.extract(text, "LICENSE") == truth and memo.stats["extracted"] == 1


def test_a_known_text_compiles_no_rules_even_with_an_empty_cache(tmp_path: Path) -> None:
    """The engine (RE2 compilation, most of an audit's time) is never built for texts the shipped table
    knows, not even on a fresh machine: the bundled example's Llama 3.1 LICENSE and policy are known."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "MODELCLEAR_CACHE": str(tmp_path)}
    code = ("import sys; from scanner.cli import cli; from scanner import clauses; "
            "sys.argv = ['modelclear', 'audit', '--mirror', 'examples/mirror', '--format', 'json', '-o', "
            f"{str(tmp_path / 'out.json')!r}, 'bartowski/Meta-Llama-3.1-8B-Instruct-GGUF']\n"
            "try:\n    cli(standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "print(clauses.engine.cache_info().currsize)")
    root = Path(__file__).parent.parent
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root,
                           timeout=300).stdout.split()[-1] for _ in range(2)]
    assert runs == ["0", "0"]


def test_the_shipped_table_of_known_clauses_is_current() -> None:
    """rules/known-clauses.json must be rebuilt when the rules or the engine change; a stale table is ignored
    (correct but slow), so this test is what keeps it fast."""
    from scanner.clauses import known_clauses

    assert known_clauses(), "rules/known-clauses.json is stale: run python tools/build_clause_table.py"
    text = TRUTHS["fixtures/licenses/llama3.1-community-license.txt"].path.read_text(encoding="utf-8")
    from scanner.clauses import ClauseMemo

    memo = ClauseMemo(cache_dir=None)
    shipped, fresh = memo.extract(text, "LICENSE"), engine().extract(text, "LICENSE")
    assert shipped == fresh and memo.stats["disk"] == 1
    # Values keep the engine's key order (reports print them in that order).
    assert [json.dumps(c.value) for c in shipped] == [json.dumps(c.value) for c in fresh]


def test_every_truth_file_passes_the_checker() -> None:
    """The ground truth itself is checked: 16 kinds, documented values, quotes verbatim at their lines."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_truth", Path(__file__).parent.parent / "tools/check_truth.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    nodes = sorted((Path(__file__).parent / "corpus" / "truth").glob("*.yml"))
    assert nodes and [p for node in nodes for p in module.check_file(node)] == []
