"""`modelclear lock`: write the lock of an audit, or check upstream against it (`--check`)."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from scanner.audit import run_audit
from scanner.cli.audit import resolve_targets
from scanner.cli.common import (
    EXIT_PASS,
    EXIT_VIOLATIONS,
    FAIL_ON,
    cli,
    emit,
    guarded,
    prepare,
    source_options,
)
from scanner.errors import UsageError
from scanner.lock import DEFAULT_LOCK, Lock, check_refs, dump_lock, lock_from_audit, read_lock, with_lock_findings
from scanner.models import AuditResult
from scanner.policy import builtin_policy_names
from scanner.report import EXTENSIONS, FORMATS, RunInfo
from scanner.text import inert


def write_reports(result: AuditResult, formats: list[str], output: Path | None, description: str) -> None:
    """The reports of an audit, as `audit` writes them: stdout, a file, or BASE.<format> for several."""
    if len(formats) > 1 and output is None:
        raise UsageError("several --format values need -o BASE (files BASE.<format> are written)")
    for output_format in formats:
        color = output is None and sys.stdout.isatty() and output_format == "text"
        target = output if len(formats) == 1 or output is None else \
            output.with_name(f"{output.name}.{EXTENSIONS[output_format]}")
        emit(FORMATS[output_format](result, RunInfo(source=description, color=color)), target,
             f"{output_format} report")


def write_atomically(target: Path, text: str) -> None:
    """The whole new lock or the old one, never half a file (a CI job killed mid-write)."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(f"{target}: cannot be written: {exc.strerror or exc}") from None


def policy_note(lock: Lock, result: AuditResult) -> None:
    if (lock.policy.name, lock.policy.sha256) != (result.policy.name, result.policy.sha256):
        click.echo(f"modelclear: note: {inert(lock.origin)} was written under policy {inert(lock.policy.name)} "
                   f"(sha256 {lock.policy.sha256[:12]}); this audit uses {inert(result.policy.name)} "
                   f"(sha256 {result.policy.sha256[:12]})", err=True)


def lock_policy_default(lock: Lock, shared: dict[str, Any], ctx: click.Context) -> None:
    """Without --policy, a lock is checked under the built-in policy it was written with."""
    if ctx.get_parameter_source("policy_name") is click.core.ParameterSource.DEFAULT \
            and lock.policy.name in builtin_policy_names():
        shared["policy_name"] = lock.policy.name


@cli.command("lock")
@click.argument("targets", nargs=-1)
@click.option("--check", is_flag=True,
              help="Compare upstream with the lock file (TARGETS is the lock file, default modelclear.lock).")
@click.option("--discover", "discover_path", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Lock every Hub model and dataset a code repository references.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The lock file to write (default modelclear.lock); with --check, the report's file.")
@click.option("--format", "output_formats", type=click.Choice(list(FORMATS)), multiple=True,
              help="With --check: the report format (text by default; json is the audit document with the "
                   "lock's findings). Without: also print the audit's report in this format.")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default="error", show_default=True,
              help="Exit 3 when an unwaived finding reaches this severity.")
@source_options
@click.pass_context
def lock_command(ctx: click.Context, /, targets: tuple[str, ...], check: bool, discover_path: Path | None,
                 output: Path | None, output_formats: tuple[str, ...], **shared: Any) -> None:
    """Lock the licensing of models (and their lineage) at the commits audited, or --check upstream against
    a lock: a change of license keys, texts or clauses is a license-changed finding."""
    def write() -> int:
        prepared, refs, discovery = resolve_targets(targets, discover_path, shared, ctx, "lock")
        if any(ref.local_path for ref in refs):
            raise UsageError("a lock pins Hub revisions: local directories cannot be locked")
        result = run_audit(refs, prepared.source, prepared.options, discovery)
        lock = lock_from_audit(result, refs)
        target = output or Path(DEFAULT_LOCK)
        write_atomically(target, dump_lock(lock))
        if output_formats:
            write_reports(result, list(dict.fromkeys(output_formats)), None, prepared.description)
        click.echo(f"modelclear: locked {len(lock.models)} repos ({len(lock.targets)} targets) in {target}; "
                   f"verdict {result.verdict}", err=True)
        return EXIT_VIOLATIONS if result.verdict == "fail" else EXIT_PASS

    def check_lock() -> int:
        if len(targets) > 1:
            raise UsageError("lock --check takes one lock file")
        if discover_path is not None:
            raise UsageError("lock --check reads its models from the lock file; --discover is for writing one")
        if shared.get("revision"):
            raise UsageError("lock --check resolves what each model was locked for; --revision does not apply")
        lock = read_lock(Path(targets[0] if targets else DEFAULT_LOCK))
        lock_policy_default(lock, shared, ctx)
        prepared = prepare((), **shared)
        options = replace(prepared.options, waivers=())  # applied below, to the lock's findings too
        result = run_audit(check_refs(lock), prepared.source, options)
        result = with_lock_findings(result, lock, options.policy, prepared.options.waivers, options.today)
        policy_note(lock, result)
        write_reports(result, list(dict.fromkeys(output_formats)) or ["text"], output, prepared.description)
        return EXIT_VIOLATIONS if result.verdict == "fail" else EXIT_PASS

    ctx.exit(guarded(check_lock if check else write, ctx.obj["verbose"]))
