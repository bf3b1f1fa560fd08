"""`modelclear inventory run` and `modelclear inventory report`: every model an organisation uses, audited
into a store (SQLite by default, PostgreSQL by URL), incremental and resumable, and what changed."""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from scanner.cli.common import (
    EXIT_FAILURE,
    EXIT_PASS,
    FAIL_ON,
    cli,
    configure_logging,
    emit,
    guarded,
    parse_hub_target,
    prepare,
    source_options,
)
from scanner.discover import discover, targets_of
from scanner.errors import UsageError
from scanner.inventory.executor import Auditor, Executor, LocalExecutor
from scanner.inventory.report import build_report
from scanner.inventory.runner import Progress, RunTotals, run_inventory
from scanner.inventory.store import DEFAULT_STORE, Store
from scanner.models import RepoRef
from scanner.report.inventory_report import INVENTORY_FORMATS
from scanner.safefile import FileRefused, read_bounded
from scanner.text import inert, redact_urls

EXIT_INTERRUPTED = 130
MAX_TARGET_FILE = 64 * 1024 * 1024

STORE_OPTION = click.option(
    "--store", default=DEFAULT_STORE, show_default=True, envvar="MODELCLEAR_STORE",
    help="The inventory store: a SQLite file, or a postgresql://user:password@host/db URL (env MODELCLEAR_STORE).")


@cli.group()
def inventory() -> None:
    """Audit many models into a store, again each week, and report what changed."""


def read_target_file(path: Path) -> list[RepoRef]:
    """One ``org/name[@rev]`` per line, ``#`` comments and blank lines allowed; any other line is a usage
    error naming the file and line, raised before anything is audited or written."""
    try:
        data = read_bounded(path, MAX_TARGET_FILE)
    except (OSError, FileRefused) as exc:
        raise UsageError(f"cannot read {path}: {inert(exc)}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text") from exc
    refs = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        ref = parse_hub_target(entry)
        if ref is None:
            raise UsageError(f"{path}:{number}: {inert(entry)!r} is not a Hub model id (org/name[@revision])")
        refs.append(ref)
    return refs


@inventory.command("run")
@click.argument("targets", nargs=-1)
@click.option("--from-file", "from_files", multiple=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A file of model ids, one org/name[@rev] per line (# comments). Repeatable.")
@click.option("--author", help="Every model of this Hub user or organisation (the Hub's listing).")
@click.option("--search", help="Every model whose id contains this text (the Hub's listing).")
@click.option("--filter", "tags", multiple=True, help="Only listed models with this tag, e.g. license:apache-2.0. "
              "Repeatable (all must match).")
@click.option("--discover", "discover_paths", multiple=True,
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Every Hub model and dataset a code repository references. Repeatable.")
@STORE_OPTION
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="The run's summary on stdout.")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default="error",
              show_default=True, help="The severity that makes a model's verdict fail (stored with each audit).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where audits run: threads of this process, or Dask worker processes "
              "(pip install 'modelclear[dask]').")
@click.option("--address", metavar="tcp://HOST:PORT",
              help="With --engine dask: the scheduler of a running Dask cluster to join (default: start a local "
              "cluster on this machine).")
@click.option("--workers", type=click.IntRange(1, 256), default=2, show_default=True,
              help="With --engine dask and no --address: worker processes of the local cluster, each auditing "
              "--jobs models at once.")
@source_options
@click.pass_context
def run_command(ctx: click.Context, /, targets: tuple[str, ...], from_files: tuple[Path, ...], author: str | None,
                search: str | None, tags: tuple[str, ...], discover_paths: tuple[Path, ...], store: str,
                output_format: str, fail_on: str, engine: str, address: str | None, workers: int,
                **shared: Any) -> None:
    """Audit models into the store; a model unchanged since its last audit (same revision, policy, settings
    and modelclear version) is not audited again. --jobs is how many models are audited at once (with
    --engine dask: by each worker process)."""
    def run() -> int:
        listing = bool(author or search or tags)
        file_refs = [ref for path in from_files for ref in read_target_file(path)]
        discoveries = [discover(path) for path in discover_paths]
        if not (targets or file_refs or listing or discoveries):
            raise UsageError("name the models to inventory: ids, --from-file, --author/--search/--filter or --discover")
        prepared = prepare(targets, fail_on=fail_on, **shared)
        problems = [f"{discovery.root}: {problem.file}: {problem.reason}" for discovery in discoveries
                    for problem in discovery.problems]
        before_listing = len(problems)
        given = prepared.refs + file_refs + [ref for d in discoveries for ref in targets_of(d)]

        def refs() -> Iterator[RepoRef]:
            yield from given
            if listing:
                yield from _listed(prepared.source, author, search, tags, problems, shared["deadline"])

        if address and engine != "dask":
            raise UsageError("--address is the scheduler of a Dask cluster: use it with --engine dask")
        if address and shared["token"]:
            raise UsageError("--token is not sent to a Dask cluster's workers: set HF_TOKEN in their environment")
        with Store.open(store) as opened:
            auditor = Auditor(prepared.source, prepared.options, prepared.description)
            executor = _executor(engine, address, workers, targets, fail_on, ctx.obj["verbose"], shared)
            progress = Progress(total=None if listing else len(set(given)))
            try:
                run_id, status, totals = run_inventory(refs(), opened, auditor, executor, progress, problems)
            except KeyboardInterrupt:
                click.echo("modelclear: inventory interrupted; every finished audit is kept in the store, and the "
                           "next run does the rest", err=True)
                sys.stderr.flush()
                os._exit(EXIT_INTERRUPTED)  # audits still running in threads are abandoned, not awaited
            executor.close()
            summary = _summary(run_id, status, totals, opened, prepared.description)
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False) if output_format == "json" else _text(summary))
        for problem in totals.problems:
            click.echo(f"modelclear: warning: {inert(problem)}", err=True)
        return EXIT_FAILURE if len(problems) > before_listing else EXIT_PASS  # the listing did not finish

    ctx.exit(guarded(run, ctx.obj["verbose"]))


def _executor(engine: str, address: str | None, workers: int, targets: tuple[str, ...], fail_on: str,
              verbose: int, shared: dict[str, Any]) -> Executor:
    if engine == "local":
        return LocalExecutor(shared["jobs"])
    try:
        from scanner.inventory.engines import DaskExecutor, Recipe
    except ImportError as exc:
        raise UsageError("--engine dask needs Dask: pip install 'modelclear[dask]'") from exc
    # Workers audit what the driver would: the endpoint the driver resolved, not one from their environment.
    options = {**shared, "endpoint": shared["endpoint"] or os.environ.get("HF_ENDPOINT") or None}
    recipe = Recipe(auditor_from_options, {"targets": targets, "fail_on": fail_on, "verbose": verbose,
                                           "shared": options})
    return DaskExecutor(recipe, address=address, workers=workers, threads=shared["jobs"])


def auditor_from_options(targets: tuple[str, ...], fail_on: str, verbose: int, shared: dict[str, Any]) -> Auditor:
    """How an engine's worker process builds the driver's auditor: from the same command-line options."""
    configure_logging(verbose)
    prepared = prepare(targets, fail_on=fail_on, **shared)
    return Auditor(prepared.source, prepared.options, prepared.description)


_END = object()


def _listed(source: Any, author: str | None, search: str | None, tags: tuple[str, ...],
            problems: list[str], wait: float) -> Iterator[RepoRef]:
    """The Hub's listing, streamed; if it fails part-way, what was listed is still audited and the run
    says the listing is incomplete. The client reads pages with a per-read timeout only (a server that
    trickles never times out), so the listing runs in a thread and a page that takes longer than ``wait``
    seconds ends it."""
    pages: queue.Queue[Any] = queue.Queue(maxsize=10_000)

    def produce() -> None:
        try:
            for model_id in source.list_models(author, search, tags):
                pages.put(model_id)
            pages.put(_END)
        except BaseException as exc:  # handed to the driver, which reports it
            pages.put(exc)

    threading.Thread(target=produce, name="modelclear-listing", daemon=True).start()
    count = 0
    while True:
        try:
            item = pages.get(timeout=wait)
        except queue.Empty:
            problems.append(f"the Hub's model listing stalled for {wait:g} s after {count} models; "
                            "the rest were not audited")
            return
        if item is _END:
            return
        if isinstance(item, UsageError):
            raise item
        if isinstance(item, BaseException):
            problems.append(f"the Hub's model listing failed after {count} models: "
                            f"{redact_urls(inert(item))[:300]}; the rest were not audited")
            return
        ref = parse_hub_target(str(item))
        if ref is None:
            problems.append(f"the listing returned {inert(item)!r}, which is not a model id; skipped")
            continue
        count += 1
        yield ref


def _summary(run_id: int, status: str, totals: RunTotals, store: Store, source: str) -> dict[str, Any]:
    row = store.run(run_id)
    return {
        "schema_version": "1",
        "run": {"id": run_id, "status": status, "started_at": row.started_at if row else None,
                "finished_at": row.finished_at if row else None, "store": store.description, "source": source,
                "policy": {"name": row.policy_name, "sha256": row.policy_sha256} if row else None},
        "requested": totals.requested,
        "audited": totals.audited,
        "unchanged": totals.unchanged,
        "failed": totals.failed,
        "changed": totals.changed,
        "by_verdict": dict(sorted(totals.by_verdict.items())),
        "problems": list(totals.problems),
    }


def _text(summary: dict[str, Any]) -> str:
    run = summary["run"]
    verdicts = ", ".join(f"{count} {verdict}" for verdict, count in summary["by_verdict"].items()) or "none"
    lines = [f"inventory run {run['id']} {run['status']}: {summary['requested']} models, {summary['audited']} "
             f"audited, {summary['unchanged']} unchanged, {summary['failed']} failed, {summary['changed']} changed",
             f"verdicts of this run's audits: {verdicts}",
             f"store: {run['store']}"]
    return "\n".join(lines)


@inventory.command("report")
@STORE_OPTION
@click.option("--format", "output_format", type=click.Choice(sorted(INVENTORY_FORMATS)), default="text",
              show_default=True, help="Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.pass_context
def report_command(ctx: click.Context, /, store: str, output_format: str, output: Path | None) -> None:
    """The latest audit of every model in the store, counts by verdict, license and rule, and every model
    whose licenses, clauses or verdict changed since its previous audit (listed first)."""
    def run() -> int:
        with Store.open(store, create=False) as opened:
            report = build_report(opened)
        emit(INVENTORY_FORMATS[output_format](report), output, f"{output_format} inventory report")
        return EXIT_PASS

    ctx.exit(guarded(run, ctx.obj["verbose"]))
