"""Waivers: a legal team's recorded decisions about specific findings (DESIGN section 6).

Each waiver names the model the finding is about, the rule, a reason from a fixed list, who approved it
and an expiry date, and may pin a revision. A waived finding stays in the output, marked waived; a waiver
that has expired, or that is pinned to another revision, does not apply and says so on the finding and in
the report's waiver list, so a decision never outlives what it was about silently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import UsageError
from scanner.models import Finding, WaiverNote, WaiverRecord
from scanner.resources import read_text


@dataclass(frozen=True)
class Waiver:
    model: str
    rule: str
    reason: str
    approver: str
    expires: date
    revision: str | None = None
    note: str | None = None
    line: int | None = None


class _TextDates(yaml.SafeLoader):
    """Safe YAML without implicit timestamps: dates stay text, so a bad date is our error with its line."""


_TextDates.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return dict(json.loads(read_text("policies", "waivers.schema.json")))


def load_waivers(path: Path) -> list[Waiver]:
    """Read and validate a waivers file; any problem is a UsageError naming the file, line and field."""
    import jsonschema

    from scanner.policy import _line_of

    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_TextDates)
        data = yaml.load(text, Loader=_TextDates)  # noqa: S506 - a SafeLoader subclass
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UsageError(f"{path}:{mark.line + 1 if mark else 1}: not valid YAML") from None
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data),
                    key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        field = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise UsageError(f"{path}:{_line_of(node, list(error.absolute_path))}: {field}: {error.message}")
    waivers = []
    for index, entry in enumerate(data["waivers"]):
        try:
            expires = date.fromisoformat(entry["expires"])
        except ValueError:
            line = _line_of(node, ["waivers", index, "expires"])
            raise UsageError(f"{path}:{line}: waivers.{index}.expires: {entry['expires']!r} is not a date") from None
        waivers.append(Waiver(entry["model"], entry["rule"], entry["reason"], entry["approver"], expires,
                              entry.get("revision"), entry.get("note"), _line_of(node, ["waivers", index])))
    return waivers


def apply_waivers(findings: Sequence[Finding], revisions: Mapping[str, str | None], waivers: Sequence[Waiver],
                  today: date) -> tuple[list[Finding], list[WaiverRecord]]:
    """Mark the findings each waiver covers; report what each waiver did."""
    counts: dict[int, tuple[str, int]] = {}
    result: list[Finding] = []
    for finding in findings:
        for index, waiver in enumerate(waivers):
            if waiver.model != finding.model or waiver.rule != finding.rule:
                continue
            status = _status(waiver, revisions.get(finding.model), today)
            note = WaiverNote(status, waiver.reason, waiver.approver, waiver.expires.isoformat(), waiver.revision,
                              waiver.note)
            finding = replace(finding, waived=status == "applied", waiver=note)
            counts[index] = (status, counts.get(index, (status, 0))[1] + 1)
            if status == "applied":
                break
        result.append(finding)
    records = []
    for index, waiver in enumerate(waivers):
        status, count = counts.get(index, ("unused", 0))
        records.append(WaiverRecord(waiver.model, waiver.rule, waiver.reason, waiver.approver,
                                    waiver.expires.isoformat(), waiver.revision, status, count, waiver.line))
    return result, records


def _status(waiver: Waiver, revision: str | None, today: date) -> str:
    if waiver.expires < today:
        return "expired"
    if waiver.revision and not (revision and revision.startswith(waiver.revision)):
        return "revision-mismatch"
    return "applied"
