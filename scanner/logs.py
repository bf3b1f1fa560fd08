"""Logging for the CLI: one handler on stderr whose every line is redacted and inert.

With -vv the HTTP stack logs at debug level (httpx2/httpcore2 print request and response headers, and a
server that echoes Authorization would print the token), so redaction cannot rely on what our own
modules choose to log: the handler's formatter redacts the final formatted line, arguments and traceback
included. huggingface_hub's own stderr handler is removed, so its records reach this one handler.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading

from scanner.text import inert, redact_urls

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_BEARER = re.compile(r"(?i)\b(bearer)(\s+|%20)[^\s'\",;)\]}]+")
# Authorization: VALUE / 'authorization': 'VALUE' / (b'Authorization', b'VALUE') / authorization=VALUE
_AUTH_HEADER = re.compile(r"(?i)((?:proxy-)?authorization['\"]?\s*[:=,]\s*b?['\"]?)([^'\"\r\n,;)}\]]+)")
_HF_TOKEN = re.compile(r"\bhf_[A-Za-z0-9]{8,}")
MASK = "***"
_MARK = "_modelclear_handler"


def add_secret(value: str | None) -> None:
    """A value (a token) that no log line may show."""
    if value and len(value) >= 4:
        with _LOCK:
            _SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every known secret, bearer credential, Authorization value, Hub-style token and URL
    userinfo replaced by *** (URLs lose their userinfo and query, as everywhere an endpoint is echoed)."""
    with _LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = redact_urls(text)
    return _HF_TOKEN.sub(MASK, text)


class RedactingFormatter(logging.Formatter):
    """Formats a record as usual, then redacts the whole line (message, arguments, traceback) and escapes
    control characters in the message, so a logged server reply cannot forge lines either."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return inert(super().formatMessage(record))

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(verbose: int) -> None:
    """Root logging on stderr at WARNING, INFO (-v) or DEBUG (-vv) through one redacting handler. Called
    on every CLI invocation: the handler is made once and follows the current sys.stderr."""
    add_secret(os.environ.get("HF_TOKEN"))
    root = logging.getLogger()
    root.setLevel(logging.WARNING - 10 * min(verbose, 2))
    handler = next((h for h in root.handlers if getattr(h, _MARK, False)), None)
    if not isinstance(handler, logging.StreamHandler):
        handler = logging.StreamHandler(sys.stderr)
        setattr(handler, _MARK, True)
        handler.setFormatter(RedactingFormatter("modelclear: %(message)s"))
        root.addHandler(handler)
    else:
        handler.setStream(sys.stderr)
    hub_logger = logging.getLogger("huggingface_hub")
    for own in list(hub_logger.handlers):  # its records propagate to the redacting handler instead
        if type(own) is logging.StreamHandler:
            hub_logger.removeHandler(own)
