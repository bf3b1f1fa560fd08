"""The GitHub Action's step: inputs arrive only as environment variables (action.yml passes every input
through `env:`), are validated and turned into an argument list (never a shell string), and the audit's
results become step outputs, a step summary and a SARIF file.

    MC_PATH, MC_MODELS, MC_POLICY, MC_CONTEXT, MC_WAIVERS, MC_FAIL_ON, MC_SARIF_FILE, MC_SUMMARY, MC_LOCK,
    HF_TOKEN

On a pull request (GITHUB_BASE_REF set) that changes the lock file (MC_LOCK, default modelclear.lock), the
step summary also shows the license diff between the base branch's copy (``git show`` of
origin/<base> or the merge commit's first parent, run with an argument list) and the pull request's.

An input is data, never an option: model tokens must be Hub ids, context tokens key=value pairs, and a
path or name may not start with '-' (so `models: org/m --endpoint http://elsewhere` cannot send the token
elsewhere); option values are passed as `--option=value` and the ids after `--`. Anything else is refused
with an ::error and exit code 2 before modelclear runs. Outputs use GitHub's delimiter form with a random
delimiter, so no value can add an output line of its own.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from scanner.hubid import is_hub_id

EXIT_USAGE = 2
FAIL_ON = ("error", "warning", "info", "never")
_REVISION = re.compile(r"[A-Za-z0-9][\w.\-/]{0,254}")  # a branch, tag or commit; never an option
_CONTEXT = re.compile(r"[A-Za-z_]\w{0,63}=[^\s=\x00-\x1f\x7f-\x9f][^\s\x00-\x1f\x7f-\x9f]{0,255}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class InputError(ValueError):
    """An action input that cannot be passed to modelclear as the data it must be."""


def _shown(value: str) -> str:
    """A refused value in an error message: escaped and short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def model_tokens(raw: str) -> list[str]:
    """The `models` input: whitespace-separated Hub ids, each org/name or org/name@revision."""
    tokens = raw.split()
    for token in tokens:
        hub_id, at, revision = token.partition("@")
        if not is_hub_id(hub_id) or (at and not _REVISION.fullmatch(revision)):
            raise InputError(f"models: {_shown(token)} is not a Hub model id (org/name or org/name@revision)")
    return tokens


def context_pairs(raw: str) -> list[str]:
    """The `context` input: whitespace-separated key=value pairs, each key a word."""
    pairs = raw.split()
    for pair in pairs:
        if not _CONTEXT.fullmatch(pair):
            raise InputError(f"context: {_shown(pair)} is not a key=value pair with a word as key")
    return pairs


def plain_value(name: str, raw: str) -> str:
    """A path or policy name: stripped, and refused when it could read as an option or holds controls."""
    value = raw.strip()
    if value.startswith("-") or _CONTROL.search(value):
        raise InputError(f"{name}: {_shown(value)} is not a path or name (it starts with '-' or holds a "
                         "control character)")
    return value


def arguments(env: Mapping[str, str], base: Path) -> list[str]:
    """The `modelclear audit` argument list for the action's inputs; an input that is not the data it must
    be is an InputError. Values are never parsed by a shell and never read as options."""
    args = ["audit", "--format=json", "--format=markdown", "--format=sarif", f"--output={base}"]
    path = plain_value("path", env.get("MC_PATH", ""))
    if path:
        args.append(f"--discover={path}")
    policy = plain_value("policy", env.get("MC_POLICY", ""))
    if policy:
        args.append(f"--policy={policy}")
    args += [f"--context={pair}" for pair in context_pairs(env.get("MC_CONTEXT", ""))]
    waivers = plain_value("waivers", env.get("MC_WAIVERS", ""))
    if waivers:
        args.append(f"--waivers={waivers}")
    fail_on = env.get("MC_FAIL_ON", "").strip() or "error"
    if fail_on not in FAIL_ON:
        raise InputError(f"fail-on: {_shown(fail_on)} is not one of {', '.join(FAIL_ON)}")
    args.append(f"--fail-on={fail_on}")
    return [*args, "--", *model_tokens(env.get("MC_MODELS", ""))]


def lock_path(raw: str) -> str:
    """The `lock` input: a relative path inside the repository (it is also read from the base branch)."""
    value = plain_value("lock", raw)
    if value and (Path(value).is_absolute() or ".." in Path(value).parts):
        raise InputError(f"lock: {_shown(value)} is not a relative path inside the repository")
    return value


def _git_show(revision: str, path: str) -> tuple[bool, bytes | None]:
    """(the revision exists, the file's bytes there or None): git run with an argument list, never a shell."""
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
                           capture_output=True, check=False)
    if found.returncode != 0:
        return False, None
    shown = subprocess.run(["git", "show", f"{revision}:./{path}"], capture_output=True, check=False)
    return True, shown.stdout if shown.returncode == 0 else None


def base_lock(base_ref: str, path: str) -> tuple[str, bytes | None] | None:
    """The base branch's copy of the lock: from origin/<base> (fetched), else from the first parent of the
    pull request's merge commit (actions/checkout with fetch-depth: 2); None when neither can be read."""
    candidates = [f"origin/{base_ref}"] if _REVISION.fullmatch(base_ref) else []
    merge = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD^2"], capture_output=True, check=False)
    if merge.returncode == 0:
        candidates.append("HEAD^1")
    for revision in candidates:
        exists, data = _git_show(revision, path)
        if exists:
            return revision, data
    return None


def lock_diff_summary(env: Mapping[str, str], work: Path) -> str | None:
    """The license diff of a pull request that changes the lock, as Markdown; None when it does not."""
    path = lock_path(env.get("MC_LOCK", ""))
    base_ref = env.get("GITHUB_BASE_REF", "").strip()
    if not path or not base_ref:
        return None
    current = Path(path).read_bytes() if Path(path).is_file() else None
    base = base_lock(base_ref, path)
    if base is None:
        return (f"\n### License diff\n\nThe base branch's copy of `{path}` could not be read (check out with "
                "`fetch-depth: 2`, or fetch the base branch), so the lock's changes are not shown.\n")
    _, before = base
    if before == current:
        return None
    from scanner.lock import Lock, dump_lock
    from scanner.models import PolicyRef

    empty = dump_lock(Lock("none", PolicyRef("none", "0" * 64), {}, "pass", ())).encode("utf-8")
    old_file, new_file, out = work / "base.lock", work / "head.lock", work / "lock-diff.md"
    old_file.write_bytes(before if before is not None else empty)
    new_file.write_bytes(current if current is not None else empty)
    base_name = f"{path} on {base_ref}" + ("" if before is not None else " (none)")
    head_name = f"{path} in this pull request" + ("" if current is not None else " (removed)")
    code = subprocess.run([sys.executable, "-m", "scanner", "diff", "--format=markdown", f"--output={out}",
                           f"--old-name={base_name}", f"--new-name={head_name}", "--", str(old_file),
                           str(new_file)], check=False).returncode
    if code != 0 or not out.is_file():
        error(f"the lock's license diff could not be computed (exit code {code})")
        return None
    return "\n" + out.read_text(encoding="utf-8")


def github_output(outputs: Mapping[str, str]) -> str:
    """Step outputs in GitHub's delimiter form (name<<DELIMITER, value, DELIMITER) with a random delimiter
    that occurs in no value, so a value with newlines stays one value."""
    text = ""
    for name, value in outputs.items():
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        while delimiter in value:  # pragma: no cover - 128 random bits
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        text += f"{name}<<{delimiter}\n{value}\n{delimiter}\n"
    return text


def _command_text(text: str) -> str:
    """A workflow command's message, escaped as the runner expects (%, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def error(message: str) -> None:
    print(f"::error title=modelclear::{_command_text(message)}", file=sys.stderr)


def main() -> int:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as work:
        base = Path(work) / "modelclear"
        try:
            sarif_target = Path(plain_value("sarif-file", env.get("MC_SARIF_FILE", "")) or "modelclear.sarif")
            args = arguments(env, base)
            lock_path(env.get("MC_LOCK", ""))  # refused before anything runs, like every other input
        except InputError as exc:
            error(f"refused input {exc}")
            return EXIT_USAGE
        code = subprocess.run([sys.executable, "-m", "scanner", *args], check=False).returncode
        report = base.with_name("modelclear.json")
        if code not in (0, 3) or not report.is_file():
            error(f"the audit could not run (exit code {code})")
            return code or 1
        document = json.loads(report.read_text(encoding="utf-8"))
        shutil.copyfile(base.with_name("modelclear.sarif"), sarif_target)
        unwaived = [f for f in document["findings"] if not f["waived"]]
        summary_file = env.get("GITHUB_STEP_SUMMARY")
        if summary_file and env.get("MC_SUMMARY", "true").strip().lower() not in ("false", "0", "no"):
            try:
                lock_summary = lock_diff_summary(env, Path(work))
            except InputError as exc:
                error(f"refused input {exc}")
                return EXIT_USAGE
            with open(summary_file, "a", encoding="utf-8") as handle:
                handle.write(base.with_name("modelclear.md").read_text(encoding="utf-8"))
                if lock_summary:
                    handle.write(lock_summary)
        outputs = {"verdict": str(document["verdict"]), "findings-count": str(len(unwaived)),
                   "sarif-file": str(sarif_target)}
        output_file = env.get("GITHUB_OUTPUT")
        if output_file:
            with open(output_file, "a", encoding="utf-8") as handle:
                handle.write(github_output(outputs))
    if code == 3:
        error(f"policy violations: {len(unwaived)} findings (verdict {document['verdict']})")
    return code


if __name__ == "__main__":
    sys.exit(main())
