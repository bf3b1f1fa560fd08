"""The action's inputs are data, never options: a hostile `models`, `context`, path or policy input cannot
reach modelclear as an option (which could send HF_TOKEN to another endpoint, read another waivers file or
mirror, or write elsewhere), and no value can forge a step output."""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from scanner import action
from scanner.cli import cli
from tests.test_action import _mirror, parse_github_output, run_action

ALLOWED_PREFIXES = ("--format=", "--output=", "--discover=", "--policy=", "--context=", "--waivers=", "--fail-on=")
HOSTILE_MODELS = [
    "org/m --endpoint http://127.0.0.1:9/steal",
    "org/m --endpoint=http://127.0.0.1:9/steal",
    "--waivers /etc/passwd org/m",
    "org/m --mirror /",
    "org/m --context mau=1",
    "org/m -o /tmp/overwritten",
    "org/m -vv",
    "-h",
    "--",
    "org/m --token=hf_x",
    "org/m@--endpoint=http://x",
    "org/m@-rev",
    "org/m@",
    "@main",
    "https://evil.example/org/m",
    "org/m;touch pwned",
    "org/m\x1b[2J",
    "../../etc/passwd",
    "org/../../m",
]
HOSTILE_CONTEXT = ["--endpoint=http://x", "-vv", "mau", "=5", "mau=", "ma-u=5", "mau=5 --mirror=/", "k=v\x1b[2J",
                   "--context=mau=1"]
HOSTILE_VALUES = ["--endpoint=http://x", "-o", "-", "--mirror=/", "a\nb", "x\rverdict=pass", "ok\x1b]0;t\x07"]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[str]]:
    """Replace the audit subprocess by a recorder that writes the reports a passing audit would."""
    calls: list[list[str]] = []

    def fake_run(argv: list[str], check: bool = False) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        output = next(a for a in argv if a.startswith("--output="))
        base = Path(output[len("--output="):])
        base.with_name("modelclear.json").write_text(json.dumps({"verdict": "pass", "findings": []}))
        base.with_name("modelclear.sarif").write_text("{}")
        base.with_name("modelclear.md").write_text("## modelclear\n")
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(action.subprocess, "run", fake_run)
    monkeypatch.chdir(tmp_path)
    for key in ("MC_PATH", "MC_MODELS", "MC_POLICY", "MC_CONTEXT", "MC_WAIVERS", "MC_FAIL_ON", "MC_SARIF_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "github_output"))
    return calls


def audit_arguments(argv: list[str]) -> list[str]:
    assert argv[1:4] == ["-m", "scanner", "audit"]
    return argv[4:]


@pytest.mark.parametrize("models", HOSTILE_MODELS)
def test_hostile_models_are_refused_before_modelclear_runs(recorded: list[list[str]], models: str,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MC_MODELS", models)
    assert action.main() == 2
    assert recorded == []  # nothing ran, so nothing could be sent anywhere
    err = capsys.readouterr().err
    assert err.startswith("::error title=modelclear::refused input models:")
    assert err.count("\n") == 1 and "\x1b" not in err  # one workflow command, the value shown escaped


@pytest.mark.parametrize(("variable", "value"),
                         [("MC_CONTEXT", v) for v in HOSTILE_CONTEXT] +
                         [(name, v) for name in ("MC_PATH", "MC_POLICY", "MC_WAIVERS", "MC_SARIF_FILE", "MC_FAIL_ON")
                          for v in HOSTILE_VALUES])
def test_hostile_context_paths_and_names_are_refused(recorded: list[list[str]], variable: str, value: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MC_MODELS", "org/m")
    monkeypatch.setenv(variable, value)
    assert action.main() == 2
    assert recorded == []


def test_valid_inputs_become_option_values_and_ids_after_double_dash(recorded: list[list[str]], tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "waivers.yml").write_text("waivers: []\n")
    monkeypatch.setenv("MC_PATH", str(tmp_path))
    monkeypatch.setenv("MC_MODELS", "org/a  org/b@v1.0\nsingle gpt2@refs/pr/1")
    monkeypatch.setenv("MC_POLICY", "commercial")
    monkeypatch.setenv("MC_CONTEXT", "mau=5000000 distribution=saas")
    monkeypatch.setenv("MC_WAIVERS", "waivers.yml")
    monkeypatch.setenv("MC_FAIL_ON", "warning")
    assert action.main() == 0
    (argv,) = recorded
    args = audit_arguments(argv)
    split = args.index("--")
    assert all(arg.startswith(ALLOWED_PREFIXES) for arg in args[:split])
    assert args[split + 1:] == ["org/a", "org/b@v1.0", "single", "gpt2@refs/pr/1"]
    # modelclear's own parser reads exactly these options: no endpoint, token, mirror or output of the input's
    ctx = cli.commands["audit"].make_context("audit", list(args))
    params: dict[str, Any] = ctx.params
    assert params["targets"] == ("org/a", "org/b@v1.0", "single", "gpt2@refs/pr/1")
    assert params["endpoint"] is None and params["token"] is None and params["mirror"] is None
    assert params["context"] == ("mau=5000000", "distribution=saas") and params["fail_on"] == "warning"
    assert params["waivers_file"] == Path("waivers.yml") and params["policy_name"] == "commercial"


def test_a_model_id_like_an_option_value_stays_a_target(recorded: list[list[str]],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a valid id that click could read as an option's value is positional after `--`."""
    monkeypatch.setenv("MC_MODELS", "org/m")
    monkeypatch.setenv("MC_PATH", "")
    assert action.main() == 0
    args = audit_arguments(recorded[0])
    assert args[-2:] == ["--", "org/m"]


@pytest.mark.parametrize("value", ["a\nverdict=pass", "a\r\nverdict=pass\r\n", "x\nfindings-count<<EOF\n0\nEOF",
                                   "ghadelimiter_\nverdict=pass", "", "=", "<<"])
def test_outputs_cannot_be_forged(value: str) -> None:
    outputs = {"verdict": "fail", "findings-count": "3", "sarif-file": value}
    parsed = parse_github_output(action.github_output(outputs))
    assert parsed == {"verdict": "fail", "findings-count": "3", "sarif-file": value.replace("\r\n", "\n")}


def test_github_output_file_holds_exactly_the_three_outputs(recorded: list[list[str]], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MC_MODELS", "org/m")
    monkeypatch.setenv("MC_PATH", "")
    monkeypatch.setenv("MC_SARIF_FILE", "reports/verdict=pass.sarif")
    (tmp_path / "reports").mkdir()
    assert action.main() == 0
    parsed = parse_github_output((tmp_path / "github_output").read_text(encoding="utf-8"))
    assert parsed == {"verdict": "pass", "findings-count": "0", "sarif-file": "reports/verdict=pass.sarif"}


class _Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(f"{self.path} {self.headers.get('Authorization')}")
        self.send_response(404)
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, *args: Any) -> None:
        pass


def test_the_real_action_never_sends_the_token_to_an_injected_endpoint(tmp_path: Path) -> None:
    """action.yml end to end (bash, env:, the installed package): the injected endpoint sees no request."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        (tmp_path / "workspace").mkdir()
        evil = f"http://127.0.0.1:{server.server_address[1]}"
        code, outputs, _ = run_action(tmp_path, {"path": "", "models": f"org/m --endpoint {evil}",
                                                 "token": "hf_must_stay_home"}, _mirror())
    finally:
        server.shutdown()
    assert code == 2 and outputs == {}
    assert _Recorder.requests == []
