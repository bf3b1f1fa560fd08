"""Text helpers shared by every stage that cites line numbers, so all of them count lines alike."""

from __future__ import annotations

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
