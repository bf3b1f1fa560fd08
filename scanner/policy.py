"""Policies (DESIGN section 6): which finding rules matter, and how much.

A policy file sets a severity (error, warning, info, off) for each rule of the finding vocabulary in
rules/findings.yml. Findings are made only through ``Policy.finding`` so severity and remediation come
from data, never from the code that noticed the problem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import UsageError
from scanner.models import Evidence, Finding, PolicyRef, Severity
from scanner.resources import data_folder, load_yaml

OFF = "off"


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str
    help: str
    remediation: str


def finding_rules() -> dict[str, RuleInfo]:
    """The finding vocabulary, from rules/findings.yml."""
    data = load_yaml("rules", "findings.yml")
    return {rule: RuleInfo(rule, entry["title"], entry["help"], entry["remediation"]) for rule, entry in data.items()}


@dataclass(frozen=True)
class Policy:
    name: str
    sha256: str
    severity: Mapping[str, Severity | None]

    @property
    def ref(self) -> PolicyRef:
        return PolicyRef(self.name, self.sha256)

    def finding(self, rule: str, model: str, path: tuple[str, ...], message: str,
                evidence: Evidence | None = None) -> Finding | None:
        """A finding for ``rule`` at the policy's severity, or None when the policy turns the rule off."""
        rules = finding_rules()
        if rule not in rules:
            raise KeyError(f"finding rule {rule!r} is not in rules/findings.yml")
        severity = self.severity.get(rule, Severity.ERROR)
        if severity is None:
            return None
        return Finding(rule=rule, severity=severity, model=model, path=path, message=message,
                       evidence=evidence or Evidence(), remediation=rules[rule].remediation)


def builtin_policy_names() -> list[str]:
    return sorted(node.name[:-4] for node in data_folder("policies").iterdir() if node.name.endswith(".yml"))


def load_policy(name_or_path: str, _depth: int = 0) -> Policy:
    """Load a built-in policy by name or a user policy file by path; a bad policy is a UsageError.

    ``extends: NAME`` starts from another policy (a built-in name or a path relative to this file), so a
    legal team's file holds only what it changes; rules a policy leaves unset are errors.
    """
    if _depth > 8:
        raise UsageError(f"policy {name_or_path!r}: 'extends' goes more than 8 levels deep (a cycle?)")
    path = Path(name_or_path)
    if name_or_path in builtin_policy_names():
        text = data_folder("policies").joinpath(f"{name_or_path}.yml").read_text(encoding="utf-8")
        origin = f"built-in policy {name_or_path}"
    elif path.is_file():
        text = path.read_text(encoding="utf-8")
        origin = str(path)
    else:
        raise UsageError(f"no built-in policy or policy file named {name_or_path!r} "
                         f"(built-in: {', '.join(builtin_policy_names())})")
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{origin}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise UsageError(f"{origin}: a policy is a mapping with at least a 'name'")
    severity: dict[str, Severity | None] = {}
    digest = hashlib.sha256(text.encode("utf-8"))
    base_name = data.get("extends")
    if base_name is not None:
        if not isinstance(base_name, str):
            raise UsageError(f"{origin}: extends: must name a built-in policy or a policy file")
        base_path = path.parent / base_name if path.is_file() and not base_name.isidentifier() else None
        base = load_policy(str(base_path) if base_path and base_path.is_file() else base_name, _depth + 1)
        severity.update(base.severity)
        digest.update(base.sha256.encode())
    severity.update(_severities(origin, data.get("severity") or {}))
    return Policy(data["name"], digest.hexdigest(), severity)


def _severities(origin: str, raw: Any) -> dict[str, Severity | None]:
    if not isinstance(raw, dict):
        raise UsageError(f"{origin}: 'severity' must map finding rules to error, warning, info or off")
    known = finding_rules()
    result: dict[str, Severity | None] = {}
    for rule, value in raw.items():
        if rule not in known:
            raise UsageError(f"{origin}: severity.{rule}: unknown finding rule (known: {', '.join(sorted(known))})")
        if value == OFF or value is False:
            result[rule] = None
            continue
        try:
            result[rule] = Severity(value)
        except ValueError:
            raise UsageError(f"{origin}: severity.{rule}: {value!r} is not error, warning, info or off") from None
    return result
