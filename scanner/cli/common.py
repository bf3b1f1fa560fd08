"""What every subcommand shares: the click group, the source options defined once, turning them into a
source and audit options, and the mapping of exceptions to exit codes (DESIGN section 4): 0 pass, 1 the
scanner itself failed, 2 usage error, 3 policy violations at or above --fail-on. Reports go to stdout alone
(or --output); logs and progress go to stderr.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from huggingface_hub.utils import logging as hf_logging

from scanner import __version__
from scanner.audit import AuditOptions
from scanner.clauses import ClauseMemo
from scanner.errors import ModelclearError, UsageError
from scanner.hubid import normalize_hub_id
from scanner.identify import Detector
from scanner.logs import add_secret, setup_logging
from scanner.models import RepoRef, Severity
from scanner.policy import load_policy, parse_context
from scanner.scancode_index import cache_root
from scanner.sources import CacheSource, FileSelection, HubSettings, HubSource, LocalDirSource, MirrorSource, Source
from scanner.text import inert, redact_urls
from scanner.waivers import load_waivers

EXIT_PASS, EXIT_FAILURE, EXIT_USAGE, EXIT_VIOLATIONS = 0, 1, 2, 3
FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "never": None}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="modelclear", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """modelclear: license and IP clearance for machine-learning models on the Hugging Face Hub."""
    configure_logging(verbose)
    ctx.obj = {"verbose": verbose}


def configure_logging(verbose: int) -> None:
    """The CLI's logging, also set up by an engine's worker process that audits for it."""
    setup_logging(verbose)
    if not verbose:  # the client logs every retried request; our own messages say what matters
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]



SOURCE_OPTIONS = (
    click.option("--policy", "policy_name", default="commercial", show_default=True,
                 help="Built-in policy name or a policy file."),
    click.option("--context", "context", multiple=True, metavar="KEY=VALUE",
                 help="Facts the policy needs, e.g. mau=250000000, revenue=5000000, distribution=internal."),
    click.option("--waivers", "waivers_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                 help="YAML file of waivers (model, rule, reason, approver, expires, optional revision)."),
    click.option("--endpoint", help="Hub endpoint (default: HF_ENDPOINT or https://huggingface.co)."),
    click.option("--token", help="Hub token (default: HF_TOKEN); never printed."),
    click.option("--revision", help="Revision for targets without @rev (branch, tag or commit)."),
    click.option("--offline", is_flag=True, help="Audit from the local Hugging Face cache only; no network."),
    click.option("--mirror", type=click.Path(file_okay=False, exists=True, path_type=Path),
                 envvar="MODELCLEAR_MIRROR", help="Treat DIR/<org>/<name>/ as an offline hub (env MODELCLEAR_MIRROR)."),
    click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
                 help="Hugging Face cache folder (default: HF_HUB_CACHE)."),
    click.option("--timeout", type=click.FloatRange(min=0.1), default=15.0, show_default=True,
                 help="Seconds per Hub request."),
    click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
                 help="Retries for rate-limited, failing or timed-out Hub requests."),
    click.option("--deadline", type=click.FloatRange(min=1.0), default=120.0, show_default=True,
                 help="Most seconds spent on one repo (metadata, files, retries); past it the repo is an error."),
    click.option("--max-file-size", type=click.IntRange(min=1024), default=None,
                 help="Largest license-bearing file read, in bytes (default 1 MiB)."),
    click.option("--jobs", type=click.IntRange(1, 32), default=4, show_default=True, help="Repos fetched at once."),
    click.option("--depth", type=click.IntRange(0, 50), default=10, show_default=True,
                 help="How many generations of base models and datasets to follow."),
    click.option("--max-nodes", type=click.IntRange(1, 1_000_000), default=200, show_default=True,
                 help="Most repos fetched in one audit, targets and lineage together."),
    click.option("--no-cache", is_flag=True,
                 help="Do not read or write the license detection cache (MODELCLEAR_CACHE, ~/.cache/modelclear)."),
)


def source_options(command: Any) -> Any:
    """The options every command that resolves models shares (audit, graph): one definition for both."""
    for option in reversed(SOURCE_OPTIONS):
        command = option(command)
    return command


@dataclass(frozen=True)
class Prepared:
    refs: list[RepoRef]
    source: Source
    options: AuditOptions
    description: str


def remembering(no_cache: bool) -> tuple[Detector, ClauseMemo]:
    """The license detector and the clause memo, both keeping what they learn in modelclear's cache folder
    (MODELCLEAR_CACHE) unless --no-cache."""
    cache_dir = None if no_cache else cache_root()
    return Detector(cache_dir=cache_dir), ClauseMemo(cache_dir=cache_dir)


def prepare(targets: tuple[str, ...], fail_on: str, policy_name: str, context: tuple[str, ...],
            waivers_file: Path | None, endpoint: str | None, token: str | None,
            revision: str | None, offline: bool, mirror: Path | None, cache_dir: Path | None, timeout: float,
            retries: int, deadline: float, max_file_size: int | None, jobs: int, depth: int, max_nodes: int,
            no_cache: bool, policy_root: Path | None = None) -> Prepared:
    """Turn the shared options into refs, a source and audit options; every bad combination is a UsageError.
    ``policy_root`` confines a policy a repository's manifest named (and what it extends) to that repository."""
    add_secret(token)  # before anything can log it
    policy = load_policy(policy_name, within=policy_root).bind(parse_context(context))
    waivers = tuple(load_waivers(waivers_file)) if waivers_file else ()
    selection = FileSelection.load(max_file_size)
    offline_mode = offline or os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
    if mirror and offline:
        raise UsageError("--mirror and --offline are two different offline sources; pick one")
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise UsageError(f"--endpoint must be an http:// or https:// URL, not {redact_urls(endpoint)!r}")
    refs, local_refs = parse_targets(targets, revision)
    hub_source: Source
    if mirror:
        hub_source = MirrorSource(mirror, selection)
    elif offline_mode:
        hub_source = CacheSource(cache_dir, selection)
    else:
        settings = HubSettings.from_env(endpoint=endpoint, token=token, timeout=timeout, retries=retries,
                                        deadline=deadline, cache_dir=cache_dir)
        hub_source = HubSource(settings, selection)
    detector, memo = remembering(no_cache)
    progress = progress_printer() if sys.stderr.isatty() else None
    options = AuditOptions(policy=policy, fail_on=FAIL_ON[fail_on], jobs=jobs, detector=detector, depth=depth,
                           max_nodes=max_nodes, waivers=waivers, progress=progress, clause_memo=memo)
    return Prepared(refs, _Dispatch(hub_source, LocalDirSource(selection), local_refs), options,
                    hub_source.describe())




def progress_printer() -> Any:
    """A one-line counter on stderr (a terminal only), so a long lineage walk visibly advances."""
    def show(done: int, known: int) -> None:
        click.echo(f"\rmodelclear: examined {done} of {known} repos found so far", err=True, nl=False)
    return show


def emit(rendered: str, output: Path | None, what: str) -> None:
    """The document alone on stdout, or in a file with a note on stderr."""
    if output is None:
        click.echo(rendered, nl=False)
    else:
        # -o out/report.html into a folder that does not exist yet: make it, as a user expects of a report
        # path; a path that cannot be made (a file in the way, no permission) is a usage error naming it.
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {what} to {output}: {exc.strerror or exc}") from exc
        click.echo(f"modelclear: wrote {what} to {output}", err=True)



class _Dispatch(Source):
    """Routes local-directory targets to the local source and everything else to the hub-like source."""

    def __init__(self, hub: Source, local: Source, local_refs: set[RepoRef]) -> None:
        super().__init__(hub.selection)
        self.hub, self.local, self.local_refs = hub, local, local_refs
        self.name = hub.name

    def _route(self, ref: RepoRef) -> Source:
        return self.local if ref in self.local_refs else self.hub

    def fetch(self, ref: RepoRef) -> Any:
        return self._route(ref).fetch(ref)

    def fingerprint(self, ref: RepoRef) -> str | None:
        return self._route(ref).fingerprint(ref)

    def for_one_audit(self) -> Source:
        return _Dispatch(self.hub.for_one_audit(), self.local, self.local_refs)

    def list_models(self, author: str | None, search: str | None, tags: tuple[str, ...]) -> Iterator[str]:
        return self.hub.list_models(author, search, tags)

    def describe(self) -> str:
        return self.hub.describe()


def parse_targets(targets: tuple[str, ...], revision: str | None) -> tuple[list[RepoRef], set[RepoRef]]:
    """Split targets into Hub refs and local directories; an argument that is neither is a usage error.

    A path-like argument (starting with '.', '/' or '~', or an existing directory that is not a valid Hub
    id) is a local directory; ``org/name@rev`` pins a revision.
    """
    refs: list[RepoRef] = []
    local: set[RepoRef] = set()
    for raw in targets:
        target = raw.strip()
        expanded = os.path.expanduser(target)
        path_like = target.startswith((".", "/", "~")) or (os.path.isdir(expanded) and normalize_hub_id(target) is None)
        if path_like:
            if not os.path.isdir(expanded):
                raise UsageError(f"{raw!r} is not a directory")
            local_ref = RepoRef(id=target, local_path=os.path.abspath(expanded))
            local.add(local_ref)
            refs.append(local_ref)
            continue
        hub_ref = parse_hub_target(target, revision)
        if hub_ref is None:
            raise UsageError(f"{raw!r} is neither a Hub model id (org/name[@revision]) nor a directory")
        refs.append(hub_ref)
    return refs, local


def parse_hub_target(target: str, revision: str | None = None) -> RepoRef | None:
    """``org/name`` or ``org/name@rev`` exactly as the Hub spells ids, else None; ``revision`` applies to
    an id without its own."""
    hub_id, at, pinned = target.partition("@")
    normalized = normalize_hub_id(hub_id)
    if normalized is None or normalized != hub_id or (at and not pinned) or any(c.isspace() for c in pinned):
        return None
    return RepoRef(id=hub_id, revision=pinned or revision)


def guarded(run: Any, verbose: int) -> int:
    """Run a command body and map exceptions to exit codes: 2 for usage errors, 1 for our own failures."""
    try:
        return int(run())
    except UsageError as exc:
        click.echo(f"modelclear: error: {inert(exc)}", err=True)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader went away (`| head`): not our failure, and nothing left to say
        sys.stdout = open(os.devnull, "w")
        return EXIT_PASS
    except ModelclearError as exc:
        click.echo(f"modelclear: failed: {inert(exc)}", err=True)
        return EXIT_FAILURE
    except Exception as exc:  # the scanner itself failed: say so plainly, traceback with -v
        click.echo(f"modelclear: internal error: {exc.__class__.__name__}: {inert(exc)}", err=True)
        if verbose:
            traceback.print_exc()
        return EXIT_FAILURE


