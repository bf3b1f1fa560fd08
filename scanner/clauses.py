"""Clause extraction: what a license demands, read from its text by rules in rules/clauses/ (DESIGN section 4).

The engine knows no license. Each rules/clauses/<kind>.yml holds RE2 patterns (linear time: hostile text
cannot stall it), negative patterns, and the name of a value parser; values (thresholds, prefixes,
jurisdictions) are read from the matched words, so an unseen license saying "250 million monthly active
users" yields 250000000. Text is split into sentences with their line span; patterns run on a normalised
copy (straight quotes, folded whitespace), and the evidence quote is the sentence exactly as the file has it.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import re2

from scanner import lang, prefilter
from scanner.cachefiles import write_atomic
from scanner.errors import ResourceError
from scanner.lang import (
    currencies,
    is_chinese,
    is_english,
    joined_place_names,
    jurisdiction_english,
    parse_chinese_number,
    place_names,
)
from scanner.models import CARD_FILE, CardInfo, Clause, FetchedRepo, LicenseHit, RepoFile
from scanner.prefilter import Prefilter
from scanner.resources import data_folder, load_yaml, read_text

MAX_SENTENCE_CHARS = 4000
MAX_TEXT_CHARS = 2_000_000
MAX_DEFINED_TERMS = 32  # defined terms rewritten per text: each is one more RE2 search per sentence
_MACRO = re.compile(r"<<([A-Z_]+)>>")
_ABBREVIATIONS = frozenset({"e.g", "i.e", "inc", "ltd", "co", "corp", "no", "sec", "v", "vs", "u.s", "etc", "st",
                            "mr", "ms", "dr", "art", "para", "cf", "approx", "llc", "s.a", "n.v", "gmbh"})
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
                         "\u00a0": " ", "\u2009": " ", "\u202f": " "})
_LIST_ITEM = re.compile(r"^\s{0,8}(?:[-*•]\s|\d{1,3}[.)]\s|\d{1,3}(?:\.\d{1,3}){1,3}\.?\s|\(?[a-z]{1,3}\)\s"
                        r"|[A-Z][.)]\s|#{1,6}\s"
                        r"|第[一二三四五六七八九十百零\d]{1,5}[条章节款]|[一二三四五六七八九十]{1,3}[、.．]"
                        r"|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,3}[、．]"
                        r"|[a-z]\.\s|[（(][ivxlcIVXLC]{1,5}[）)]|\d{1,3}\.[\u4e00-\u9fff])")
# Markdown emphasis left after "**" is gone: "*must not*", "***only***" (an asterisk at a word's edge, not a
# footnote mark standing alone or a multiplication between figures).
_EMPHASIS = re.compile(r"(?<![\w*])\*+(?=\w)|(?<=[\w.,;:!?)])\*+(?![\w*])")
# A numbered list marker alone at the start of a line ("    1.  AlphaFold ..."): its dot ends no sentence.
_MARKER_BEFORE = re.compile(r"\s{0,12}(?:\d{1,3}(?:\.\d{1,3}){0,3}|[ivxlc]{1,5}|[IVXLC]{1,5})")
_ITEM_MARK = re.compile(r"^\s{0,8}(?:[a-z]{1,2}[.)]|\(?[ivxlc]{1,5}[.)]|\(\d{1,3}\)|\d{1,3}[.)])\s")
# Chinese sentences end at these whatever follows; closing quotes and brackets stay with the sentence.
_ZH_ENDS = frozenset("。；！？")
_ZH_CLOSERS = "”’」』）》】"


@dataclass(frozen=True)
class ClauseRule:
    id: str
    kind: str
    patterns: tuple[Any, ...]
    negatives: tuple[Any, ...]
    value: str | None
    requires: tuple[Any, ...] = ()  # at least one must also match the sentence (a condition, a duty word)
    # A rule that yields no clause: where it matches, the text says the opposite of its kind somewhere (a
    # commercial grant to whoever registers undoes a research-only sentence), so the kind is dropped for the
    # whole text.
    cancels: bool = False


@dataclass(frozen=True)
class KindInfo:
    kind: str
    finding: str | None
    restrictive: bool
    aliases: Mapping[str, str]
    message: str
    value: str | None = None  # the value parser of the kind, for its rules in every language

    def describe(self, value: Mapping[str, Any] | None) -> str:
        """The kind's message template filled with the clause's value (rules/clauses/<kind>.yml)."""
        fields: dict[str, Any] = {"naming": "", "text": "", "excluded": "", "jurisdiction": "", "limit": 0,
                                  "metric": "users", "currency": "", "period": ""}
        for key, item in (value or {}).items():
            fields[key] = ", ".join(item) if isinstance(item, list) else item
        if value and "prefix" in value:
            fields["naming"] = f'names must begin with "{value["prefix"]}"'
        elif value and "includes" in value:
            fields["naming"] = f'names must include "{value["includes"]}"'
        fields["metric"] = str(fields["metric"]).replace("_", " ")
        fields["period"] = fields["period"] or "yearly or monthly"
        try:
            text = self.message.format(**fields)
        except (KeyError, ValueError, IndexError):
            return self.message
        # A value the text does not give (an attribution with no quoted words, a threshold without a
        # currency) leaves a dangling ": " or a double space: the sentence must still read as one.
        return " ".join(text.split()).rstrip(" :")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    start_line: int
    end_line: int
    text: str  # exactly as in the source
    normalized: str


# -- defined terms ------------------------------------------------------------------------------------------
# A license often limits its grant through a defined term: '"Permitted Purpose" means research or evaluation
# purposes only' ... 'distribute the Model only for the Permitted Purpose'. The patterns read words, so before
# they run, a sentence that uses a term the definitions make non-commercial, commercial or an excluded
# territory reads, in the normalised copy the rules see, with what the term stands for (the quote stays the
# file's sentence). All patterns here are RE2 (linear time).
_DEFINITION = re2.compile(
    r'"(?P<term>[A-Za-z][\w\- ]{1,58}[\w])"(?:\s*\((?:or\s+)?"[^"]{1,60}"\))?(?:\s*,)?\s+'
    r'(?i:means|shall\s+mean|will\s+mean|refers\s+to|shall\s+refer\s+to|is\s+defined\s+as|denotes|includes only)\b'
    r'(?P<body>[^"]{0,600})')
# The same without quotes, as a definitions list often has it ("Restricted Countries means Cuba, Iran ...";
# "**Permitted Purpose** means ..." once markdown is gone): a term of two to five capitalised words opening the
# sentence (one word, "You", "Model", would rewrite the whole text on a guess).
_UNQUOTED_DEFINITION = re2.compile(
    r'^(?:[\w.()]{1,6}\s+)?(?P<term>[A-Z][\w\-]*(?: [A-Z][\w\-]*){1,4})(?:\s*,)?\s+'
    r'(?i:means|shall\s+mean|will\s+mean|refers\s+to|shall\s+refer\s+to|is\s+defined\s+as|denotes)\b'
    r'(?P<body>[^"]{0,600})')
_NC_BODY = re2.compile(
    r'(?i)\b(?:not|never)\s+(?:\w+\s+){0,2}?(?:directed|aimed|intended|meant|carried\s+out|undertaken|conducted|done)\s+'
    r'(?:at|to|towards?|for|with\s+a\s+view\s+to)\b(?:[^.]|\.\S){0,40}?\b(?:commercial|profit|payment|revenue|monetary|'
    r'financial|fees?)\b|'
    r'\bnon-?commercial|\b(?:research|evaluation|evaluating|academic|personal|educational|scientific|testing|'
    r'experimental|teaching|study|studying)\b(?:[^.]|\.\S){0,120}?\b(?:only|solely|exclusively|exclud\w*|'
    r'not\s+(?:for|includ\w*|intended)|other\s+than|never|no\s+other)\b|\b(?:only|solely|exclusively)\b(?:[^.]|\.\S){0,40}?\b(?:research|evaluation|'
    r'academic|personal|educational|scientific)\b')
# A defined purpose that is nothing but non-commercial purposes: '"Permitted Purpose" means non-profit research
# and teaching'.
_NC_ONLY_BODY = re2.compile(
    r'(?i)^\s*(?:(?:and|or|and/or|the|of|for|in|by|your|its|their|purposes?|uses?|use|usage|activities|work|'
    r'non-?profit|not-for-profit|academic|scientific|research|teaching|educational|education|evaluation|evaluating|'
    r'testing|personal|private|study|studying|benchmarking|internal|non-?commercial|experimental|experimentation|'
    r'instruction|learning|hobby|classroom|only|solely|exclusively)(?:\s+|\s*[,/]\s*|$))+$')
_COMMERCIAL_ALSO = re2.compile(
    r'(?i)\b(?:including|includes|and|or|and/or|as well as|whether)\s+(?:for\s+)?(?:any\s+)?commercial\b')
_COMMERCIAL_BODY = re2.compile(
    r'(?i)^\s*(?:any\s+)?(?:use|uses|usage|exploitation|deployment|distribution)\b(?:[^.]|\.\S){0,100}?'
    r'\b(?:commercial|revenue|monetar\w*|monetiz\w*|for-profit|for\s+profit|in\s+exchange\s+for\s+(?:a\s+)?fee)')
_EXCLUDED_TERM = re2.compile(r'(?i)\b(?:restricted|excluded|prohibited|sanctioned|embargoed|unsupported|'
                             r'non-?permitted|blocked)\s+(?:territor|region|countr|jurisdiction|area|location)')
_OTHER_THAN = re2.compile(r'(?i)^\s*(?:any\s+)?(?:use|uses|purposes?|activit\w+)\s+'
                          r'(?:other\s+than|that\s+(?:is|are)\s+not|'
                          r'except)\s+(?:for\s+)?(?:an?\s+|the\s+)?(?:non-?commercial|research|academic|evaluation|'
                          r'personal|educational)')
# A defined purpose or use (not "Agreement" means this Non-Commercial License).
_PURPOSE_BODY = re2.compile(r'(?i)^\s*(?:[\w,\-]+\s+){0,8}?(?:purposes?|uses?|usage|using|research|evaluation|academic|'
                            r'personal|educational|scientific|activit\w+|testing|experiment\w*|scholarly|inquiry|study|'
                            r'studies|teaching|learning)\b')
# The same in Chinese: '"排除地区"：指朝鲜、伊朗' and '"许可用途"是指非商业性的学术研究'. A term that names an excluded
# region reads, where used, as the places; a purpose that is only research or non-commercial as 非商业目的.
_ZH_DEFINITION = re2.compile(r'"(?P<term>[^"\sA-Za-z]{1,20})"\s*(?:[:,]\s*)?(?:是指|系指|意指|意为|指)'
                             r'(?P<body>[^"。;]{1,300})')
_ZH_EXCLUDED_TERM = re2.compile(r'(?:排除|禁止|受限|制裁|限制|除外|不适用)的?(?:地区|国家|区域|法域|地域|司法管辖区)')
# A defined purpose ('"许可用途"是指为开展科学研究而进行的实验、测试') that names research and nothing wider.
_ZH_PURPOSE_TERM = re2.compile(r'(?:用途|目的|使用|用法)$')
_ZH_RESEARCH_ONLY_BODY = re2.compile(r'^(?:[^任包所等]){0,12}?(?:科学研究|学术研究|科研|研究|教学|学习|评估|评测|实验)')
_ZH_NC_BODY = re2.compile(r'非商业|非营利|(?:仅|只|限于|不包括|不含)(?:[^。;]){0,30}?'
                          r'(?:研究|学术|科研|教学|学习|评估|评测)|(?:研究|学术|科研|教学|学习|评估|评测)(?:[^。;]){0,30}?'
                          r'(?:不包括|不含|除外|以外)(?:[^。;]){0,10}?(?:商业|营利)')
_THING_TERM = re2.compile(r'(?i)\b(?:license|licence|agreement|terms|policy|model|software|materials?|works?|'
                          r'licensor|licensee|you|output|derivatives?)\b')
_BODY_END = re2.compile(r'(?:[.;:]\s|[.;:]$)')
# A defined notice or credit line: '"Attribution Notice" means the words "Built on X"'. Where the term is used
# ("must display the Attribution Notice"), the sentence reads with the phrase: 'the Attribution Notice "Built on X"'.
_QUOTED_DEFINITION = re2.compile(
    r'"(?P<term>[A-Za-z][\w\- ]{0,40}?(?i:notice|attribution|credit|legend|statement|line|tagline|badge|label|'
    r'text|wording|phrase|mark|banner))"(?:\s*,)?\s+(?i:means|shall\s+mean|will\s+mean|refers\s+to|is|denotes)\s+'
    r'(?i:the\s+|a\s+)?(?i:following\s+)?(?i:(?:words?|phrase|sentence|statement|text|notice|legend|line|string|'
    r'wording|label|credit|tagline)\s+)?:?\s*"(?P<quoted>[^"]{2,80})"')
# A defined revenue figure that carries its period: '"Qualifying Turnover" means the gross revenue ... over the
# last twelve months' reads, where used, as "annual revenue".
_REVENUE_TERM = re2.compile(r'(?i)\b(?:revenues?|turnover|income|sales|receipts|earnings)\b')


def _singular_or_plural(term: str) -> str:
    """A defined term as a pattern that also reads its other number ("Restricted Countries" defined, "a
    Restricted Country" used)."""
    if term.endswith("ies"):
        return str(re2.escape(term[:-3])) + "(?:y|ies)"
    if term.endswith("y"):
        return str(re2.escape(term[:-1])) + "(?:y|ies)"
    return str(re2.escape(term.removesuffix("s"))) + "s?"


@dataclass(frozen=True)
class Definitions:
    """Defined terms of one text, with what each stands for in the patterns' words."""

    replacements: tuple[tuple[Any, str], ...] = ()
    defining: frozenset[int] = frozenset()  # sentences that define a term (read as written)

    @classmethod
    def collect(cls, pieces: list[Sentence]) -> Definitions:
        found: dict[str, str] = {}
        defining: set[int] = set()
        for index, sentence in enumerate(pieces):
            quoted = _QUOTED_DEFINITION.search(sentence.normalized)
            if quoted is not None and len(found) < MAX_DEFINED_TERMS:
                term = quoted.group("term").strip()
                if term.lower() not in found:
                    found[term.lower()] = f'the {term} "{quoted.group("quoted")}"'
                    defining.add(index)
                continue
            zh = _ZH_DEFINITION.search(sentence.normalized)
            if zh is not None and len(found) < MAX_DEFINED_TERMS and zh.group("term").lower() not in found:
                meaning = _zh_meaning(zh.group("term"), zh.group("body"))
                if meaning:
                    found[zh.group("term").lower()] = meaning
                    defining.add(index)
                    continue
            # one sentence may define several terms ('"MODEL" means ...; and "NET SALES" means the annual net
            # sales ...'): each body ends where the next quoted term begins
            for match in (*_DEFINITION.finditer(sentence.normalized),
                          *_UNQUOTED_DEFINITION.finditer(sentence.normalized)):
                term, body = match.group("term").strip(), match.group("body")
                meaning = _meaning(term, body)
                if meaning and term.lower() not in found and len(found) < MAX_DEFINED_TERMS:
                    found[term.lower()] = meaning
                    defining.add(index)
        if not found:
            return cls()
        replacements = tuple(
            (re2.compile(r'(?i)\b(?:(?:the|a|an|any|such)\s+)?"?' + _singular_or_plural(term) + r'"?(?:\b|$)')
             if term.isascii() else term, meaning)
            for term, meaning in sorted(found.items(), key=lambda item: -len(item[0])))
        return cls(replacements, frozenset(defining))

    def expand(self, normalized: str, index: int) -> str:
        if not self.replacements or index in self.defining:
            return normalized
        for pattern, meaning in self.replacements:
            if isinstance(pattern, str):  # a Chinese term: a literal, replaced as one (RE2's sub mangles non-ASCII)
                normalized = normalized.replace(f'"{pattern}"', meaning).replace(pattern, meaning)
            elif pattern.search(normalized):
                normalized = pattern.sub(meaning.replace("\\", "\\\\"), normalized)
        return normalized


def _zh_meaning(term: str, body: str) -> str | None:
    """What a Chinese defined term stands for: the places of an excluded region, or 非商业目的."""
    body = body.strip(" :,")
    if _ZH_EXCLUDED_TERM.search(term):
        return body[:150] or None
    if "商业" in term.replace("非商业", "") or "商业" in body.replace("非商业", ""):
        return None
    if _ZH_NC_BODY.search(body) or (_ZH_PURPOSE_TERM.search(term) and _ZH_RESEARCH_ONLY_BODY.search(body)):
        return "非商业目的"
    return None


def _meaning(term: str, body: str) -> str | None:
    """What a defined term stands for, in words the rules read; None for a term that needs no rewriting."""
    lowered = term.lower()
    if _REVENUE_TERM.search(term):
        within = _PERIOD_WITHIN.search(body[: (end.start() if (end := _BODY_END.search(body)) else len(body))])
        period = _period_of(within.group("period")) if within else None
        return f"{period} revenue" if period else None
    if _EXCLUDED_TERM.search(term):
        end = _BODY_END.search(body)
        places = (body[: end.start()] if end else body).strip()
        places = re.sub(r"^(?:each\s+of\s+|any\s+of\s+|the\s+following\s+(?:\w+\s+)?:?\s*)", "", places)
        return f"the excluded territories of {places[:300]}" if places else None
    if "commercial" in lowered or not _PURPOSE_BODY.search(body) or _THING_TERM.search(term):
        return None  # "Commercial Use", "Non-Commercial Purpose": the rules read the word itself
    if _OTHER_THAN.search(body):
        return "commercial use"
    end = _BODY_END.search(body)
    if _NC_ONLY_BODY.search(body[: end.start()] if end else body) and re.search(
            r"(?i)non-?profit|not-for-profit|academic|scientific|research|teaching|education|evaluat|testing|personal|"
            r"study|studying|benchmarking|non-?commercial|experiment|hobby|classroom", body):
        return "non-commercial purposes"
    if _NC_BODY.search(body) and not _COMMERCIAL_ALSO.search(re.sub(r"non-?commercial", "", body.lower())):
        return "non-commercial purposes"
    if _COMMERCIAL_BODY.search(body):
        return "commercial use"
    return None


# Restriction-passthrough passes something on: a text without any use, purpose or output restriction has none.
_RESTRICTIONS_TO_PASS = frozenset({"use-restrictions", "non-commercial", "output-restriction", "territory"})
_NAMES_RESTRICTIONS = re2.compile(r'(?i)restrict|limitation|\blimits\b|prohibit|polic(?:y|ies)|schedule|annex|exhibit|'
                                  r'attachment|appendix|section|article|clause|paragraph|same\s+terms|限制|政策|附件|禁止|相同|同样')


class ClauseEngine:
    """Runs every rule of rules/clauses over a text's sentences. Built once per process (see ``engine``)."""

    def __init__(self, rules: tuple[ClauseRule, ...], kinds: Mapping[str, KindInfo]) -> None:
        self.rules = rules
        self.kinds = dict(kinds)
        # Only the patterns whose required literals occur in a sentence are searched (scanner.prefilter):
        # one pass over the sentence instead of ~300 searches, and none of a big Set's DFA rebuilding.
        self._owners = [(rule, pattern) for rule in rules for pattern in rule.patterns]
        self._prefilter = Prefilter([pattern.pattern for _, pattern in self._owners])

    def candidates(self, normalized: str) -> list[tuple[ClauseRule, list[Any]]]:
        """The rules that can match the sentence, in rule order, each with the patterns to search."""
        chosen: dict[int, tuple[ClauseRule, list[Any]]] = {}
        for index in self._prefilter.candidates(normalized):
            rule, pattern = self._owners[index]
            chosen.setdefault(id(rule), (rule, []))[1].append(pattern)
        return list(chosen.values())

    @classmethod
    def load(cls) -> ClauseEngine:
        """rules/clauses/<kind>.yml (English) and rules/clauses/<lang>/<kind>.yml (other languages): one schema,
        one loader. A language folder's rules add to the kind; its message and finding stay the English file's."""
        # Currencies and places are data (rules/currencies.yml, rules/jurisdictions.yml): every alias, as a pattern,
        # is <<CURRENCY>>; every known place name is <<PLACE_NAME>>.
        currency = f"(?:{currencies().pattern()})"
        places = "|".join(re2.escape(name) for name in place_names())
        macros: dict[str, str] = {"CURRENCY": currency, "CURRENCY_WORDS": currency, "PLACE_NAME": f"(?:{places})"}
        rules: list[ClauseRule] = []
        kinds = kind_infos()
        folder = data_folder("rules").joinpath("clauses")
        languages = ["", *sorted(n.name for n in folder.iterdir() if n.is_dir() and not n.name.startswith("_"))]
        for language in languages:
            prefix = f"clauses/{language}/" if language else "clauses/"
            here = folder.joinpath(language) if language else folder
            if here.joinpath("_macros.yml").is_file():
                macros.update({name: f"(?:{body})" for name, body in
                               (load_yaml("rules", f"{prefix}_macros.yml") or {}).items()})
            for node in sorted(here.iterdir(), key=lambda n: n.name):
                if not node.name.endswith(".yml") or node.name.startswith("_"):
                    continue
                origin = f"{prefix}{node.name}"
                data = load_yaml("rules", origin)
                kind = data["kind"]
                if kind not in kinds:
                    raise ResourceError(f"rules/{origin}: kind {kind!r} has no English rules file")
                for raw in data["rules"]:
                    rules.append(ClauseRule(
                        id=f"{language + '/' if language else ''}{kind}/{raw['id']}", kind=kind,
                        patterns=tuple(_compile(p, macros, origin) for p in _flat(raw["patterns"])),
                        negatives=tuple(_compile(p, macros, origin) for p in _flat(raw.get("not"))),
                        value=raw.get("value") or kinds[kind].value,
                        requires=tuple(_compile(p, macros, origin) for p in _flat(raw.get("requires"))),
                        cancels=bool(raw.get("cancels"))))
        return cls(tuple(rules), kinds)

    def extract(self, text: str, file: str, license_key: str | None = None,
                line_offset: int = 0) -> list[Clause]:
        """Clauses found in ``text``; one per (kind, value), at its first occurrence."""
        found: dict[tuple[str, str], Clause] = {}
        cancelled: set[str] = set()
        pieces = list(sentences(text[:MAX_TEXT_CHARS]))
        terms = Definitions.collect(pieces)
        leads: list[tuple[str, int, str]] = []  # the open lead-ins, outermost first: (text, indent, marker style)
        depths: dict[tuple[str, str], int] = {}  # by clause: how many lead-ins its quote was read with
        listed: tuple[tuple[str, str], int, int] | None = None  # excluded places of a list: (clause, sentence, start)
        for index, sentence in enumerate(pieces):
            normalized = terms.expand(sentence.normalized, index)
            normalized, depth = _read_with_lead_ins(normalized, sentence, text, leads)
            if index and _CONTINUATION.match(sentence.normalized):
                # "...超过港币八千万元的，第2.1条的许可不适用。该被许可人须另行签订商业许可协议": the condition
                # of a sentence that goes on from the one before is in that one
                before = pieces[index - 1].normalized.rstrip("。．.；;！!？? ")
                normalized = f"{before}{'，' if is_chinese(before) else ','} {normalized}"
            for rule, patterns in self.candidates(normalized):
                # what the rule requires first: one search that spares the patterns of most sentences
                if rule.requires and not any(r.search(normalized) for r in rule.requires):
                    continue
                match = next((m for p in patterns if (m := p.search(normalized))), None)
                if match is None or any(n.search(normalized) for n in rule.negatives):
                    continue
                if rule.cancels:
                    cancelled.add(rule.kind)
                    continue
                value = VALUE_PARSERS[rule.value](match) if rule.value else None
                if rule.value and value is None:
                    continue
                if value:
                    value = _as_written(value, sentence.text)
                if value and self.kinds[rule.kind].aliases:
                    value = _spell_out(value, self.kinds[rule.kind].aliases)
                if rule.kind == "territory" and depth and listed is not None and listed[1] == index - 1:
                    # the next item of a list of excluded places ("not in the following regions: 1. the EU;
                    # 2. the UK"): one clause, its quote the items as the file has them
                    first = found.pop(listed[0])
                    known = list((first.value or {}).get("excluded", []))
                    places = [*known, *(place for place in (value or {}).get("excluded", []) if place not in known)]
                    value = {"excluded": places}
                    key = clause_identity(rule.kind, value)
                    depths[key] = depth
                    found[key] = replace(first, value=value, end_line=sentence.end_line + line_offset,
                                         quote=text[listed[2]:sentence.end])
                    listed = (key, index, listed[2])
                    continue
                key = clause_identity(rule.kind, value)
                if rule.kind == "territory" and depth:
                    listed = (key, index, sentence.start) if key not in found else listed
                # the first occurrence, unless it was only read inside nested lead-ins and a later one needs
                # at most one (its quote, the bare item "ii. a copyright notice;", would say little)
                if key not in found or (depths[key] > 1 and depth <= 1):
                    depths[key] = depth
                    found[key] = Clause(
                        kind=rule.kind, value=value, license=license_key, file=file,
                        start_line=sentence.start_line + line_offset, end_line=sentence.end_line + line_offset,
                        quote=sentence.text, rule=rule.id)
        if not {c.kind for c in found.values()} & _RESTRICTIONS_TO_PASS:
            # nothing to pass on: "derivatives must be released under this License" alone, in a licence without
            # restrictions (a sentence that itself names the restrictions passed on stands)
            for key, clause in list(found.items()):
                if clause.kind == "restriction-passthrough" and not _NAMES_RESTRICTIONS.search(normalize(clause.quote)):
                    del found[key]
        return sorted((c for c in found.values() if c.kind not in cancelled), key=lambda c: (c.start_line or 0, c.kind))


def _flat(patterns: list[Any] | None) -> list[str]:
    """A rule's pattern list, with the lists it names by YAML alias spliced in (``- *nc-look-alikes``: one list
    of look-alikes kept once and read by several rules)."""
    return [p for item in patterns or () for p in (item if isinstance(item, list) else (item,))]


def _read_with_lead_ins(normalized: str, sentence: Sentence, text: str, leads: list[tuple[str, int, str]]
                        ) -> tuple[str, int]:
    """A list item reads with the sentences that introduce it ("You will not: ... (a) use the outputs to train
    ..."); the quote stays the item. ``leads`` is the stack of open lead-ins, updated here: an item belongs to
    a lead-in when it is indented deeper or marked in another style ("2. You must not use:" then "(a) ..."); a
    sibling closes it. An item that itself ends with a colon opens a lead-in of its own within its parent's
    ("b. Restrictions: ... 3. If you distribute them: - Include this Agreement"). Returns the sentence as read
    and how many lead-ins it was read with."""
    is_item = bool(_LIST_ITEM.match(sentence.text) or _ITEM_MARK.match(sentence.text))
    own = _ITEM_MARK.sub("", _LIST_ITEM.sub("", normalized, count=1), count=1) if is_item else normalized
    if is_item:
        indent, style = _indent(text, sentence.start), _marker_style(sentence.text)
        while leads and not (indent > leads[-1][1] or style != leads[-1][2]):
            leads.pop()
    else:
        indent, style = -1, ""
        leads.clear()
    read, depth = (" ".join([*(lead for lead, _, _ in leads), own]), len(leads)) if leads else (normalized, 0)
    if normalized.endswith(":") and len(normalized) <= 300:
        leads.append((own[:-1].rstrip(), indent, style))
    return read, depth


# A sentence that goes on from the one before it (则, 该被许可人, "In that case", "Such Licensee"): read with it.
_CONTINUATION = re2.compile(r'(?i)^(?:则|那么|届时|此时|此后|在此情况下|在该等情况下|该等情形下|'
                            r'在这种情况下|在此种情况下|'
                            r'出现上述|发生上述|出现前述|发生前述|有上述|'
                            r'该被许可人|该被许可方|该用户|该企业|该等|上述情形|前述情形|in\s+(?:that|such|this|which)\s+(?:case|event)\b|if\s+so\b|'
                            r'such\s+(?:licensee|entity|user|company|person)\b|thereafter\b|thereupon\b)')


_MARKER_STYLES = tuple((name, re.compile(pattern)) for name, pattern in (
    ("decimal", r"\s*\d{1,3}(?:\.\d{1,3})*[.)]?\s"), ("paren-decimal", r"\s*\(\d{1,3}\)"),
    ("roman", r"\s*\(?[ivxlc]{1,5}[.)]\s"), ("letter", r"\s*\(?[a-zA-Z][.)]\s"), ("bullet", r"\s*[-*•]\s"),
    ("zh-article", r"\s*第"), ("zh-paren", r"\s*[（(][一二三四五六七八九十]"),
    ("zh-number", r"\s*[一二三四五六七八九十]"),
    ("zh-decimal", r"\s*\d{1,3}[、．]")))


def _marker_style(text: str) -> str:
    """What kind of list marker begins a sentence ("1.", "(a)", "i.", "-", "第一条", "（一）", "1、")."""
    return next((name for name, pattern in _MARKER_STYLES if pattern.match(text)), "other")


def _indent(text: str, offset: int) -> int:
    """The column at which the sentence starting at ``offset`` begins (tabs count as four)."""
    line_start = text.rfind("\n", 0, offset) + 1
    return len(text[line_start:offset].expandtabs(4))


def _spell_out(value: dict[str, Any], aliases: Mapping[str, str]) -> dict[str, Any]:
    """Replace a value that is exactly an alias (PRC, US, UK) with what it stands for."""
    return {key: aliases.get(item, item) if isinstance(item, str) else item for key, item in value.items()}


@lru_cache(maxsize=1)
def kind_infos() -> dict[str, KindInfo]:
    """What each clause kind means (its message, finding, value parser), from the English rules files alone:
    reports and findings need it, and it costs none of the RE2 compilation the engine does."""
    kinds: dict[str, KindInfo] = {}
    for node in sorted(data_folder("rules").joinpath("clauses").iterdir(), key=lambda n: n.name):
        if not node.name.endswith(".yml") or node.name.startswith("_"):
            continue
        data = load_yaml("rules", f"clauses/{node.name}")
        kind = data["kind"]
        kinds[kind] = KindInfo(kind, data.get("finding"), bool(data.get("restrictive")),
                               {str(k): str(v) for k, v in (data.get("aliases") or {}).items()},
                               str(data.get("message") or kind), data.get("value"))
    return kinds


def describe_clause(clause: Clause) -> str:
    """The duty in words, from the kind's message template (rules/clauses/<kind>.yml)."""
    info = kind_infos().get(clause.kind)
    return info.describe(clause.value) if info is not None else clause.kind


@lru_cache(maxsize=1)
def engine() -> ClauseEngine:
    return ClauseEngine.load()


# A rule's bounded gaps ("<<ANY>>{0,300}?") make big automata: with RE2's default 8 MiB budget the DFA gives
# up and every search falls back to the NFA, ten times slower on a sentence. The budget is a ceiling, not
# an allocation.
_RULE_OPTIONS = re2.Options()
_RULE_OPTIONS.max_mem = 64 << 20


def _compile(pattern: str, macros: Mapping[str, str], origin: str) -> Any:
    expanded = _MACRO.sub(lambda m: macros[m.group(1)], pattern)
    try:
        return re2.compile(expanded, options=_RULE_OPTIONS)
    except Exception as exc:  # re2.error: a broken shipped rule is a broken installation
        raise ResourceError(f"rules/clauses/{origin}: pattern does not compile in RE2: {pattern[:80]}") from exc


# -- remembering what a text demands -----------------------------------------------------------------------
@lru_cache(maxsize=1)
def clause_rules_digest() -> str:
    """What clause extraction depends on: every rules file it reads and the code that reads them. A change to
    any of them is a new digest, so remembered clauses are never stale."""
    digest = hashlib.sha256()
    rules = data_folder("rules")

    def walk(node: Any, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda n: n.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".yml"):
                digest.update(f"{prefix}{child.name}\0".encode())
                digest.update(child.read_bytes())

    walk(rules.joinpath("clauses"), "clauses/")
    for name in ("currencies.yml", "jurisdictions.yml"):
        digest.update(rules.joinpath(name).read_bytes())
    for module in (__file__, lang.__file__, prefilter.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def known_clauses() -> dict[str, Any]:
    """rules/known-clauses.json's texts when it was built with the current rules, else nothing (a stale table
    is never used: it would report what older rules read)."""
    try:
        document = json.loads(read_text("rules", "known-clauses.json"))
    except (ResourceError, ValueError):
        return {}
    if document.get("digest") != clause_rules_digest() or document.get("format") != ClauseMemo.FORMAT:
        return {}
    return dict(document.get("texts") or {})


_CLAUSE_TYPES: dict[str, tuple[type, ...]] = {
    "kind": (str,), "value": (dict, type(None)), "start_line": (int,), "end_line": (int,), "quote": (str,),
    "rule": (str, type(None)),
}


class ClauseMemo:
    """Clauses already read, by the text's sha256: once per distinct text in a run, and on disk beside the
    detection cache across runs (every fine-tune ships its base's LICENSE byte for byte). A text seen before
    costs a hash, not the engine: its RE2 rules are compiled only when an unseen text appears. An entry that
    does not check out field by field is recomputed, never trusted into the evidence."""

    FORMAT = "c1"

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._seen: dict[str, tuple[Clause, ...]] = {}
        self._lock = threading.Lock()
        self.stats = {"memory": 0, "disk": 0, "extracted": 0}

    def extract(self, text: str, file: str) -> list[Clause]:
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            known = self._seen.get(key)
            if known is not None:
                self.stats["memory"] += 1
        if known is None:
            known = self._from_disk(key, text)
            if known is not None:
                self.stats["disk"] += 1
            else:
                known = tuple(engine().extract(text, ""))
                self.stats["extracted"] += 1
                self._to_disk(key, known)
            with self._lock:
                self._seen[key] = known
        return [replace(clause, file=file) for clause in known]

    def _path(self, key: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / "clauses" / f"{self.FORMAT}-{clause_rules_digest()}" / key[:2] / f"{key}.json"

    def _from_disk(self, key: str, text: str) -> tuple[Clause, ...] | None:
        """The shipped table of known texts first (rules/known-clauses.json, valid only for the rules digest
        it was built with), then the cache folder."""
        path = self._path(key)
        data = known_clauses().get(key)
        try:
            if data is None and path is not None and path.is_file():
                data = json.loads(path.read_text(encoding="utf-8"))
            if data is None:
                return None
            lines = text.split("\n")
            return tuple(_clause_from_json(item, lines) for item in data)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def _to_disk(self, key: str, clauses: tuple[Clause, ...]) -> None:
        path = self._path(key)
        if path is not None:
            write_atomic(path, json.dumps(self.entries(clauses), ensure_ascii=False).encode("utf-8"))

    @staticmethod
    def entries(clauses: tuple[Clause, ...]) -> list[dict[str, Any]]:
        """Clauses as stored: everything but the file and the license, which belong to where a text is read."""
        return [{"kind": c.kind, "value": c.value, "start_line": c.start_line, "end_line": c.end_line,
                 "quote": c.quote, "rule": c.rule} for c in clauses]


def _clause_from_json(item: Any, lines: list[str]) -> Clause:
    if not isinstance(item, dict) or set(item) != set(_CLAUSE_TYPES):
        raise ValueError("not a clause")
    for name, types in _CLAUSE_TYPES.items():
        if isinstance(item[name], bool) or not isinstance(item[name], types):
            raise ValueError(f"ill-typed {name}")
    if not 1 <= item["start_line"] <= item["end_line"] <= len(lines) or \
            item["quote"] not in "\n".join(lines[item["start_line"] - 1: item["end_line"]]):
        raise ValueError("the quote is not at its lines")
    if item["kind"] not in kind_infos():
        raise ValueError("unknown kind")
    return Clause(kind=item["kind"], value=item["value"], license=None, file="", start_line=item["start_line"],
                  end_line=item["end_line"], quote=item["quote"], rule=item["rule"])


# -- which texts of a model are read ----------------------------------------------------------------------
LINEAGE_FILES = frozenset({"config.json", "adapter_config.json"})


def clauses_for_model(repo: FetchedRepo, card: CardInfo, card_file: str, licenses: tuple[LicenseHit, ...],
                      is_terms_file: Callable[[str], bool], memo: ClauseMemo | None = None) -> tuple[Clause, ...]:
    """Clauses from every text that carries the model's terms, each tied to the license it belongs to.

    Read: files with an identified license and terms files (LICENSE*, USE_POLICY*, ...) even when
    unidentified (an unseen custom license is exactly what must be read); the gated prompt; and, for a
    declared license whose text the repo does not let us read, the license's reference text, cited as
    ``license:<key>``.
    """
    run = memo or ClauseMemo()
    found: list[Clause] = []
    keys_with_text: set[str] = set()
    seen: set[tuple[str, str]] = set()

    def add(clauses: list[Clause]) -> None:
        # The gated prompt and reference texts often repeat a license file: a clause already evidenced in
        # an earlier text (files come first) is not listed again; one text's own clauses are never merged.
        new = [c for c in clauses if _identity(c) not in seen]
        seen.update(_identity(c) for c in new)
        found.extend(new)

    for repo_file, body, hits in terms_texts(repo, licenses, is_terms_file):
        keys_with_text.update(h.key for h in hits)
        found.extend(attach_license(c, hits) for c in run.extract(body, repo_file.path))
    seen.update(_identity(c) for c in found)
    if card.extra_gated_prompt:
        prompt_hits = [h for h in licenses if h.via == "extra_gated_prompt"]
        keys_with_text.update(h.key for h in prompt_hits)
        add([attach_license(c, prompt_hits)
             for c in run.extract(card.extra_gated_prompt, f"{card_file}#extra_gated_prompt")])
    from scanner.scancode_index import reference_text

    for hit in licenses:
        if hit.source != "declared" or hit.key in keys_with_text:
            continue
        keys_with_text.add(hit.key)
        text = reference_text(hit.key)
        if text:
            add([replace(c, license=hit.key) for c in run.extract(text, f"license:{hit.key}")])
    return tuple(found)


def terms_texts(repo: FetchedRepo, licenses: tuple[LicenseHit, ...], is_terms_file: Callable[[str], bool]
                ) -> list[tuple[RepoFile, str, list[LicenseHit]]]:
    """The repo's files that carry its terms, with their text and the licenses identified in each: files with
    an identified license, and terms files (LICENSE*, USE_POLICY*, ...) even when unidentified. Clauses are
    read from these, and a lock fingerprints these."""
    chosen: list[tuple[RepoFile, str, list[LicenseHit]]] = []
    for repo_file in repo.files:
        if repo_file.text is None or repo_file.path == CARD_FILE or repo_file.path in LINEAGE_FILES:
            continue
        hits = [h for h in licenses if h.source == "file" and h.file == repo_file.path]
        if hits or is_terms_file(repo_file.path):
            chosen.append((repo_file, repo_file.text, hits))
    return chosen


def clause_identity(kind: str, value: Mapping[str, Any] | None) -> tuple[str, str]:
    """What makes two clauses the same clause: their kind and value (not where they were read). Governing law
    compares by the jurisdiction's English name, so the halves of a bilingual license make one clause."""
    if kind == "governing-law" and value:
        name = str(value.get("jurisdiction_en") or value.get("jurisdiction") or "")
        return kind, jurisdiction_english(name) or name.lower()
    return kind, repr(sorted((value or {}).items()))


def _identity(clause: Clause) -> tuple[str, str]:
    return clause_identity(clause.kind, clause.value)


def attach_license(clause: Clause, hits: list[LicenseHit]) -> Clause:
    """The license a clause belongs to: the identified license whose lines contain it, else the text's first."""
    for hit in hits:
        if hit.start_line and hit.end_line and hit.start_line <= clause.start_line <= hit.end_line:
            return replace(clause, license=hit.key)
    return replace(clause, license=hits[0].key if hits else None)


# -- sentences --------------------------------------------------------------------------------------------
def normalize(text: str) -> str:
    """Straight quotes, no markdown emphasis, one space between words, full-width forms folded (NFKC: "，"
    is ",", "１０" is "10"): what the patterns are written for."""
    text = unicodedata.normalize("NFKC", text.translate(_QUOTES)).replace("**", "").replace("__", "")
    if "*" in text:
        text = _EMPHASIS.sub("", text)
    text = _touching_currency().sub(r"\g<code> ", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _touching_currency() -> re.Pattern[str]:
    """A short currency code written against its amount ("R250 million", "Rs50 crore", "GBP10m") is read with a
    space, as the patterns expect; only before an amount (thousands separators or a scale word), so "R1" or
    "A100" stay as they are."""
    codes = sorted({alias for alias, _ in currencies().aliases if alias.isascii() and alias.isalpha()
                    and len(alias) <= 3}, key=lambda a: (-len(a), a))
    return re.compile(r"(?i)\b(?P<code>" + "|".join(codes) + r")(?=\d[\d,.]*\s?(?:million|billion|thousand|crores?|"
                      r"lakhs?|mn|bn|m|b|k)\b|\d{1,3}(?:[,.]\d{3})+)")


def sentences(text: str) -> Iterator[Sentence]:
    """Split a text into sentences with 1-based line spans: at blank lines, list items and headings, and
    after . ; ! ? followed by a capital, a digit, a quote or a bracket (not after an abbreviation)."""
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def line_of(offset: int) -> int:
        return bisect.bisect_right(line_starts, offset)

    for start, end in _spans(text, line_starts):
        raw = text[start:end]
        stripped_start = start + (len(raw) - len(raw.lstrip()))
        stripped_end = start + len(raw.rstrip())
        if stripped_end <= stripped_start:
            continue
        chunk = text[stripped_start:stripped_end]
        normalized = normalize(chunk)
        if not any(ch.isalpha() for ch in normalized):
            continue
        yield Sentence(stripped_start, stripped_end, line_of(stripped_start), line_of(stripped_end - 1), chunk,
                       normalized)


def _spans(text: str, line_starts: list[int]) -> Iterator[tuple[int, int]]:
    """Sentence boundaries as (start, end) offsets; every piece is at most MAX_SENTENCE_CHARS long."""
    start = 0
    boundaries: list[int] = []
    for index, line_start in enumerate(line_starts):
        line_end = line_starts[index + 1] - 1 if index + 1 < len(line_starts) else len(text)
        line = text[line_start:line_end]
        if not line.strip() or _LIST_ITEM.match(line):
            boundaries.append(line_start)
        if not line.strip():
            boundaries.append(line_end)
        boundaries.extend(_sentence_ends(text, line_start, line_end))
    for boundary in sorted(set(boundaries)):
        if boundary <= start:
            continue
        yield from _capped(start, boundary)
        start = boundary
    if start < len(text):
        yield from _capped(start, len(text))


def _capped(start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > MAX_SENTENCE_CHARS:
        yield start, start + MAX_SENTENCE_CHARS
        start += MAX_SENTENCE_CHARS
    yield start, end


def _sentence_ends(text: str, line_start: int, line_end: int) -> Iterator[int]:
    for position in range(line_start, line_end):
        if text[position] in _ZH_ENDS:
            after = position + 1
            while after < line_end and text[after] in _ZH_CLOSERS:
                after += 1
            yield after
            continue
        if text[position] not in ".;!?":
            continue
        after = position + 1
        while after < len(text) and text[after] in "\"'”’)]*":
            after += 1
        if after >= len(text) or not text[after].isspace():
            continue
        following = after
        while following < len(text) and text[following] in " \t\r\n":
            following += 1
        if following < len(text) and not (text[following].isupper() or text[following].isdigit()
                                           or text[following] in "\"“(['‘*-•#"):
            continue
        if text[position] == "." and (_is_abbreviation(text, position)
                                      or _MARKER_BEFORE.fullmatch(text, line_start, position)):
            continue
        yield after


def _is_abbreviation(text: str, position: int) -> bool:
    word_start = position
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:position].lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


# -- values ------------------------------------------------------------------------------------------------
_SCALES = {"thousand": 10**3, "k": 10**3, "million": 10**6, "m": 10**6, "mm": 10**6, "mn": 10**6,
           "billion": 10**9, "bn": 10**9, "b": 10**9, "lakh": 10**5, "lakhs": 10**5, "crore": 10**7, "crores": 10**7}
_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
          "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_IN_BRACKETS = re.compile(r"^(?P<words>[^()]*?)\s*\((?P<inside>[^()]*)\)\s*$")
_DOT_THOUSANDS = re.compile(r"\b\d{1,3}(?:\.\d{3}){2,}\b")
_SPACE_THOUSANDS = re.compile(r"\b\d{1,3}(?: \d{3})+\b")


def parse_number(text: str) -> int | None:
    """'700 million' -> 700000000, '100,000,000', '1.5 billion', '5M', 'two hundred fifty million',
    '10.000.000', '10 000 000', 'twelve million (12,000,000)' (the figures in brackets win); Chinese numbers
    ('二千万', '10万', '1亿') through scanner.lang."""
    if is_chinese(text):
        return parse_chinese_number(text)
    bracketed = _IN_BRACKETS.match(text.strip())
    if bracketed:
        inside = re.sub(r"[^\d,. a-zA-Z]", " ", bracketed.group("inside"))
        inside = " ".join(w for w in inside.split() if w[0].isdigit() or w.lower() in _SCALES)
        return parse_number(inside) or parse_number(bracketed.group("words"))
    text = _DOT_THOUSANDS.sub(lambda m: m.group(0).replace(".", ""), text)
    text = _SPACE_THOUSANDS.sub(lambda m: m.group(0).replace(" ", ""), text)
    words = text.lower().replace(",", "").split()
    if not words:
        return None
    scale = 1
    if words[-1] in _SCALES:
        scale = _SCALES[words.pop()]
    elif re.fullmatch(r"\d+(?:\.\d+)?[kmb]|\d+(?:\.\d+)?(?:mm|bn|mn)", words[-1]):
        unit = re.sub(r"[\d.]+", "", words[-1])
        scale, words[-1] = _SCALES[unit], words[-1][: -len(unit)]
    if len(words) == 1 and re.fullmatch(r"\d+(?:\.\d+)?", words[0]):
        return round(float(words[0]) * scale)
    total = 0
    for word in " ".join(words).replace("-", " ").split():
        if word == "and":
            continue
        if word == "hundred":
            total = max(total, 1) * 100
        elif word == "thousand" and scale > 1000:
            total *= 1000
        elif word in _WORDS:
            total += _WORDS[word]
        else:
            return None
    return total * scale if total else None


_METRICS = (("daily", "daily_active_users"), ("dau", "daily_active_users"), ("per day", "daily_active_users"),
            ("weekly", "weekly_active_users"), ("wau", "weekly_active_users"), ("per week", "weekly_active_users"),
            ("monthly", "monthly_active_users"), ("mau", "monthly_active_users"), ("muu", "monthly_active_users"),
            ("per month", "monthly_active_users"), ("a month", "monthly_active_users"),
            ("calendar month", "monthly_active_users"), ("each month", "monthly_active_users"),
            ("registered", "registered_users"), ("日活", "daily_active_users"), ("每日", "daily_active_users"),
            ("周活", "weekly_active_users"), ("月活", "monthly_active_users"), ("每月", "monthly_active_users"),
            ("月度", "monthly_active_users"), ("注册", "registered_users"), ("日均", "daily_active_users"),
            ("月均", "monthly_active_users"))
# A period said after the amount: "per calendar month", "in the preceding fiscal year", "over the last twelve
# months" (a year), "per annum".
_PERIOD_AFTER = re2.compile(
    r"(?i)^(?:[^.]|\.\S){0,60}?\b(?P<period>per\s+(?:calendar\s+|fiscal\s+|financial\s+)?(?:year|annum|month|quarter)|"
    r"(?:a|each|every)\s+(?:calendar\s+|fiscal\s+|financial\s+)?(?:year|month|quarter)|"
    r"(?:in|during|over|for|within|of)\s+(?:the|any|a|its|your|their)\s+(?:(?:immediately|most)\s+)?"
    r"(?:(?:preceding|prior|previous|last|past|trailing|recent|recently|latest|completed|ended|closed|current|"
    r"consecutive|rolling|calendar|fiscal|accounting|business|financial|twelve|12|twelve-month|12-month|three|3|"
    r"three-month|3-month)\s+){0,3}"
    r"(?:year|annum|months?|quarter|period)\b)")


_PERIOD_WITHIN = re2.compile(_PERIOD_AFTER.pattern.replace("^(?:[^.]|\\.\\S){0,60}?", "", 1))


def _comparison(word: str | None) -> str:
    lowered = (word or "").lower()
    if any(w in lowered for w in _ZH_AT_LEAST):  # 不低于 holds 低于 but means "at least"
        return "above"
    below = ("less", "fewer", "below", "under", "not exceeding", "up to", *_ZH_BELOW)
    return "below" if any(w in lowered for w in below) else "above"


# Chinese "at most" words ("不得超过", a cap, is "above" as "must not exceed" is).
_ZH_AT_LEAST = ("不低于", "不少于", "不小于")
_ZH_BELOW = ("少于", "低于", "小于", "不超过", "不足", "未超过", "未达到", "以下", "以内")


def _period_of(words: str) -> str | None:
    lowered = words.lower()
    if re.search(r"\b(?:twelve|12)[ -]months?\b|year|annum|annual", lowered):
        return "annual"
    if re.search(r"quarter|\b(?:three|3)[ -]months?\b", lowered):
        return "quarterly"
    if "month" in lowered:
        return "monthly"
    return None


def _said_after(match: Any) -> str:
    found = _PERIOD_AFTER.search(match.string[match.end():match.end() + 200])
    return found.group("period") if found else ""


def _user_threshold(match: Any) -> dict[str, Any] | None:
    limit = parse_number(match.group("amount"))
    if not limit:
        return None
    metric_text = match.group("metric").lower()
    metric = next((name for word, name in _METRICS if word in metric_text), None)
    if metric is None:
        # "users ... exceeds 1 million visits per month": the period said with the count
        inner = match.group(0).lower()
        after = _said_after(match).lower()
        metric = next((name for word, name in _METRICS if " " in word and (word in inner or word in after)),
                      "users")
    return {"limit": limit, "metric": metric, "comparison": _comparison(match.group("cmp"))}


def _revenue_threshold(match: Any) -> dict[str, Any] | None:
    limit = parse_number(match.group("amount"))
    if not limit:
        return None
    currency_text = " ".join(filter(None, (_group(match, "cur1"), _group(match, "cur2"))))
    currency = currencies().code(currency_text, chinese=is_chinese(match.string))
    said = (_group(match, "period") or "").lower()
    within = _PERIOD_WITHIN.search(match.group(0))
    period = _PERIODS.get(said) or _period_of(said) or _period_of(within.group("period") if within else "") \
        or _period_of(_said_after(match)) or (_zh_period(match.group(0)) if is_chinese(match.string) else None)
    return {"limit": limit, "currency": currency, "period": period, "comparison": _comparison(match.group("cmp"))}


# A Chinese period anywhere in the matched words: "上一个会计年度的营业收入" (the match may start at an earlier
# 收入, a heading's), "年营业收入", "每月流水".
_ZH_PERIOD_WITHIN = re2.compile(r"(?:会计|财务|财政|自然|上一|上个|前一|最近一|最近|本|每)年度|财年|全年|每年|"
                                r"年(?:营业|销售|总)|每月|月度|季度")


def _zh_period(words: str) -> str | None:
    """The period of the first Chinese period word in ``words`` (季 quarterly, 月 monthly, else a year)."""
    found = _ZH_PERIOD_WITHIN.search(words)
    if found is None:
        return None
    return "quarterly" if "季" in found.group(0) else "monthly" if "月" in found.group(0) else "annual"


_PERIODS = {"annualized": "annual", "yearly": "annual", "年": "annual", "年度": "annual", "每年": "annual",
            "月": "monthly", "每月": "monthly", "月度": "monthly", "季度": "quarterly"}


def _quoted_text(match: Any) -> dict[str, Any]:
    text = _group(match, "text")
    return {"text": text.strip()} if text else {}


def _naming(match: Any) -> dict[str, Any] | None:
    prefix, includes = _group(match, "prefix"), _group(match, "includes")
    if prefix:
        return {"prefix": prefix.strip()}
    if includes:
        return {"includes": includes.strip()}
    return None


_TRAILERS = re.compile(r"\s+(?:without regard|excluding|exclusive of|notwithstanding|as applied|applicable to|"
                       r"and the un convention|and any|regardless|except)\b.*$", re.IGNORECASE)


def _jurisdiction(match: Any) -> dict[str, Any] | None:
    """The jurisdiction as the text names it; a name in another language also gets its English name."""
    value = _TRAILERS.sub("", match.group("jurisdiction")).strip(" ,，、")
    if len(value) < 2:
        return None
    if is_english(value):
        return {"jurisdiction": value}
    english = jurisdiction_english(value)
    return {"jurisdiction": value, "jurisdiction_en": english} if english else {"jurisdiction": value}


_PLACE_LEAD = re.compile(r"^(?:(?:the|including|in|namely)\s+)+|^(?:位于|来自|居住在|在|于)", re.IGNORECASE)


_PLACE_POINTER = re.compile(r"以下|下列|如下|上述|前述|该等|(?i:\bthe\s+following\b|\bthe\s+above\b|\bsuch\b)")


def _territory(match: Any) -> dict[str, Any] | None:
    raw = _TRAILERS.sub("", match.group("territory"))
    # A list's words (、，及 以及 或 和, "and", "or"), except inside a known name that holds one ("England and Wales",
    # "中华人民共和国", "大不列颠及北爱尔兰联合王国"), which is kept whole while the list is split.
    kept: list[str] = []
    for name in joined_place_names():
        if name in raw:
            raw = raw.replace(name, f"\x00{len(kept)}\x00")
            kept.append(name)
    raw = re.sub(r"、|，|以及|及|或者|或|和", ",", raw.replace("共和", "\x01")).replace("\x01", "共和")
    parts = re.split(r",|\band\b|\bor\b", raw, flags=re.IGNORECASE)
    parts = [re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], part) for part in parts]
    places = [_PLACE_LEAD.sub("", p.strip()) for p in parts]
    places = [re.sub(r"(?<=[A-Za-z]{2})\.$", "", p) for p in places if p and len(p) <= 60]  # "Syria." ends a sentence
    places = [p for p in places if not _PLACE_POINTER.search(p)]  # "以下地区", "the following countries" name none
    return {"excluded": places} if places else None


def _known_territory(match: Any) -> dict[str, Any] | None:
    """Excluded places said in free words: only the places rules/jurisdictions.yml knows are kept."""
    value = _territory(match)
    places = [p for p in (value or {}).get("excluded", []) if jurisdiction_english(p)]
    return {"excluded": places} if places else None


# Values the patterns read from the normalised sentence, given back in the file's own characters (full-width
# brackets, curly quotes, line breaks): a value is read from the text, so it reads as the text does.
_WRITTEN_KEYS = ("text", "prefix", "includes")
_FOLDED_FROM: dict[str, set[str]] = {}
for _code in range(0x21, 0x7F):
    _FOLDED_FROM.setdefault(chr(_code), {chr(_code)}).add(chr(_code + 0xFEE0))
for _original, _folded in _QUOTES.items():  # str.maketrans: code point -> the character it becomes
    _FOLDED_FROM.setdefault(_folded, {_folded}).add(chr(_original))


def _as_written(value: dict[str, Any], sentence_text: str) -> dict[str, Any]:
    """The value with each of its phrases as the sentence writes it, where the normalised phrase is found there."""
    result = dict(value)
    for key in _WRITTEN_KEYS:
        phrase = result.get(key)
        if not isinstance(phrase, str) or not phrase or len(phrase) > 200 or phrase in sentence_text:
            continue
        parts = [r"\s+" if ch == " " else "[" + "".join(re.escape(c) for c in sorted(_FOLDED_FROM.get(ch, {ch}))) + "]"
                 for ch in phrase]
        # character classes in a row (at most two asterisks between): linear, nothing to backtrack into
        found = re.search(r"\*{0,2}".join(parts), sentence_text)
        if found:
            result[key] = found.group(0)
    return result


def _group(match: Any, name: str) -> str | None:
    try:
        value = match.group(name)
    except (IndexError, KeyError):
        return None
    return str(value) if value else None


VALUE_PARSERS: dict[str, Callable[[Any], dict[str, Any] | None]] = {
    "user_threshold": _user_threshold,
    "revenue_threshold": _revenue_threshold,
    "quoted_text": _quoted_text,
    "naming": _naming,
    "jurisdiction": _jurisdiction,
    "territory": _territory,
    "known_territory": _known_territory,
}
