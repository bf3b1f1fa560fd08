"""With -vv every log line is redacted, the HTTP client's too: a server that echoes the Authorization header
back (in a response header and in the body) never gets the token printed."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scanner.logs import RedactingFormatter, add_secret, redact
from tests.conftest import run_console_script

TOKEN = "hf_EchoedBackTokenValue0123456789"
OTHER = "s3cr3t-not-hub-shaped-value"


class _Echo(BaseHTTPRequestHandler):
    """Answers everything with the request's Authorization header echoed in a header and in the body."""

    def _reply(self, code: int) -> None:
        auth = self.headers.get("Authorization", "")
        body = json.dumps({"error": f"denied for {auth}", "echo": auth}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Echo-Authorization", auth)
        self.send_header("Authorization", auth)
        self.send_header("Location", f"http://user:{OTHER}@127.0.0.1/{auth}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._reply(500 if "/api/models/" in self.path else 404)

    def do_HEAD(self) -> None:
        self._reply(404)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.mark.parametrize("how", ["env", "option"])
def test_debug_logs_never_show_the_token(echo_server: str, tmp_path: Path, how: str) -> None:
    env = {"HF_ENDPOINT": echo_server, "HF_HUB_CACHE": str(tmp_path / "c"), "HF_HOME": str(tmp_path / "home"),
           "HF_HUB_DISABLE_TELEMETRY": "1"}
    args = ["-vv", "audit", "--format", "json", "--retries", "0", "--timeout", "5", "org/echo"]
    if how == "env":
        env["HF_TOKEN"] = TOKEN
    else:
        args[2:2] = ["--token", TOKEN]
    proc = run_console_script(args, env=env)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "DEBUG" in proc.stderr or "receive_response_headers" in proc.stderr  # the client did log headers
    assert b"X-Echo-Authorization" in proc.stderr.encode() or "x-echo-authorization" in proc.stderr.lower()
    for output in (proc.stdout, proc.stderr):
        assert TOKEN not in output
        assert TOKEN[3:] not in output  # not even without its prefix
        assert OTHER not in output


@pytest.mark.parametrize("line", [
    f"Authorization: Bearer {OTHER}",
    f"[(b'Authorization', b'Bearer {OTHER}'), (b'Host', b'x')]",
    f"{{'authorization': '{OTHER}'}}",
    f"GET http://user:{OTHER}@example.com/x",
    f"header x-echo: bearer {OTHER}",
    f"proxy-authorization={OTHER}",
])
def test_redact_removes_credentials_in_any_shape(line: str) -> None:
    assert OTHER not in redact(line)


def test_formatter_redacts_arguments_and_tracebacks() -> None:
    add_secret(OTHER)
    formatter = RedactingFormatter("modelclear: %(message)s")
    try:
        raise RuntimeError(f"failed with {OTHER}")
    except RuntimeError:
        import sys

        record = logging.LogRecord("httpcore2.http11", logging.DEBUG, __file__, 1, "headers=%r\nnext %s",
                                   ([("Authorization", OTHER)], OTHER), sys.exc_info())
    text = formatter.format(record)
    assert OTHER not in text and "RuntimeError" in text
    assert text.split("\n")[0].endswith("\\nnext ***")  # the message's own newline is shown, not emitted
