"""`modelclear discover`: the Hub models and datasets a code repository references."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scanner.cli.common import (
    EXIT_PASS,
    cli,
    guarded,
)
from scanner.discover import discover
from scanner.text import inert


@cli.command("discover")
@click.argument("path", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def discover_command(ctx: click.Context, /, path: Path, output_format: str) -> None:
    """List the Hub models and datasets a code repository references, with file:line (nothing is executed)."""
    def run() -> int:
        found = discover(path)
        if output_format == "json":
            click.echo(json.dumps({"references": [
                {"id": r.id, "kind": r.kind.value, "revision": r.revision, "file": r.file, "line": r.line,
                 "how": r.how} for r in found.references], "problems": [str(p) for p in found.problems]},
                indent=2))
        else:
            for r in found.references:
                pin = f"@{r.revision}" if r.revision else ""
                click.echo(inert(f"{r.file}:{r.line}: {r.kind.value} {r.id}{pin} ({r.how})"))
            for problem in found.problems:
                click.echo(f"modelclear: not read: {inert(problem)}", err=True)
        return EXIT_PASS

    ctx.exit(guarded(run, 0))

