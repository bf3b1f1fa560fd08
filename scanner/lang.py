"""What depends on the language a license is written in: numbers, currencies and jurisdiction names.

The clause engine is one engine for every language; what differs is data (rules/clauses/<lang>/,
rules/currencies.yml, rules/jurisdictions.yml) and the few readers here: "二千万" and "10万" are numbers as
much as "twenty million" and "100,000"; "人民币" is CNY as "RMB" is; "中华人民共和国" is reported with its
English name so that the two halves of a bilingual license say the same thing once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from scanner.resources import load_yaml

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL_KANA = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")


def is_chinese(text: str) -> bool:
    """A sentence written in Chinese: it has CJK ideographs (a bilingual text's English half has none)."""
    return _CJK.search(text) is not None


def is_english(text: str) -> bool:
    return not (_CJK.search(text) or _HANGUL_KANA.search(text))


# -- numbers -----------------------------------------------------------------------------------------------
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
              "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_ZH_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_ZH_LARGE_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_ARABIC_WITH_UNITS = re.compile(r"^(\d+(?:\.\d+)?)\s*((?:[十百千万亿萬億]|千万|百万|十万|万亿)*)$")


def parse_chinese_number(text: str) -> int | None:
    """'二千万' -> 20000000, '10万' -> 100000, '1.5亿' -> 150000000, '1,000万' -> 10000000, '三亿' ->
    300000000, '一百万' -> 1000000; None when it is not a number."""
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "").strip()
    if not cleaned:
        return None
    arabic = _ARABIC_WITH_UNITS.match(cleaned)
    if arabic:
        scale = 1
        for unit in arabic.group(2):
            scale *= {**_ZH_SMALL_UNITS, **_ZH_LARGE_UNITS}[unit]
        return round(float(arabic.group(1)) * scale)
    total, section, digit = 0, 0, None
    for char in cleaned:
        if char in _ZH_DIGITS:
            digit = _ZH_DIGITS[char]
        elif char in _ZH_SMALL_UNITS:
            section += (1 if digit is None else digit) * _ZH_SMALL_UNITS[char]
            digit = None
        elif char in _ZH_LARGE_UNITS:
            unit = _ZH_LARGE_UNITS[char]
            section += digit or 0
            # 万亿 and 千万: a large unit after another multiplies what came before it.
            if total and section == 0:
                total *= unit
            else:
                total = (total + section) * unit if unit > 10**4 else total + section * unit
            section, digit = 0, None
        else:
            return None
    total += section + (digit or 0)
    return total or None


# -- currencies --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Currencies:
    aliases: tuple[tuple[str, str], ...]  # (alias, code), longest alias first
    ambiguous: dict[str, dict[str, str]]

    def code(self, text: str | None, chinese: bool = False) -> str | None:
        """The ISO code a currency mention means, or None; whole-token match of the longest alias."""
        lowered = (text or "").strip().lower()
        if not lowered:
            return None
        for alias, choices in self.ambiguous.items():
            if alias in lowered and not any(a in lowered for a, _ in self.aliases if len(a) > 1):
                return choices["zh"] if chinese else choices["default"]
        for alias, code in self.aliases:
            if _contains_token(lowered, alias):
                return code
        return None


    def pattern(self) -> str:
        """Every alias as one RE2 alternation (longest first; a word alias matches as a whole word)."""
        parts = []
        for alias in [a for a, _ in self.aliases] + list(self.ambiguous):
            body = re.escape(alias).replace("\\ ", "\\s?").replace(" ", "\\s?")
            if alias[0].isascii() and alias[0].isalnum():
                body = "\\b" + body
            if alias[-1].isascii() and alias[-1].isalnum():
                body += "\\b"
            parts.append(body)
        return "|".join(parts)


def _contains_token(text: str, alias: str) -> bool:
    if not alias.isascii() or not alias[0].isalpha():
        return alias in text
    return re.search(rf"(?<![a-z]){re.escape(alias)}(?![a-z])", text) is not None


@lru_cache(maxsize=1)
def currencies() -> Currencies:
    data = load_yaml("rules", "currencies.yml")
    ambiguous = {str(k): dict(v) for k, v in (data.pop("ambiguous", None) or {}).items()}
    aliases = [(str(alias).lower(), str(code)) for code, names in data.items() for alias in names]
    return Currencies(tuple(sorted(aliases, key=lambda pair: -len(pair[0]))), ambiguous)


# -- jurisdictions -----------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _jurisdiction_names() -> tuple[tuple[str, str], ...]:
    """(name lowercased, English name), longest name first."""
    pairs = [(str(name).lower(), str(entry["en"])) for entry in load_yaml("rules", "jurisdictions.yml")
             for name in entry["names"]]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


@lru_cache(maxsize=1)
def place_names() -> tuple[str, ...]:
    """Every name rules/jurisdictions.yml knows for a place, as written, longest first (the rules' <<PLACE_NAME>>)."""
    names = {str(name) for entry in load_yaml("rules", "jurisdictions.yml") for name in entry["names"]}
    return tuple(sorted(names, key=lambda name: (-len(name), name)))  # a fixed order: the same patterns every run


@lru_cache(maxsize=1)
def joined_place_names() -> tuple[str, ...]:
    """Known place names that themselves hold a list word ("England and Wales", "大不列颠及北爱尔兰联合王国",
    "中华人民共和国"): a list of excluded places must not be split inside them. Longest first."""
    return tuple(n for n in place_names() if re.search(r"\band\b|\bor\b|及|和|或|、", n))


def jurisdiction_english(name: str) -> str | None:
    """The English name of the jurisdiction a governing-law value names (the longest known name in it)."""
    lowered = name.lower()
    for known, english in _jurisdiction_names():
        if known.isascii():
            if re.search(rf"(?<![a-z]){re.escape(known)}(?![a-z])", lowered):
                return english
        elif known in lowered:
            return english
    return None
