"""License identity: what the card declares, what the files contain, and whether the two agree.

Detection order for one text (the main cost of the whole tool, DESIGN section 3):
1. the shipped fingerprint table (rules/fingerprints.yml): known license texts, normalised so reflowed or
   re-quoted copies match; no ScanCode at all;
2. the on-disk detection cache, keyed by the text's hash and the extended index's identity;
3. ScanCode with the extended index (scanner/scancode_index.py), loaded once per process, only now.
Only ScanCode decides what a text is; the table and the cache remember its past answers.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import math
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import re2

from scanner.cachefiles import write_atomic
from scanner.models import CARD_FILE, CardInfo, FetchedRepo, LicenseHit
from scanner.resources import load_yaml
from scanner.scancode_index import license_facts

log = logging.getLogger(__name__)
_WORD = re.compile(r"\w+")


# -- the declared side ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class HubLicense:
    """One entry of rules/hub-licenses.yml."""

    hub_id: str
    name: str
    scancode: str | None = None
    spdx: str | None = None
    family: tuple[str, ...] = ()
    unknown: bool = False
    accepts: tuple[str, ...] = ()


@dataclass(frozen=True)
class HubLicenseMap:
    licenses: dict[str, HubLicense]
    names: dict[str, str | None]
    links: dict[str, str | None]

    def key_to_spdx(self, key: str) -> str | None:
        for entry in self.licenses.values():
            if entry.scancode == key:
                return entry.spdx
        return None

    def accepted_keys(self, expression: str) -> set[str]:
        """Keys that agree with a declared key or expression: its keys plus the companions their entries accept."""
        keys = expression_keys(expression)
        for entry in self.licenses.values():
            if entry.scancode in keys:
                keys.update(entry.accepts)
        return keys

    def by_spdx(self, spdx_id: str) -> HubLicense | None:
        lowered = spdx_id.lower()
        return next((e for e in self.licenses.values() if e.spdx and e.spdx.lower() == lowered), None)


def expression_keys(expression: str) -> set[str]:
    """The license keys of a ScanCode or SPDX license expression (parsed with license-expression); a copy,
    so callers may extend it."""
    return set(_expression_keys(expression))


@lru_cache(maxsize=4096)
def _expression_keys(expression: str) -> frozenset[str]:
    """Parsing costs ~0.1 ms (a fresh automaton per Licensing); a large lineage asks for the same few
    expressions hundreds of thousands of times."""
    from license_expression import ExpressionError, Licensing

    try:
        return frozenset(Licensing().license_keys(expression))
    except ExpressionError:
        return frozenset({expression})


@lru_cache(maxsize=1)
def hub_license_map() -> HubLicenseMap:
    data = load_yaml("rules", "hub-licenses.yml")
    licenses = {
        hub_id: HubLicense(
            hub_id=hub_id, name=entry["name"], scancode=entry.get("scancode"), spdx=entry.get("spdx"),
            family=tuple(entry.get("family") or ()), unknown=bool(entry.get("unknown")),
            accepts=tuple(entry.get("accepts") or ()),
        )
        for hub_id, entry in data["licenses"].items()
    }
    names = {str(name).lower(): key for name, key in (data.get("license_names") or {}).items()}
    links = {_normalise_link(url): key for url, key in (data.get("license_links") or {}).items()}
    return HubLicenseMap(licenses, names, links)


@dataclass(frozen=True)
class Declaration:
    """How one declared license id resolved: a key, or why not."""

    declared: str
    key: str | None
    spdx: str | None
    via: str  # license | license_name | license_link | family | unknown | unmapped | no-text
    name: str | None = None


def resolve_declared(card: CardInfo) -> list[Declaration]:
    """Resolve the card's license ids through the Hub map; `other` through license_name and license_link."""
    hub_map = hub_license_map()
    resolved: list[Declaration] = []
    for hub_id in card.licenses:
        entry = hub_map.licenses.get(hub_id)
        if entry is None:
            resolved.append(_resolve_spdx_expression(hub_id, hub_map))
        elif entry.hub_id == "other":
            resolved.append(_resolve_other(card, hub_map))
        elif entry.unknown:
            resolved.append(Declaration(hub_id, None, None, "unknown", entry.name))
        elif entry.family:
            resolved.append(Declaration(hub_id, None, None, "family", entry.name))
        elif entry.scancode is None:
            resolved.append(Declaration(hub_id, None, None, "no-text", entry.name))
        else:
            resolved.append(Declaration(hub_id, entry.scancode, entry.spdx, "license", entry.name))
    return resolved


def _resolve_spdx_expression(value: str, hub_map: HubLicenseMap) -> Declaration:
    """Cards sometimes carry an SPDX expression ("Apache-2.0 OR MIT") instead of a Hub id: resolve it when
    every license in it is one the Hub map knows; anything else stays unmapped."""
    from license_expression import ExpressionError, get_spdx_licensing

    licensing = get_spdx_licensing()
    try:
        parsed = licensing.parse(value, validate=False)
    except ExpressionError:
        return Declaration(value, None, None, "unmapped")
    if parsed is None:
        return Declaration(value, None, None, "unmapped")
    expression = str(parsed)
    spdx = expression
    for symbol in licensing.license_symbols(parsed):
        entry = hub_map.by_spdx(str(symbol.key))
        if entry is None or entry.scancode is None:
            return Declaration(value, None, None, "unmapped")
        expression = re.sub(rf"(?<![\w.+-]){re.escape(str(symbol.key))}(?![\w.+-])", entry.scancode, expression)
    return Declaration(value, expression, spdx, "spdx-expression")


def _resolve_other(card: CardInfo, hub_map: HubLicenseMap) -> Declaration:
    if card.license_name:
        key = hub_map.names.get(card.license_name.lower())
        if key:
            return Declaration("other", key, _spdx_for(key, hub_map), "license_name", card.license_name)
    if card.license_link:
        key = hub_map.links.get(_normalise_link(card.license_link))
        if key:
            return Declaration("other", key, _spdx_for(key, hub_map), "license_link", card.license_name)
    return Declaration("other", None, None, "unknown", card.license_name)


def _spdx_for(key: str, hub_map: HubLicenseMap) -> str:
    """The SPDX id the Hub map gives, else the one the license's own .LICENSE file declares."""
    return hub_map.key_to_spdx(key) or license_facts(key).get("spdx") or f"LicenseRef-scancode-{key}"


def _normalise_link(url: str) -> str:
    url = url.strip()
    for prefix in ("https://", "http://"):
        if url.startswith(prefix):
            url = url[len(prefix):]
    return url.rstrip("/")


# -- the detected side ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TextMatch:
    """One identified license in a text; lines are 1-based in that text."""

    key: str
    spdx: str | None
    start_line: int
    end_line: int
    score: float
    coverage: float
    name: str | None = None
    category: str | None = None
    kind: str = "text"  # text | notice | reference (ScanCode's rule flags)
    tokens: int = 0  # matched tokens


_MATCH_TYPES: dict[str, tuple[type, ...]] = {
    "key": (str,), "spdx": (str, type(None)), "start_line": (int,), "end_line": (int,), "score": (int, float),
    "coverage": (int, float), "name": (str, type(None)), "category": (str, type(None)), "kind": (str,),
    "tokens": (int,),
}


def _match_from_json(data: Any) -> TextMatch:
    if not isinstance(data, dict) or set(data) != set(_MATCH_TYPES):
        raise ValueError("not a match")
    for name, types in _MATCH_TYPES.items():
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, types):
            raise ValueError(f"ill-typed {name}")
    if not 1 <= data["start_line"] <= data["end_line"] or data["kind"] not in ("text", "notice", "reference"):
        raise ValueError("impossible match")
    return TextMatch(**data)


@dataclass(frozen=True)
class TextDetection:
    """What a text contains: identified licenses, and whether license-like text went unidentified."""

    matches: tuple[TextMatch, ...] = ()
    unidentified: bool = False
    best_partial: str | None = None
    via: str = "scancode"
    words: int = 0
    note: str | None = None  # why the detection is incomplete (a deadline); such detections are not cached

    def to_json(self) -> dict[str, Any]:
        return {"matches": [asdict(m) for m in self.matches], "unidentified": self.unidentified,
                "best_partial": self.best_partial, "words": self.words}

    @classmethod
    def from_json(cls, data: Any, via: str) -> TextDetection:
        """A cached detection, checked field by field: a cache entry anyone could have edited (``start_line:
        "1"``) is rejected with ValueError and recomputed, never trusted into the evidence."""
        if not isinstance(data, dict) or not isinstance(data.get("matches"), list):
            raise ValueError("not a detection")
        matches = tuple(_match_from_json(m) for m in data["matches"])
        unidentified, partial, words = data.get("unidentified"), data.get("best_partial"), data.get("words", 0)
        if not isinstance(unidentified, bool) or not isinstance(partial, (str, type(None))) \
                or type(words) is not int:
            raise ValueError("ill-typed detection")
        return cls(matches, unidentified, partial, via, words)

    def as_terms_file(self) -> TextDetection:
        """The detection for a file whose purpose is to state terms: a mere mention of a license (its title,
        "see LICENSE-X") identifies it only when the mention is most of the file. A truncated or altered
        license text that still carries its title is unknown, not that license."""
        kept = tuple(m for m in self.matches if m.kind != "reference" or m.tokens * 2 >= self.words)
        if len(kept) == len(self.matches):
            return self
        dropped = next(m for m in self.matches if m not in kept)
        partial = self.best_partial or f"names {dropped.key} but is not its full text"
        return TextDetection(kept, self.unidentified or not kept, partial if not kept else None, self.via,
                             self.words)


@dataclass(frozen=True)
class IdentifySettings:
    min_score: float
    min_coverage: float
    generic_keys: frozenset[str]
    terms_files: tuple[str, ...]
    skip_files: tuple[str, ...]
    deadline_seconds: float
    max_section_chars: int
    max_missing_words: int
    max_extra_words: int
    license_words: Any  # compiled RE2: a cheap test before card prose goes to ScanCode

    @classmethod
    def load(cls) -> IdentifySettings:
        data = load_yaml("rules", "identify.yml")
        return cls(float(data["min_score"]), float(data["min_coverage"]), frozenset(data["generic_keys"]),
                   tuple(data["terms_files"]), tuple(data["skip_files"]), float(data["deadline_seconds"]),
                   int(data["max_section_chars"]), int(data["max_missing_words"]), int(data["max_extra_words"]),
                   re2.compile(str(data["license_words"])))

    def may_name_a_license(self, text: str) -> bool:
        return self.license_words.search(text) is not None

    def is_terms_file(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name.upper(), pattern.upper()) for pattern in self.terms_files)


def fingerprint(text: str) -> str:
    """A hash of the text's words, lowercased: reflowing, re-quoting or re-punctuating does not change it."""
    return hashlib.sha256(" ".join(_WORD.findall(text.lower())).encode("utf-8")).hexdigest()


@dataclass
class Detector:
    """Detects licenses in texts with the fingerprint table, the disk cache, then ScanCode (lazily)."""

    cache_dir: Path | None = None
    settings: IdentifySettings = field(default_factory=IdentifySettings.load)
    stats: dict[str, int] = field(default_factory=lambda: {"fingerprint": 0, "cache": 0, "scancode": 0})
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _mine: threading.local = field(default_factory=threading.local)  # this thread's ScanCode runs

    def scancode_runs_here(self) -> int:
        """How many texts this thread has sent to ScanCode: an audit runs its examinations in one thread,
        so the difference across it says whether that audit needed the index."""
        return int(getattr(self._mine, "scancode", 0))

    def detect(self, text: str) -> TextDetection:
        known = fingerprint_table().get(fingerprint(text))
        if known is not None:
            self._count("fingerprint")
            return _whole_text_detection(text, known)
        cache_file = self._cache_file(text)
        if cache_file is not None and cache_file.is_file():
            try:
                detection = TextDetection.from_json(json.loads(cache_file.read_text(encoding="utf-8")), "cache")
                if any(m.end_line > _last_line(text) for m in detection.matches):
                    raise ValueError("lines past the end of the text")
                self._count("cache")
                return detection
            except (ValueError, KeyError, TypeError):
                log.debug("ignoring a corrupt detection cache entry %s", cache_file)
        self._count("scancode")
        self._mine.scancode = self.scancode_runs_here() + 1
        detection = self._scancode(text)
        if cache_file is not None and detection.note is None:
            write_atomic(cache_file, json.dumps(detection.to_json()).encode("utf-8"))
        return detection

    def _count(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1

    def _cache_file(self, text: str) -> Path | None:
        if self.cache_dir is None:
            return None
        from scanner.scancode_index import rules_digest

        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_dir / "detections" / f"{CACHE_FORMAT}-{rules_digest()}" / digest[:2] / f"{digest}.json"

    def _scancode(self, text: str) -> TextDetection:
        from scanner.scancode_index import get_license_cache

        license_cache = get_license_cache()
        from licensedcode.cache import build_spdx_license_expression

        # The index's matcher directly, not detect_licenses(): its detection identifiers cost time quadratic
        # in repeated license words (a 64 KiB LICENSE of them: minutes) and are not used here. The matcher
        # honours a deadline between its stages; past it the text is unknown, never half-identified.
        with _SCANCODE_LOCK:  # the index is shared; ScanCode's matcher is not documented as thread-safe
            deadline = time.time() + self.settings.deadline_seconds
            matches = license_cache.index.match(query_string=text, deadline=deadline)
            timed_out = time.time() > deadline
        if timed_out:
            return TextDetection((), True, None, "scancode", len(_WORD.findall(text)),
                                 note=f"detection stopped at its {self.settings.deadline_seconds:g} s deadline "
                                      f"({len(text)} characters); treated as unknown")
        kept: list[TextMatch] = []
        unidentified = False
        best_partial: tuple[float, str] | None = None
        for match in matches:
            rule = match.rule
            if rule.is_license_intro or rule.is_license_clue:
                continue
            key = rule.license_expression
            score, coverage = float(match.score()), float(match.coverage())
            if expression_keys(key) <= self.settings.generic_keys:
                unidentified = unidentified or rule.is_license_text or rule.is_license_notice
                continue
            if score < self.settings.min_score or coverage < self.settings.min_coverage:
                unidentified = True
                if best_partial is None or coverage > best_partial[0]:
                    best_partial = (coverage, f"{key} ({coverage:.0f}% of its text)")
                continue
            differences = _material_differences(match, self.settings) if rule.is_license_text and score < 100 \
                else ()
            if differences:
                # Another licensor, other names or other terms make another license: never that one.
                unidentified = True
                if best_partial is None or score > best_partial[0]:
                    best_partial = (score, f"{key} ({math.floor(score)}%), but it differs in names or terms: "
                                           f"{' '.join(differences[:8])}")
                continue
            lic = license_cache.db.get(key)
            kind = ("text" if rule.is_license_text else "notice" if rule.is_license_notice else "reference")
            kept.append(TextMatch(
                key=key, spdx=build_spdx_license_expression(key, licensing=license_cache.licensing),
                start_line=match.start_line, end_line=match.end_line, score=round(score, 1),
                coverage=round(coverage, 1), name=getattr(lic, "name", None),
                category=getattr(lic, "category", None), kind=kind, tokens=int(match.len())))
        # ScanCode can count a line past the end (a text ending in a no-break space); evidence must exist.
        last_line = _last_line(text)
        kept = [replace(m, start_line=min(m.start_line, last_line), end_line=min(m.end_line, last_line))
                for m in kept]
        merged = _merge(kept)
        return TextDetection(merged, unidentified and not merged,
                             best_partial[1] if best_partial and not merged else None, "scancode",
                             len(_WORD.findall(text)))


# Dates, years and section numbers differ between copies of one license; other numbers (a threshold) do not.
_DATE_TOKEN = re.compile(r"\d{1,2}|(?:19|20)\d\d|january|february|march|april|may|june|july|august|september|"
                         r"october|november|december")


def _material_differences(match: Any, settings: IdentifySettings) -> tuple[str, ...]:
    """Words of the known license text that this text lacks (dates and section numbers aside), or words it
    adds inside the matched region beyond a filled-in copyright line: empty when the text is that license
    with immaterial changes. A licensor renamed throughout, a model name swapped, a clause rewritten: not."""
    rule_tokens = list(match.rule.tokens())
    missing = [t for i, t in enumerate(rule_tokens) if i not in match.ispan and not _DATE_TOKEN.fullmatch(t)]
    # A missing amount (a threshold, a price) is never immaterial; a word or two of wording may be.
    if len(missing) > settings.max_missing_words or any(t.isdigit() for t in missing):
        return tuple(dict.fromkeys(missing))
    query = match.query
    extra = sum(1 for i in range(match.qstart, match.qend + 1) if i not in match.qspan)
    extra += sum(int(query.unknowns_by_pos.get(i, 0)) for i in match.qspan)
    if extra > max(settings.max_extra_words, len(rule_tokens) // 100):
        return ("words not in the known text",)
    return ()


def _last_line(text: str) -> int:
    return max(1, text.count("\n") + (0 if text.endswith("\n") else 1))


_SCANCODE_LOCK = threading.Lock()
CACHE_FORMAT = "v4"  # bump when TextDetection's JSON changes


def _merge(matches: list[TextMatch]) -> tuple[TextMatch, ...]:
    """One entry per license key and contiguous region: ScanCode often splits a long text into matches."""
    merged: list[TextMatch] = []
    for match in sorted(matches, key=lambda m: (m.key, m.start_line)):
        last = merged[-1] if merged else None
        if last is not None and last.key == match.key and match.start_line <= last.end_line + 3:
            kind = "text" if "text" in (last.kind, match.kind) else "notice" if "notice" in (
                last.kind, match.kind) else "reference"
            merged[-1] = TextMatch(last.key, last.spdx, last.start_line, max(last.end_line, match.end_line),
                                   min(last.score, match.score), min(last.coverage, match.coverage),
                                   last.name, last.category, kind, last.tokens + match.tokens)
        else:
            merged.append(match)
    return tuple(sorted(merged, key=lambda m: m.start_line))


@lru_cache(maxsize=1)
def fingerprint_table() -> dict[str, dict[str, Any]]:
    """rules/fingerprints.yml: fingerprint -> the single license that the whole text is."""
    data = load_yaml("rules", "fingerprints.yml") or {}
    return {entry["fingerprint"]: entry for entry in data.get("texts", [])}


def text_span(text: str) -> tuple[int, int]:
    """The first and last non-blank lines (1-based): where a text that is one whole license lies."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines, 1) if line.strip()), 1)
    last = next((i for i in range(len(lines), 0, -1) if lines[i - 1].strip()), first)
    return first, last


def _whole_text_detection(text: str, known: dict[str, Any]) -> TextDetection:
    first, last = text_span(text)
    words = len(_WORD.findall(text))
    match = TextMatch(known["key"], known["spdx"], first, last, 100.0, 100.0, known.get("name"),
                      known.get("category"), "text", words)
    return TextDetection((match,), False, None, "fingerprint", words)


# -- one repo --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Identification:
    licenses: tuple[LicenseHit, ...]
    declarations: tuple[Declaration, ...]
    unidentified_files: tuple[tuple[str, str | None], ...]  # (file, why: a closest known text, a deadline)


def identify(repo: FetchedRepo, card: CardInfo, card_file: str, detector: Detector) -> Identification:
    """Declared licenses (card metadata) and detected ones (files, card body, gated prompt), with evidence."""
    declarations = tuple(resolve_declared(card))
    hits: list[LicenseHit] = []
    license_line = card.field_lines.get("license")
    for declaration in declarations:
        if declaration.key:
            facts = license_facts(declaration.key)
            hits.append(LicenseHit(
                key=declaration.key, spdx=declaration.spdx, source="declared", file=card_file,
                start_line=license_line, end_line=license_line, score=None, name=facts.get("name"),
                category=facts.get("category"), via=declaration.via))
    unidentified: list[tuple[str, str | None]] = []
    for repo_file in repo.files:
        if repo_file.text is None or repo_file.path == CARD_FILE:
            continue
        if any(fnmatch.fnmatchcase(repo_file.path, p) for p in detector.settings.skip_files):
            continue
        detection = detector.detect(repo_file.text)
        if detector.settings.is_terms_file(repo_file.path):
            detection = detection.as_terms_file()
        hits.extend(_hits(detection.matches, "file", repo_file.path, 0))
        if not detection.matches and detector.settings.is_terms_file(repo_file.path) and repo_file.text.strip():
            why = detection.note or (f"closest known: {detection.best_partial}" if detection.best_partial
                                     else None)
            unidentified.append((repo_file.path, why))
    # The card's prose and gated prompt are scanned only when the files have not settled the question (no
    # license file identified, or a declaration that does not resolve): each card is unique, so scanning it
    # always would load ScanCode's index on every audit even when every license file is already known.
    settled = any(h.source == "file" for h in hits) and all(d.key for d in declarations)
    if not settled and card.extra_gated_prompt:
        line = card.field_lines.get("extra_gated_prompt")
        for match in detector.detect(card.extra_gated_prompt).matches:
            hits.append(LicenseHit(match.key, match.spdx, "card", card_file, line, line, match.score,
                                   name=match.name, category=match.category, via="extra_gated_prompt"))
    if not settled and card_file == CARD_FILE and card.body.strip():
        sections = license_sections(card.body) if hits else [(0, card.body)]
        for offset, section in sections:
            # Prose with no license-bearing word cannot name a license: ScanCode's index (1.4 GiB) is not
            # loaded for it. A license is a few pages: past that a section is prose or padding, read in part.
            if not detector.settings.may_name_a_license(section):
                continue
            found = detector.detect(section[: detector.settings.max_section_chars]).matches
            hits.extend(_hits(found, "card", CARD_FILE, card.body_start_line - 1 + offset))
    return Identification(tuple(hits), declarations, tuple(unidentified))


_HEADING = re.compile(r"^(#{1,6})\s+(.{0,200})$")
_LICENSE_WORDS = re.compile(r"licen[cs]e|terms|agreement|use policy|copyright", re.IGNORECASE)


def license_sections(body: str) -> list[tuple[int, str]]:
    """Markdown sections whose heading speaks of licenses or terms, as (line offset, text) pairs."""
    lines = body.split("\n")
    sections: list[tuple[int, str]] = []
    index = 0
    while index < len(lines):
        heading = _HEADING.match(lines[index])
        if heading and _LICENSE_WORDS.search(heading.group(2)):
            level = len(heading.group(1))
            end = index + 1
            while end < len(lines):
                other = _HEADING.match(lines[end])
                if other and len(other.group(1)) <= level:
                    break
                end += 1
            sections.append((index, "\n".join(lines[index:end])))
            index = end
        else:
            index += 1
    return sections


def _hits(matches: Iterable[TextMatch], source: str, file: str, offset: int) -> list[LicenseHit]:
    return [LicenseHit(m.key, m.spdx, source, file, m.start_line + offset, m.end_line + offset, m.score,
                       name=m.name, category=m.category) for m in matches]
