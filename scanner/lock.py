"""Lock files (DESIGN section 9): what legal cleared, pinned; and what changed upstream since.

``modelclear lock`` turns an audit result into a lock: for each model, ancestor and dataset of the lineage,
the commit audited, the license keys, the sha256 of every license-bearing text read, the clauses (kind,
value and the quote that says it) and the verdict, with the policy's sha256 and the tool version. It is YAML
in a stable order (models by kind and id, clauses by file and line), so two runs over the same revisions
write the same bytes and a pull request that changes it shows a readable diff.

``modelclear lock --check`` audits each locked target again (its head, or the revision it was locked for)
and compares licensing with the lock: a change of license keys, license texts, declared license, clauses
or lineage is ``license-changed`` (severity from the policy), saying what changed; a new revision that
changes nothing about licensing is ``revision-changed``, never more than an ``info``; a locked model that
can no longer be read is ``unverifiable``, never a pass. ``audit --locked`` audits exactly the pinned
commits and compares the same way, so a mirror or a new modelclear that reads a pinned commit differently
is caught too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from scanner import __version__
from scanner.errors import UsageError
from scanner.lineage import node_key
from scanner.models import (
    AuditResult,
    Clause,
    DeclaredLicense,
    Finding,
    ModelReport,
    Parent,
    PolicyRef,
    Relation,
    RepoKind,
    RepoRef,
    Role,
    Severity,
    Status,
    TextDigest,
)
from scanner.policy import Policy
from scanner.text import shorten
from scanner.waivers import Waiver, apply_waivers
from scanner.yamlfiles import line_of, load_validated, read_yaml_file, safe_load

LOCK_VERSION = 1
DEFAULT_LOCK = "modelclear.lock"
MAX_LOCK_CHARS = 32 * 1024 * 1024  # a lock is written by modelclear: 200 models with every quote fit
HEADER = (
    "# modelclear lock: the licensing cleared for each model, ancestor and dataset, at the commits audited.\n"
    "# Commit it. `modelclear lock --check` fails when upstream licensing no longer matches it;\n"
    "# `modelclear audit --locked` audits exactly these commits. Written by modelclear; do not edit by hand.\n"
)


@dataclass(frozen=True)
class LockedLicense:
    key: str
    spdx: str | None
    source: str  # declared | file | card (inherited licenses are the ancestors' own entries)
    file: str | None
    start_line: int | None
    end_line: int | None


@dataclass(frozen=True)
class LockedModel:
    id: str
    kind: RepoKind
    role: Role
    requested: str | None
    revision: str | None
    status: Status
    verdict: str
    declared: DeclaredLicense
    licenses: tuple[LockedLicense, ...]
    texts: tuple[TextDigest, ...]
    clauses: tuple[Clause, ...]
    parents: tuple[Parent, ...]
    datasets: tuple[str, ...]

    @property
    def key(self) -> str:
        return node_key(self.kind, self.id)

    @property
    def license_keys(self) -> tuple[str, ...]:
        return tuple(sorted({hit.key for hit in self.licenses}))


@dataclass(frozen=True)
class Lock:
    tool_version: str
    policy: PolicyRef
    context: Mapping[str, Any]
    verdict: str
    models: tuple[LockedModel, ...]
    origin: str = ""  # the file it was read from, for messages

    def model(self, kind: RepoKind, repo_id: str) -> LockedModel | None:
        return next((m for m in self.models if m.kind is kind and m.id == repo_id), None)

    @property
    def targets(self) -> tuple[LockedModel, ...]:
        return tuple(m for m in self.models if m.role is Role.TARGET)


# -- audit result -> lock ---------------------------------------------------------------------------------
def _clause_order(clause: Clause) -> tuple[Any, ...]:
    return (clause.file, clause.start_line, clause.end_line, clause.kind, clause.license or "",
            repr(sorted((clause.value or {}).items())))


def locked_model(report: ModelReport, verdict: str, requested: str | None = None) -> LockedModel:
    """One model of an audit as the lock records it, in a stable order."""
    own = [h for h in report.licenses if h.source != "inherited"]
    licenses = sorted({LockedLicense(h.key, h.spdx, h.source, h.file, h.start_line, h.end_line) for h in own},
                      key=lambda h: (h.key, h.source, h.file or "", h.start_line or 0))
    unique: dict[tuple[Any, ...], Clause] = {}
    for clause in report.clauses:
        clause = replace(clause, value=dict(sorted(clause.value.items())) if clause.value else None)
        unique.setdefault((*_clause_order(clause), clause.quote), clause)
    clauses = sorted(unique.values(), key=_clause_order)
    return LockedModel(
        id=report.id, kind=report.kind, role=report.role, requested=requested, revision=report.revision,
        status=report.status, verdict=verdict, declared=report.declared, licenses=tuple(licenses),
        texts=tuple(sorted(set(report.texts), key=lambda t: t.file)), clauses=tuple(clauses),
        parents=tuple(sorted(set(report.parents), key=lambda p: p.id)), datasets=tuple(sorted(set(report.datasets))),
    )


def model_verdict(result: AuditResult, model_id: str) -> str:
    """'fail' when an unwaived finding about this model reaches the audit's --fail-on severity."""
    if result.fail_on is None:
        return "pass"
    return "fail" if any(f.model == model_id and not f.waived and f.severity.rank >= result.fail_on.rank
                         for f in result.findings) else "pass"


def lock_from_audit(result: AuditResult, refs: Sequence[RepoRef]) -> Lock:
    """The lock of an audit; ``refs`` are the targets as asked (their revisions are what --check resolves)."""
    requested = {node_key(ref.kind, ref.id): ref.revision for ref in refs}
    models = [locked_model(report, model_verdict(result, report.id),
                           requested.get(node_key(report.kind, report.id)) if report.role is Role.TARGET else None)
              for report in result.models]
    models.sort(key=lambda m: (m.kind.value, m.id))
    return Lock(__version__, result.policy, dict(result.context), result.verdict, tuple(models))


def _clause_data(clause: Clause) -> dict[str, Any]:
    return {"kind": clause.kind, "value": dict(clause.value) if clause.value else None, "license": clause.license,
            "file": clause.file, "start_line": clause.start_line, "end_line": clause.end_line,
            "quote": clause.quote, "rule": clause.rule}


def lock_data(lock: Lock) -> dict[str, Any]:
    """The lock as plain data, keys in a fixed order."""
    return {
        "lock_version": LOCK_VERSION,
        "tool": {"name": "modelclear", "version": lock.tool_version},
        "policy": {"name": lock.policy.name, "sha256": lock.policy.sha256},
        "context": {key: lock.context[key] for key in sorted(lock.context)},
        "verdict": lock.verdict,
        "models": [{
            "id": m.id, "kind": m.kind.value, "role": m.role.value, "requested": m.requested,
            "revision": m.revision, "status": m.status.value, "verdict": m.verdict,
            "declared": {"license": m.declared.license, "license_name": m.declared.license_name,
                         "license_link": m.declared.license_link},
            "licenses": [{"key": h.key, "spdx": h.spdx, "source": h.source, "file": h.file,
                          "start_line": h.start_line, "end_line": h.end_line} for h in m.licenses],
            "texts": [{"file": t.file, "sha256": t.sha256} for t in m.texts],
            "clauses": [_clause_data(c) for c in m.clauses],
            "parents": [{"id": p.id, "relation": p.relation.value} for p in m.parents],
            "datasets": list(m.datasets),
        } for m in lock.models],
    }


class _LockDumper(yaml.SafeDumper):
    """Safe YAML with multi-line quotes as literal blocks, so a reviewer reads a license's sentence as it is
    (PyYAML falls back to a quoted scalar when a block cannot hold the text exactly)."""


# Bidi controls and line separators would reorder or split what a reviewer sees in a pull request's diff:
# a string holding one is written double-quoted, and the character as an escape (valid only there).
_HIDDEN = re.compile("[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _HIDDEN.search(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_LockDumper.add_representer(str, _str)


def dump_lock(lock: Lock) -> str:
    """The lock file's text: a header, then safe YAML in a fixed order (same lock, same bytes)."""
    text = yaml.dump(lock_data(lock), Dumper=_LockDumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    return HEADER + _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# -- lock file -> lock ------------------------------------------------------------------------------------
def read_lock(path: Path) -> Lock:
    """A lock file, checked: not YAML, an unknown lock_version or a field of the wrong type is a UsageError
    naming the file and the line."""
    if not path.exists():
        raise UsageError(f"{path}: no such lock file (write one with `modelclear lock TARGETS... -o {path}`)")
    return parse_lock(read_yaml_file(path, MAX_LOCK_CHARS), str(path))


def parse_lock(text: str, origin: str) -> Lock:
    try:  # the format version first: a newer lock deserves that message, not a list of unknown fields
        data, node = safe_load(text, MAX_LOCK_CHARS)
    except yaml.YAMLError:
        data, node = None, None  # load_validated below names the line
    if isinstance(data, dict) and "lock_version" in data and data["lock_version"] != LOCK_VERSION:
        raise UsageError(f"{origin}:{line_of(node, ['lock_version'])}: lock_version: "
                         f"{shorten(data['lock_version'])} is not a lock format this modelclear reads "
                         f"(it reads {LOCK_VERSION}); write the lock again with this version")
    if data is not None and not isinstance(data, dict):
        raise UsageError(f"{origin}:1: a lock is a YAML mapping with lock_version, tool, policy, verdict "
                         "and models")
    data, _ = load_validated(text, origin, "lock.schema.json", MAX_LOCK_CHARS)
    if not isinstance(data, dict):
        raise UsageError(f"{origin}:1: a lock is a YAML mapping with lock_version, tool, policy, verdict "
                         "and models")
    models = []
    for entry in data["models"]:
        declared = entry.get("declared") or {}
        models.append(LockedModel(
            id=entry["id"], kind=RepoKind(entry["kind"]), role=Role(entry["role"]),
            requested=entry.get("requested"), revision=entry.get("revision"), status=Status(entry["status"]),
            verdict=entry.get("verdict", "pass"),
            declared=DeclaredLicense(declared.get("license"), declared.get("license_name"),
                                     declared.get("license_link")),
            licenses=tuple(LockedLicense(h["key"], h.get("spdx"), h["source"], h.get("file"), h.get("start_line"),
                                         h.get("end_line")) for h in entry["licenses"]),
            texts=tuple(TextDigest(t["file"], t["sha256"]) for t in entry["texts"]),
            clauses=tuple(Clause(c["kind"], c.get("value"), c.get("license"), c.get("file", ""),
                                 c.get("start_line") or 0, c.get("end_line") or 0, c.get("quote", ""),
                                 c.get("rule", "")) for c in entry["clauses"]),
            parents=tuple(Parent(p["id"], Relation(p.get("relation", "unknown"))) for p in entry.get("parents", [])),
            datasets=tuple(entry.get("datasets", [])),
        ))
    return Lock(data["tool"]["version"], PolicyRef(data["policy"]["name"], data["policy"]["sha256"]),
                dict(data.get("context") or {}), data["verdict"], tuple(models), origin)


# -- what to audit ----------------------------------------------------------------------------------------
def check_refs(lock: Lock) -> list[RepoRef]:
    """``lock --check``: each locked target at what it was locked for (its head, or the pinned revision)."""
    return [RepoRef(m.id, kind=m.kind, revision=m.requested) for m in lock.targets]


def pinned_refs(lock: Lock) -> tuple[list[RepoRef], dict[str, str]]:
    """``audit --locked``: the targets at their locked commits, and every other locked repo's commit as a
    pin for the lineage walk."""
    refs = [RepoRef(m.id, kind=m.kind, revision=m.revision or m.requested) for m in lock.targets]
    pins = {m.key: m.revision for m in lock.models if m.role is not Role.TARGET and m.revision}
    return refs, pins


# -- lock + fresh audit -> findings -----------------------------------------------------------------------
def _paths(result: AuditResult) -> dict[str, tuple[str, ...]]:
    """The first path from a target to each repo of the audit, over the lineage edges."""
    children: dict[str, list[str]] = {}
    for edge in result.edges:
        children.setdefault(edge.child, []).append(edge.parent)
    paths: dict[str, tuple[str, ...]] = {}
    for target in (m for m in result.models if m.role is Role.TARGET):
        queue: list[tuple[str, tuple[str, ...]]] = [(target.id, (target.id,))]
        while queue:
            node, path = queue.pop(0)
            if node in paths:
                continue
            paths[node] = path
            queue.extend((parent, (*path, parent)) for parent in children.get(node, []) if parent not in paths)
    return paths


def compare_with_lock(lock: Lock, result: AuditResult, policy: Policy) -> list[Finding]:
    """What differs between the lock and a fresh audit, as findings: ``license-changed``,
    ``revision-changed`` (at most info) and ``unverifiable`` for a locked repo that can no longer be read."""
    from scanner.diff import diff_models

    paths = _paths(result)
    findings: list[Finding] = []
    for report in result.models:
        locked = lock.model(report.kind, report.id)
        if locked is None:
            continue  # new in the lineage: its child's parents changed, reported there
        path = paths.get(report.id, (report.id,))
        fresh = locked_model(report, model_verdict(result, report.id))
        was = (locked.revision or "unknown")[:12]
        if locked.status is Status.OK and report.status is not Status.OK:
            finding = policy.finding(
                "unverifiable", report.id, path,
                f"{report.id} was locked at {was} ({lock.origin or 'the lock'}) but is now {report.status.value} "
                f"upstream{': ' + report.message if report.message else ''}; its licensing cannot be compared "
                "with the lock, so it is not cleared")
            if finding is not None:
                findings.append(finding)
            continue
        change = diff_models(locked, fresh)
        now = (report.revision or "unknown")[:12]
        if change.licensing_differs:
            if locked.revision == report.revision:
                how = (f"at the same revision {now}, modelclear {__version__} reads it differently from the "
                       f"lock (written by modelclear {lock.tool_version})")
            else:
                how = f"between {was} (locked) and {now}"
            finding = policy.finding("license-changed", report.id, path,
                                     f"{report.id}: its licensing changed {how}: {change.summary()}",
                                     change.evidence())
            if finding is not None:
                findings.append(finding)
        elif locked.revision != report.revision:
            finding = policy.finding(
                "revision-changed", report.id, path,
                f"{report.id}: {locked.requested or 'main'} moved from {was} (locked) to {now}; its licensing "
                "is unchanged (same license keys, license texts and clauses); lock it again to record the "
                "new revision")
            if finding is not None:
                # At most a note whatever a policy says: nothing about the terms changed.
                findings.append(replace(finding, severity=Severity.INFO))
    return findings


def with_lock_findings(result: AuditResult, lock: Lock, policy: Policy, waivers: Sequence[Waiver],
                       today: Any) -> AuditResult:
    """The audit result with the lock's findings added, waivers applied to all of them."""
    findings = list(result.findings) + compare_with_lock(lock, result, policy)
    revisions = {model.id: model.revision for model in result.models}
    findings, records = apply_waivers([replace(f, waived=False, waiver=None) for f in findings], revisions,
                                      waivers, today)
    return replace(result, findings=tuple(findings), waivers=tuple(records))
