"""`modelclear diff OLD NEW`: the license differences between two lock files or `org/name@revision` refs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from scanner.audit import run_audit
from scanner.cli.common import (
    EXIT_PASS,
    EXIT_VIOLATIONS,
    cli,
    emit,
    guarded,
    prepare,
    source_options,
)
from scanner.diff import diff_locks
from scanner.errors import UsageError
from scanner.hubid import normalize_hub_id
from scanner.lock import Lock, lock_from_audit, read_lock
from scanner.models import Status
from scanner.report.diff_report import DIFF_FORMATS, RENDERERS
from scanner.text import inert


def load_side(spec: str, shared: dict[str, Any]) -> Lock:
    """A lock file as it is, or the lock of a fresh audit of ``org/name[@revision]`` (its whole lineage)."""
    hub_id, at, revision = spec.partition("@")
    is_ref = "/" in hub_id and normalize_hub_id(hub_id) == hub_id and not (at and not revision)
    if Path(spec).is_file() or (not is_ref and spec.endswith((".lock", ".yml", ".yaml"))):
        return read_lock(Path(spec))
    if not is_ref:
        raise UsageError(f"{spec!r} is neither a lock file nor a Hub model ref (org/name[@revision])")
    prepared = prepare((spec,), fail_on="error", **shared)
    result = run_audit(prepared.refs, prepared.source, prepared.options)
    for model in result.models:
        if model.status is not Status.OK:
            click.echo(f"modelclear: warning: {inert(model.id)}@{inert(model.revision or revision or 'main')}: "
                       f"{model.status.value}: its licensing could not be read", err=True)
    return lock_from_audit(result, prepared.refs)


@cli.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "output_format", type=click.Choice(DIFF_FORMATS), default="text", show_default=True,
              help="text for a terminal, json for tools, markdown for a pull request's summary.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the diff here.")
@click.option("--exit-code", is_flag=True, help="Exit 3 when licensing differs (like git diff --exit-code).")
@click.option("--old-name", help="How the report names OLD (default: OLD as given).")
@click.option("--new-name", help="How the report names NEW (default: NEW as given).")
@source_options
@click.pass_context
def diff_command(ctx: click.Context, /, old: str, new: str, output_format: str, output: Path | None,
                 exit_code: bool, old_name: str | None, new_name: str | None, **shared: Any) -> None:
    """Show what licensing changed between OLD and NEW: lock files or org/name@revision refs (each ref is
    audited with its lineage). Exit 0 whatever differs; 3 with --exit-code when licensing differs."""
    def run() -> int:
        if shared.get("revision"):
            raise UsageError("diff takes its revisions from OLD and NEW (org/name@revision); --revision does "
                             "not apply")
        result = diff_locks(load_side(old, shared), load_side(new, shared), old_name or old, new_name or new)
        emit(RENDERERS[output_format](result), output, f"{output_format} diff")
        return EXIT_VIOLATIONS if exit_code and result.licensing_differs else EXIT_PASS

    ctx.exit(guarded(run, ctx.obj["verbose"]))
