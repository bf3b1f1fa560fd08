"""The GitHub Action's step: inputs arrive only as environment variables (action.yml passes every input
through `env:`), are turned into an argument list (never a shell string), and the audit's results become
step outputs, a step summary and a SARIF file.

    MC_PATH, MC_MODELS, MC_POLICY, MC_CONTEXT, MC_WAIVERS, MC_FAIL_ON, MC_SARIF_FILE, MC_SUMMARY, HF_TOKEN
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def arguments(env: dict[str, str], base: Path) -> list[str]:
    """The `modelclear audit` argument list for the action's inputs; values are never parsed by a shell."""
    args = ["audit", "--format", "json", "--format", "markdown", "--format", "sarif", "-o", str(base)]
    if env.get("MC_PATH", "").strip():
        args += ["--discover", env["MC_PATH"].strip()]
    args += env.get("MC_MODELS", "").split()
    if env.get("MC_POLICY", "").strip():
        args += ["--policy", env["MC_POLICY"].strip()]
    for pair in env.get("MC_CONTEXT", "").split():
        args += ["--context", pair]
    if env.get("MC_WAIVERS", "").strip():
        args += ["--waivers", env["MC_WAIVERS"].strip()]
    args += ["--fail-on", env.get("MC_FAIL_ON", "").strip() or "error"]
    return args


def main() -> int:
    env = dict(os.environ)
    sarif_target = Path(env.get("MC_SARIF_FILE", "").strip() or "modelclear.sarif")
    with tempfile.TemporaryDirectory() as work:
        base = Path(work) / "modelclear"
        code = subprocess.run([sys.executable, "-m", "scanner", *arguments(env, base)], check=False).returncode
        report = base.with_name("modelclear.json")
        if code not in (0, 3) or not report.is_file():
            print(f"::error title=modelclear::the audit could not run (exit code {code})", file=sys.stderr)
            return code or 1
        document = json.loads(report.read_text(encoding="utf-8"))
        shutil.copyfile(base.with_name("modelclear.sarif"), sarif_target)
        unwaived = [f for f in document["findings"] if not f["waived"]]
        summary_file = env.get("GITHUB_STEP_SUMMARY")
        if summary_file and env.get("MC_SUMMARY", "true").strip().lower() not in ("false", "0", "no"):
            with open(summary_file, "a", encoding="utf-8") as handle:
                handle.write(base.with_name("modelclear.md").read_text(encoding="utf-8"))
        outputs = {"verdict": document["verdict"], "findings-count": str(len(unwaived)),
                   "sarif-file": str(sarif_target)}
        output_file = env.get("GITHUB_OUTPUT")
        if output_file:
            with open(output_file, "a", encoding="utf-8") as handle:
                for key, value in outputs.items():
                    handle.write(f"{key}={value}\n")
    if code == 3:
        print(f"::error title=modelclear::policy violations: {len(unwaived)} findings (verdict "
              f"{document['verdict']})", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
