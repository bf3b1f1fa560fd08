"""The clause prefilter (scanner.prefilter) is sound: a pattern that matches a sentence is always among
the candidates; and its literals are read off the pattern, not guessed."""

from __future__ import annotations

from pathlib import Path

from scanner.clauses import engine, sentences
from scanner.prefilter import Prefilter, required_atoms

CORPUS = Path(__file__).parent / "corpus" / "texts"
FIXTURE_LICENSES = Path(__file__).parent / "fixtures" / "licenses"


def test_atoms_are_what_every_match_must_contain() -> None:
    assert required_atoms(r"(?i)\bnon-?commercial\b") == (frozenset({"non"}), frozenset({"commercial"}))
    assert required_atoms(r"(?i)\b(?:grants?|licen[cs]e)\b") == (frozenset({"grant", "licence", "license"}),)
    # a sequence needs every part: both words, each an atom set of its own
    assert required_atoms(r"(?i)\bmay\s+not\b(?:[^.]){0,40}?\btrain\b") == (
        frozenset({"may"}), frozenset({"not"}), frozenset({"train"}))
    assert required_atoms(r"(?i)\b(?:商业|商用)用途") == (frozenset({"商业用途", "商用用途"}),)
    # an optional part or a branch without a literal proves nothing
    assert required_atoms(r"(?:foo)?\d+") is None
    assert required_atoms(r"(?:foo|\d+)") is None
    assert required_atoms(r"\p{Han}+") is None  # syntax the stdlib parser does not read: always searched


def test_a_pattern_without_atoms_is_always_a_candidate() -> None:
    prefilter = Prefilter([r"\d+", r"(?i)\bfoo\b", r"(?i)bar\s+baz"])
    assert prefilter.candidates("nothing here") == [0]
    assert prefilter.candidates("FOO and Bar  baz") == [0, 1, 2]
    assert prefilter.candidates("bar alone") == [0]  # baz missing: pattern 2 cannot match


def test_no_match_is_ever_filtered_out_on_real_texts() -> None:
    """Every pattern against a sample of real sentences, English and Chinese: the prefilter may let
    through patterns that do not match, never drop one that does."""
    shipped = engine()
    owners = [pattern for rule in shipped.rules for pattern in rule.patterns]
    prefilter = Prefilter([pattern.pattern for pattern in owners])
    texts = sorted(CORPUS.glob("*.txt")) + sorted(FIXTURE_LICENSES.glob("*.txt"))
    sample = [s.normalized for path in texts for s in sentences(path.read_text(encoding="utf-8"))][::6]
    assert len(sample) > 800
    matched = 0
    for sentence in sample:
        candidates = set(prefilter.candidates(sentence))
        for index, pattern in enumerate(owners):
            if pattern.search(sentence):
                matched += 1
                assert index in candidates, (pattern.pattern, sentence)
    assert matched > 100
