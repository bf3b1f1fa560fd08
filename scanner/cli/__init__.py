"""The command line: a thin click layer over the library, one module per subcommand (as reuse-tool does);
the shared options and the exit-code mapping live in scanner.cli.common."""

from __future__ import annotations

from scanner.cli import audit, clauses, diff, discover, inventory, lock, policy  # noqa: F401 - each registers its subcommands
from scanner.cli.common import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="modelclear")
