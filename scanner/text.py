"""Text helpers shared by every stage: line counting (so all stages cite lines alike), making a repo's
text inert before any output shows it, and taking credentials out of any URL a message or report echoes."""

from __future__ import annotations

import re

import re2

BOM = "\ufeff"


def normalize_newlines(text: str) -> str:
    """Fold CRLF and lone CR into LF and drop a leading BOM; line numbers stay those of the original file."""
    if text.startswith(BOM):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes) -> str | None:
    """Decode a downloaded file as text, or None when it is binary (a NUL byte or not UTF-8/Latin-1 text)."""
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text[:8192])
        return text if printable >= 0.95 * min(len(text), 8192) else None


# Characters a repo's text must never emit into a report, a terminal or a log: C0 controls (newlines too,
# inside one field), DEL, C1 controls (U+009B is CSI on many terminals), Unicode line separators and the
# bidi embeddings, overrides and isolates that make a line read differently from what it holds.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A line that starts (after blanks) with one of these is a GitHub Actions workflow command.
_WORKFLOW_COMMAND = re.compile(r"^(\s*)(::|##\[)")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: object, keep_newlines: bool = False) -> str:
    """One field of repo text, safe to print: every control, line-breaking or bidi character is shown as an
    escape (``\\x1b``, ``\\n``, ``\\u202e``) instead of being emitted, so a card cannot clear a screen, set
    a window title, forge a line of the report or reorder what a reader sees. ``keep_newlines`` is for
    formats where a newline cannot start anything (HTML text keeps a quote's line breaks)."""
    if keep_newlines:
        return _UNSAFE.sub(lambda m: m.group() if m.group() in "\n\t" else _escape_char(m), str(text))
    return _UNSAFE.sub(_escape_char, str(text))


def inert_lines(document: str) -> str:
    """A whole plain-text document made inert line by line: the safety net behind per-field ``inert``.
    The document's own newlines stay; anything else unsafe is escaped, and a line that a wrapped field
    happens to start with ``::`` or ``##[`` is defused so that CI logs cannot read it as a command."""
    lines = []
    for line in document.split("\n"):
        line = _WORKFLOW_COMMAND.sub(lambda m: m.group(1) + ("\\x3a:" if m.group(2) == "::" else "\\x23#["),
                                     inert(line))
        lines.append(line)
    return "\n".join(lines)


def shorten(value: object, limit: int = 80) -> str:
    """A value quoted in a message: its repr (which escapes controls), cut to ``limit`` characters, so an
    error never echoes a whole file or field."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# scheme://user:password@ and ?query / #fragment of any URL in a text: where endpoints carry credentials
# (a mirror's basic auth, an API key parameter, a CDN's signature). RE2: linear time on any text, since
# error messages quote what a server sent.
_USERINFO = re2.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@'\"<>]*@")
_QUERY = re2.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s?#'\"<>]*)[?#][^\s'\"<>]*")


def redact_urls(text: str) -> str:
    """The text with every URL's userinfo, query and fragment removed: the one way an endpoint is echoed."""
    if "://" not in text:  # re2's sub is slow for a short text; most texts name no URL
        return text
    return str(_QUERY.sub(r"\1", _USERINFO.sub(r"\1", text)))
