"""Which of many regular expressions can match a text, found with one pass over literal words.

Every clause pattern needs some literal to occur in any text it matches: ``\\bnon-?commercial\\b`` needs
"commercial", ``(?:grants?|licen[cs]e)\\b...`` needs "grant" or "licen". Those required literals ("atoms", as
RE2's FilteredRE2 calls them) are read off each pattern's parse tree; one RE2 Set of all atoms, a set of
plain strings whose automaton stays small, says in one linear pass which atoms a sentence holds, and only the
patterns with an atom there are searched. It is sound by construction (a pattern whose atoms cannot be read
is always searched) and an order of magnitude cheaper than one Set of the ~300 patterns themselves, whose
DFA outgrows its cache on every new text (0.4-1 ms a sentence, against ~0.005 ms here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import re2

try:  # the standard library's regex parser: RE2's syntax is, for these patterns, a subset of it
    import re._constants as _c
    import re._parser as _parser
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c
    import sre_parse as _parser

MAX_SPELLINGS = 16  # spellings of one literal run, before a class ends it
_REPEATS = tuple(op for op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)) if op)


def required_atoms(pattern: str) -> tuple[frozenset[str], ...] | None:
    """Sets of lower-cased literals such that every match of ``pattern`` holds (lower-cased) at least one
    literal of each set: one set per part of the pattern's top-level sequence that needs one. None when no
    set can be read (then the pattern must always be searched)."""
    try:
        tree = _parser.parse(pattern)
    except Exception:  # syntax the stdlib parser does not take (RE2-only classes, inline flags mid-pattern)
        return None
    items = list(tree)
    if len(items) == 1 and items[0][0] is _c.SUBPATTERN:  # a pattern wrapped in one group: its sequence
        items = list(items[0][1][-1])
    needed = tuple(dict.fromkeys(c for c in _parts(items) if c and all(c)))
    return needed or None


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective requirement of a sequence: the longest shortest atom, then the fewest atoms."""
    usable = [c for c in candidates if c and all(c)]
    return max(usable, key=lambda c: (min(len(a) for a in c), -len(c))) if usable else None


def _sequence(items: Sequence[tuple[Any, Any]]) -> frozenset[str] | None:
    """Every item of a sequence must match, so any one item's requirement is the sequence's."""
    return _best(_parts(items))


def _parts(items: Sequence[tuple[Any, Any]]) -> list[frozenset[str]]:
    """What each item of a sequence needs; runs of literal characters are atoms of their own (zero-width
    assertions like \\b do not break a run)."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []  # the spellings of the literal run so far ("licen[cs]e": licence, license)

    def end_run() -> None:
        if run and run[0]:
            candidates.append(frozenset(spelling.lower() for spelling in run))
        run.clear()

    for op, argument in items:
        if op is _c.LITERAL:
            run[:] = [spelling + chr(argument) for spelling in run or [""]]
            continue
        if op is _c.AT:
            continue
        letters = _letters(op, argument)
        if letters and len(run or [""]) * len(letters) <= MAX_SPELLINGS:
            run[:] = [spelling + letter for spelling in run or [""] for letter in letters]
            continue
        end_run()
        needed = _node(op, argument)
        if needed is not None:
            candidates.append(needed)
    end_run()
    return candidates


def _letters(op: Any, argument: Any) -> list[str] | None:
    """The characters a small class of plain characters stands for ([cs], 业|用 once factored), else None."""
    if op is not _c.IN or not argument or len(argument) > MAX_SPELLINGS:
        return None
    if any(kind is not _c.LITERAL for kind, _ in argument):
        return None
    return [chr(code) for _, code in argument]


def _node(op: Any, argument: Any) -> frozenset[str] | None:
    if op is _c.SUBPATTERN:
        return _sequence(list(argument[-1]))
    if op is _c.BRANCH:  # any branch may match: the union of what each needs, if every branch needs one
        union: set[str] = set()
        for branch in argument[1]:
            needed = _sequence(list(branch))
            if needed is None:
                return None
            union |= needed
        return frozenset(union)
    if op in _REPEATS:
        low, _, item = argument
        return _sequence(list(item)) if low >= 1 else None
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(list(argument))
    return None  # a class, any character, a back reference: no literal is certain


class Prefilter:
    """Built once over patterns (each with an owner, e.g. the rule it belongs to); ``candidates`` gives the
    indices of the patterns that can match a text, in their order."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.always: list[int] = []
        atoms: dict[str, int] = {}
        # pattern -> the atom sets it needs (each as atom indices); atom -> patterns whose first set has it
        self._needs: dict[int, list[frozenset[int]]] = {}
        self._wanted_by: list[list[int]] = []
        for index, pattern in enumerate(patterns):
            needed = required_atoms(pattern)
            if needed is None:
                self.always.append(index)
                continue
            sets = []
            for group in needed:
                for atom in group:
                    if atom not in atoms:
                        atoms[atom] = len(atoms)
                        self._wanted_by.append([])
                sets.append(frozenset(atoms[atom] for atom in group))
            sets.sort(key=len)
            self._needs[index] = sets
            for atom_index in sets[0]:
                self._wanted_by[atom_index].append(index)
        self.atoms = tuple(atoms)
        self._set: Any = None
        if atoms:
            options = re2.Options()
            options.max_mem = 32 << 20
            self._set = re2.Set.SearchSet(options)
            for atom in self.atoms:
                self._set.Add(re2.escape(atom))
            self._set.Compile()

    def candidates(self, text: str) -> list[int]:
        found = set(self.always)
        matched = self._set.Match(text.lower()) if self._set is not None else None
        if not matched:
            return sorted(found)
        hits = set(matched)
        needs, wanted_by = self._needs, self._wanted_by
        for hit in matched:
            for index in wanted_by[hit]:
                if index in found:
                    continue
                for group in needs[index]:
                    if group.isdisjoint(hits):
                        break
                else:
                    found.add(index)
        return sorted(found)
