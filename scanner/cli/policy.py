"""`modelclear policy list|show|validate`."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.cli.common import (
    EXIT_PASS,
    cli,
    guarded,
)
from scanner.policy import builtin_policy_names, load_policy, policy_as_yaml


@cli.group()
def policy() -> None:
    """List, show and validate policies."""


@policy.command("list")
def policy_list() -> None:
    """The built-in policies, with what each is for."""
    for name in builtin_policy_names():
        click.echo(f"{name:18} {load_policy(name).data.get('description', '')}")


@policy.command("show")
@click.argument("name_or_path")
@click.pass_context
def policy_show(ctx: click.Context, /, name_or_path: str) -> None:
    """A policy as it applies: the built-in or file, with what it extends merged in."""
    def run() -> int:
        click.echo(policy_as_yaml(load_policy(name_or_path)), nl=False)
        return EXIT_PASS

    ctx.exit(guarded(run, 0))


@policy.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.pass_context
def policy_validate(ctx: click.Context, /, files: tuple[Path, ...]) -> None:
    """Check policy files against the schema (and what they extend); exit 2 naming file, line and field."""
    def run() -> int:
        for path in files:
            load_policy(str(path))  # validates the file and everything it extends
            click.echo(f"{path}: valid")
        return EXIT_PASS

    ctx.exit(guarded(run, 0))

