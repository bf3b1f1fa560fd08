"""`modelclear audit` and `modelclear graph`: models in, reports or the lineage graph out."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from scanner.audit import run_audit
from scanner.cli.common import (
    EXIT_PASS,
    EXIT_VIOLATIONS,
    FAIL_ON,
    Prepared,
    cli,
    emit,
    guarded,
    prepare,
    source_options,
)
from scanner.discover import Discovery, discover, targets_of
from scanner.errors import UsageError
from scanner.models import RepoRef
from scanner.policy import builtin_policy_names
from scanner.report import EXTENSIONS, FORMATS, RunInfo
from scanner.report.lineage_graph import GRAPH_FORMATS
from scanner.safefile import confined


def _apply_manifest(discovery: Discovery, shared: dict[str, Any], ctx: click.Context) -> None:
    """The manifest's policy, context and waivers apply unless the command line set them. A repository
    names only files inside itself: a policy (and what it extends) or waivers path that resolves outside
    is a usage error, raised before anything is read."""
    manifest = discovery.manifest
    if manifest is None:
        return
    source = ctx.get_parameter_source
    if manifest.policy and source("policy_name") is click.core.ParameterSource.DEFAULT:
        if manifest.policy in builtin_policy_names():
            shared["policy_name"] = manifest.policy
        else:
            shared["policy_name"] = str(confined(discovery.root, manifest.policy, "the manifest's policy"))
            shared["policy_root"] = discovery.root
    if manifest.context and not shared["context"]:
        shared["context"] = tuple(f"{key}={value}" for key, value in manifest.context)
    if manifest.waivers and shared["waivers_file"] is None:
        shared["waivers_file"] = confined(discovery.root, manifest.waivers, "the manifest's waivers")


def resolve_targets(targets: tuple[str, ...], discover_path: Path | None, shared: dict[str, Any],
                    ctx: click.Context, verb: str) -> tuple[Prepared, list[RepoRef], Discovery | None]:
    """The models a command acts on: the ids given and those a code repository references (its manifest's
    policy, context and waivers applied), with the prepared source; none at all is a usage error."""
    if not targets and discover_path is None:
        raise UsageError(f"name the models to {verb}, or --discover PATH")
    discovery = discover(discover_path) if discover_path else None
    if discovery is not None:
        _apply_manifest(discovery, shared, ctx)
    prepared = prepare(targets, **shared)
    refs = prepared.refs + (targets_of(discovery) if discovery else [])
    if not refs:
        raise UsageError(f"no Hub models or datasets are referenced under {discover_path}")
    return prepared, refs, discovery



@cli.command()
@click.argument("targets", nargs=-1)
@click.option("--discover", "discover_path", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Audit every Hub model and dataset a code repository references (see `modelclear discover`).")
@click.option("--format", "output_formats", type=click.Choice(list(FORMATS)), multiple=True,
              help="Report format: text (default), json, markdown, html, sarif, cyclonedx, notice, spdx3. Repeat it to "
                   "write several reports in one run (with -o BASE: BASE.txt, BASE.json, BASE.sarif, ...).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default="error", show_default=True,
              help="Exit 3 when an unwaived finding reaches this severity.")
@click.option("--locked", "locked_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Audit exactly the revisions a lock file pins (targets and lineage), and compare with it.")
@source_options
@click.pass_context
def audit(ctx: click.Context, /, targets: tuple[str, ...], discover_path: Path | None,
          output_formats: tuple[str, ...], output: Path | None, locked_file: Path | None, **shared: Any) -> None:
    """Audit models: Hub ids (org/name or org/name@revision), local model directories, or --discover PATH."""
    def run() -> int:
        formats = list(dict.fromkeys(output_formats)) or ["text"]
        if len(formats) > 1 and output is None:
            raise UsageError("several --format values need -o BASE (files BASE.<format> are written)")
        if locked_file is not None:
            return _audit_locked(locked_file, targets, discover_path, formats, output, shared, ctx)
        prepared, refs, discovery = resolve_targets(targets, discover_path, shared, ctx, "audit")
        result = run_audit(refs, prepared.source, prepared.options, discovery)
        if prepared.options.progress is not None:
            click.echo("", err=True)  # end the progress line
        for output_format in formats:
            color = output is None and sys.stdout.isatty() and output_format == "text"
            target = output if len(formats) == 1 or output is None else \
                output.with_name(f"{output.name}.{EXTENSIONS[output_format]}")
            emit(FORMATS[output_format](result, RunInfo(source=prepared.description, color=color)), target,
                 f"{output_format} report")
        return EXIT_VIOLATIONS if result.verdict == "fail" else EXIT_PASS

    ctx.exit(guarded(run, ctx.obj["verbose"]))


def _audit_locked(locked_file: Path, targets: tuple[str, ...], discover_path: Path | None, formats: list[str],
                  output: Path | None, shared: dict[str, Any], ctx: click.Context) -> int:
    """`audit --locked FILE`: every repo of the lock at its locked commit, so CI audits the same bytes each
    run; what the lock recorded is compared as `lock --check` does (at the same commits, a difference means
    a mirror serves other bytes or this modelclear reads them differently)."""
    from scanner.cli.lock import lock_policy_default, policy_note, write_reports
    from scanner.lock import pinned_refs, read_lock, with_lock_findings

    if targets or discover_path is not None:
        raise UsageError("--locked audits the models of the lock file; name no targets and no --discover")
    if shared.get("revision"):
        raise UsageError("--locked audits the revisions the lock pins; --revision does not apply")
    lock = read_lock(locked_file)
    lock_policy_default(lock, shared, ctx)
    prepared = prepare((), **shared)
    refs, pins = pinned_refs(lock)
    options = replace(prepared.options, pins=pins, waivers=())
    result = run_audit(refs, prepared.source, options)
    result = with_lock_findings(result, lock, options.policy, prepared.options.waivers, options.today)
    policy_note(lock, result)
    write_reports(result, formats, output, prepared.description)
    return EXIT_VIOLATIONS if result.verdict == "fail" else EXIT_PASS


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--format", "output_format", type=click.Choice(sorted(GRAPH_FORMATS)), default="mermaid",
              show_default=True, help="Graph format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the graph here.")
@source_options
@click.pass_context
def graph(ctx: click.Context, /, targets: tuple[str, ...], output_format: str, output: Path | None,
          **shared: Any) -> None:
    """Print the lineage of models (base models, adapters, merges, datasets) with each repo's license."""
    def run() -> int:
        prepared = prepare(targets, fail_on="never", **shared)
        result = run_audit(prepared.refs, prepared.source, prepared.options)
        emit(GRAPH_FORMATS[output_format](result), output, f"{output_format} graph")
        return EXIT_PASS

    ctx.exit(guarded(run, ctx.obj["verbose"]))

