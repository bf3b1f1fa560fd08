"""Waivers: a legal team's recorded decisions about specific findings (DESIGN section 6).

Each waiver names the model the finding is about, the rule, a reason from a fixed list, who approved it
and an expiry date, and may pin a revision. A waived finding stays in the output, marked waived; a waiver
that has expired, or that is pinned to another revision, does not apply and says so on the finding and in
the report's waiver list, so a decision never outlives what it was about silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from scanner.errors import UsageError
from scanner.models import Finding, WaiverNote, WaiverRecord
from scanner.text import shorten
from scanner.yamlfiles import line_of, load_validated, read_yaml_file


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


def load_waivers(path: Path) -> list[Waiver]:
    """Read and validate a waivers file; any problem is a UsageError naming the file, line and field."""
    text = read_yaml_file(path)
    data, node = load_validated(text, str(path), "waivers.schema.json")
    waivers = []
    for index, entry in enumerate(data["waivers"]):
        try:
            expires = date.fromisoformat(entry["expires"])
        except ValueError:
            line = line_of(node, ["waivers", index, "expires"])
            raise UsageError(f"{path}:{line}: waivers.{index}.expires: {shorten(entry['expires'])} "
                             "is not a date") from None
        waivers.append(Waiver(entry["model"], entry["rule"], entry["reason"], entry["approver"], expires,
                              entry.get("revision"), entry.get("note"), line_of(node, ["waivers", index])))
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
