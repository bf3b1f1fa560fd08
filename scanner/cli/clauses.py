"""`modelclear clauses`: license texts on disk, identified and read, no Hub."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.audit import TextAudit, audit_text
from scanner.cli.common import (
    EXIT_PASS,
    EXIT_USAGE,
    cli,
    emit,
    guarded,
    remembering,
)
from scanner.report import clauses_report
from scanner.safefile import FileRefused, read_bounded
from scanner.sources import FileSelection
from scanner.text import decode_text


@cli.command("clauses")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--max-file-size", type=click.IntRange(min=1024), default=None,
              help="Largest file read, in bytes (default 1 MiB).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the license detection cache.")
@click.pass_context
def clauses_command(ctx: click.Context, /, files: tuple[Path, ...], output_format: str, output: Path | None,
                    max_file_size: int | None, no_cache: bool) -> None:
    """Identify license texts on disk and extract what they demand, with quotes and lines (no Hub).

    Exit 2 when a file could not be read (the others are still reported)."""
    def run() -> int:
        limit = FileSelection.load(max_file_size).max_file_bytes
        detector, memo = remembering(no_cache)
        audits: list[TextAudit] = []
        for path in files:
            try:
                text = decode_text(read_bounded(path, limit))
                if text is None:
                    raise FileRefused("not a text file")
            except OSError as exc:
                audits.append(TextAudit(str(path), (), (), problem=str(exc.strerror or exc)))
                continue
            audits.append(audit_text(str(path), text, detector, memo))
        render = clauses_report.render_json if output_format == "json" else clauses_report.render_text
        emit(render(audits), output, f"{output_format} report")
        return EXIT_USAGE if any(a.problem for a in audits) else EXIT_PASS

    ctx.exit(guarded(run, ctx.obj["verbose"]))

