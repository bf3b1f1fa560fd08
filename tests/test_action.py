"""The composite action run as GitHub runs it: a harness reads action.yml, provides the GITHUB_* files and
environment, resolves ${{ }} expressions where GitHub would (in `env:`, never in `run:`), and executes each
`run:` step with bash on a sample application repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import FIXTURES, HUB_ROOT, REPO_ROOT

EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def run_action(tmp_path: Path, inputs: dict[str, str], extra_env: dict[str, str]) -> tuple[int, dict[str, str], str]:
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)
    output_file, summary_file = tmp_path / "github_output", tmp_path / "step_summary"
    output_file.touch()
    summary_file.touch()
    runner_python = _runner_venv(tmp_path)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "GITHUB_", "VIRTUAL_ENV"))}
    base_env.update({
        "GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary_file),
        "GITHUB_WORKSPACE": str(tmp_path / "workspace"),
        "PATH": f"{runner_python.parent}:{os.environ['PATH']}", **extra_env,
    })

    def resolve(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("inputs."):
                return values[expression[len("inputs."):]]
            if expression == "github.action_path":
                return str(REPO_ROOT)
            raise AssertionError(f"unexpected expression {expression}")
        return EXPRESSION.sub(one, text)

    code = 0
    for step in action["runs"]["steps"]:
        assert "${{" not in step["run"], "inputs must reach scripts through env:, never inside run:"
        env = dict(base_env, **{key: resolve(str(value)) for key, value in (step.get("env") or {}).items()})
        proc = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, cwd=tmp_path / "workspace",
                              capture_output=True, text=True, timeout=600)
        code = proc.returncode
        if code != 0:
            print(proc.stdout[-3000:], proc.stderr[-3000:])
            break
    return code, parse_github_output(output_file.read_text(encoding="utf-8")), summary_file.read_text(encoding="utf-8")


def parse_github_output(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT read as the runner reads it: `name=value` lines and `name<<DELIMITER` blocks; a later
    value for the same name wins, and a malformed line or an unterminated block is an error."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if not line:
            continue
        heredoc = line.find("<<")
        equals = line.find("=")
        if heredoc > 0 and (equals < 0 or heredoc < equals):
            name, delimiter = line[:heredoc], line[heredoc + 2:]
            value: list[str] = []
            for body in lines:
                if body == delimiter:
                    break
                value.append(body)
            else:
                raise AssertionError(f"output {name}: delimiter {delimiter!r} never closes")
            outputs[name] = "\n".join(value)
        elif equals > 0:
            outputs[line[:equals]] = line[equals + 1:]
        else:
            raise AssertionError(f"GITHUB_OUTPUT line {line!r} is neither name=value nor name<<DELIMITER")
    return outputs


def _runner_venv(tmp_path: Path) -> Path:
    """A fresh virtualenv standing in for the runner's Python. It sees this environment's packages through a
    .pth file, so the action's real `pip install` only has modelclear itself to build and install."""
    venv = tmp_path / "runner-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    import site
    import sysconfig

    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    purelib.mkdir(parents=True, exist_ok=True)
    (purelib / "_test_environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv / "bin" / "python3"


def workspace(tmp_path: Path) -> Path:
    target = tmp_path / "workspace"
    subprocess.run(["cp", "-r", str(FIXTURES / "sample-app"), str(target)], check=True)
    return target


def test_action_gates_a_sample_application(tmp_path: Path) -> None:
    workspace(tmp_path)
    code, outputs, summary = run_action(tmp_path, {"path": "."}, _mirror())
    assert code == 3  # violations fail the step
    assert outputs["verdict"] == "fail" and int(outputs["findings-count"]) > 0
    assert outputs["sarif-file"] == "modelclear.sarif"
    assert (tmp_path / "workspace" / "modelclear.sarif").is_file()
    assert summary.startswith("## modelclear: ❌ FAIL") and "```mermaid" in summary
    assert "city96/FLUX.1-dev-gguf" in summary


def test_action_passes_a_clean_repository(tmp_path: Path) -> None:
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "app.py").write_text('m = AutoModel.from_pretrained("chain/model-gguf")\n')
    code, outputs, _ = run_action(tmp_path, {"path": "."}, _mirror())
    assert (code, outputs["verdict"], outputs["findings-count"]) == (0, "pass", "0")


def test_hostile_input_is_inert(tmp_path: Path) -> None:
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "app.py").write_text('m = AutoModel.from_pretrained("chain/model-gguf")\n')
    hostile = '"; touch pwned; "'
    code, _, _ = run_action(tmp_path, {"path": ".", "context": hostile, "models": hostile,
                                       "policy": f"commercial{hostile}"}, _mirror())
    assert code == 2  # a usage error from modelclear, not a shell that ran the payload
    assert not list(tmp_path.rglob("pwned"))


def _mirror() -> dict[str, str]:
    """The sample app's models resolve in the fixture mirror: the action's audit runs offline."""
    return {"MODELCLEAR_MIRROR": str(HUB_ROOT)}


def test_action_yml_shape() -> None:
    action: dict[str, Any] = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"path", "models", "policy", "context", "waivers", "fail-on", "token",
                                     "sarif-file", "summary", "lock"}
    assert set(action["outputs"]) == {"verdict", "findings-count", "sarif-file"}
