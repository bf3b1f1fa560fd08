"""Policies (DESIGN section 6): what a company may use, as data a legal team maintains.

A policy file (policies/*.yml, validated by policies/policy.schema.json) classifies licenses as allowed,
review or denied by ScanCode key, SPDX id or ScanCode category; sets a severity (error, warning, info, off)
for each finding rule; declares the context it needs (``--context mau=...``); says how threshold clauses
compare with that context; and may override severities ``when`` the context matches. ``extends`` starts
from another policy so a team's file holds only what it changes. Findings are made only through
``Policy.finding``, so severity and remediation always come from data.
"""

from __future__ import annotations

import copy
import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import UsageError
from scanner.models import Evidence, Finding, PolicyRef, Severity, ThresholdCheck
from scanner.resources import data_folder, load_yaml, read_text
from scanner.safefile import confined
from scanner.text import shorten
from scanner.yamlfiles import load_validated, read_yaml_file

OFF = "off"
CLASSES = ("denied", "review", "allowed")


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str
    help: str
    remediation: str
    security_severity: float


@lru_cache(maxsize=1)
def finding_rules() -> dict[str, RuleInfo]:
    """The finding vocabulary, from rules/findings.yml."""
    data = load_yaml("rules", "findings.yml")
    return {rule: RuleInfo(rule, entry["title"], entry["help"], entry["remediation"],
                           float(entry["security_severity"])) for rule, entry in data.items()}


@dataclass(frozen=True)
class Classification:
    verdict: str  # allowed | review | denied
    reason: str


@dataclass(frozen=True)
class Policy:
    name: str
    sha256: str
    data: Mapping[str, Any]
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> PolicyRef:
        return PolicyRef(self.name, self.sha256)

    # -- context ----------------------------------------------------------------------------------
    def bind(self, given: Mapping[str, str]) -> Policy:
        """The policy with the user's context checked against what it declares, defaults filled in."""
        spec: Mapping[str, Any] = self.data.get("context") or {}
        context: dict[str, Any] = {}
        for key, raw in given.items():
            if key not in spec:
                known = ", ".join(sorted(spec)) or "none"
                raise UsageError(f"--context {key}: policy {self.name} does not use it (it uses: {known})")
            context[key] = _context_value(key, raw, spec[key])
        for key, entry in spec.items():
            if key not in context and "default" in entry:
                context[key] = entry["default"]
        return Policy(self.name, self.sha256, self.data, context)

    # -- severities ---------------------------------------------------------------------------------
    def severity_of(self, rule: str) -> Severity | None:
        """The rule's severity after ``when`` overrides; None means off. Unset rules are errors."""
        value: Any = (self.data.get("severity") or {}).get(rule, "error")
        for override in self.data.get("when") or []:
            if _context_matches(override["context"], self.context) and rule in override["severity"]:
                value = override["severity"][rule]
        return None if value in (OFF, False) else Severity(value)

    def finding(self, rule: str, model: str, path: tuple[str, ...], message: str,
                evidence: Evidence | None = None, value: Mapping[str, Any] | None = None) -> Finding | None:
        """A finding for ``rule`` at the policy's severity, or None when the policy turns the rule off.

        For threshold rules the clause ``value`` is compared with the context: crossing the limit, staying
        within it and not saying (no --context) each have their own severity in the policy.
        """
        rules = finding_rules()
        if rule not in rules:
            raise KeyError(f"finding rule {rule!r} is not in rules/findings.yml")
        severity = self.severity_of(rule)
        check = self.threshold_check(rule, value) if severity is not None else None
        if check is not None:
            override = (self.data.get("thresholds") or {})[rule].get(check.outcome)
            severity = None if override == OFF else Severity(override) if override else severity
            message = f"{message} ({check.note})"
        if severity is None:
            return None
        return Finding(rule=rule, severity=severity, model=model, path=path, message=message,
                       evidence=evidence or Evidence(), remediation=rules[rule].remediation)

    def threshold_check(self, rule: str, value: Mapping[str, Any] | None) -> ThresholdCheck | None:
        """The user's number (--context) against a threshold clause's limit, for rules the policy compares
        (``thresholds:``); None for other rules. The one comparison findings and answers both use."""
        threshold = (self.data.get("thresholds") or {}).get(rule)
        if not threshold or not value:
            return None
        mapping = threshold["context"]
        metric = str(value.get("metric", ""))
        key = mapping if isinstance(mapping, str) else mapping.get(metric)
        limit = value.get("limit")
        if key is None or not isinstance(limit, (int, float)):
            return ThresholdCheck(None, None, limit if isinstance(limit, (int, float)) else None, "missing",
                                  f"no context key compares with {metric or 'this limit'}")
        given = self.context.get(key)
        if given is None:
            return ThresholdCheck(key, None, limit, "missing", f"give --context {key}=N to check it")
        below = value.get("comparison") == "below"  # allowed only below the limit (e.g. DAU < 1 million)
        crossed = given >= limit if below else given > limit
        relation = "crosses" if crossed else "is within"
        return ThresholdCheck(key, given, limit, "crossed" if crossed else "within",
                              f"your {key} {given:,} {relation} the limit of {limit:,}")

    # -- licenses -------------------------------------------------------------------------------------
    def classify(self, key: str, spdx: str | None, category: str | None) -> Classification:
        """allowed / review / denied for one license: by key, then SPDX id, then category, else default."""
        licenses: Mapping[str, Any] = self.data.get("licenses") or {}
        for field_name, candidate in (("keys", key), ("spdx", spdx), ("categories", category)):
            if candidate is None:
                continue
            for verdict in CLASSES:
                values = (licenses.get(verdict) or {}).get(field_name) or []
                if candidate.lower() in {str(v).lower() for v in values}:
                    label = {"keys": "key", "spdx": "SPDX id", "categories": "category"}[field_name]
                    return Classification(verdict, f"its {label} {candidate} is {verdict} by policy {self.name}")
        default = str(licenses.get("default", "review"))
        return Classification(default, f"policy {self.name} classifies licenses it does not list as {default}")


def _context_value(key: str, raw: str, spec: Mapping[str, Any]) -> Any:
    kind = spec.get("type", "string")
    if "choices" in spec and raw not in spec["choices"]:
        raise UsageError(f"--context {key}={raw}: must be one of {', '.join(spec['choices'])}")
    if kind in ("integer", "number"):
        # Digits only: float() would also take "nan" (never above any limit, so every threshold would pass),
        # "inf" and "1e400".
        cleaned = raw.replace(",", "").replace("_", "")
        if not _PLAIN_NUMBER.fullmatch(cleaned):
            raise UsageError(f"--context {key}={raw}: not a plain number (digits, e.g. 250000000, 2.5e8)")
        number = float(cleaned)
        maximum = spec.get("maximum")
        if not math.isfinite(number) or (maximum is not None and number > maximum):
            raise UsageError(f"--context {key}={raw}: not a plausible value"
                             + (f" (at most {maximum:,})" if maximum is not None else ""))
        return int(number) if kind == "integer" or number.is_integer() else number
    return raw


_PLAIN_NUMBER = re.compile(r"\d{1,20}(?:\.\d{1,10})?(?:[eE]\+?\d{1,2})?")


def _context_matches(condition: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    for key, wanted in condition.items():
        options = wanted if isinstance(wanted, list) else [wanted]
        if context.get(key) not in options:
            return False
    return True


def parse_context(pairs: tuple[str, ...]) -> dict[str, str]:
    """--context key=value pairs; a malformed pair is a usage error."""
    context: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"--context {pair!r}: expected key=value, e.g. mau=250000000")
        context[key.strip()] = value.strip()
    return context


# -- loading --------------------------------------------------------------------------------------------
def builtin_policy_names() -> list[str]:
    return sorted(node.name[:-4] for node in data_folder("policies").iterdir() if node.name.endswith(".yml"))


def load_policy(name_or_path: str, _depth: int = 0, within: Path | None = None) -> Policy:
    """Load a built-in policy by name or a policy file by path; a bad policy is a UsageError naming the
    file, the line and the field. ``extends`` merges the named policy underneath (maps merge, lists and
    scalars are replaced); a rule no policy in the chain sets is an error. With ``within`` (a policy a
    repository names), the file and every file it extends must lie inside that directory."""
    if _depth > 8:
        raise UsageError(f"policy {shorten(name_or_path)}: 'extends' goes more than 8 levels deep (a cycle?)")
    path = Path(name_or_path)
    if name_or_path in builtin_policy_names():
        text = read_text("policies", f"{name_or_path}.yml")
        # Shipped data, validated against the schema by the test suite (tests/test_policies.py): not again
        # at each run, where jsonschema's import alone is a fifth of an audit's start-up.
        data = dict(load_yaml("policies", f"{name_or_path}.yml"))
    elif (path := confined(within, name_or_path, "policy") if within is not None else path).is_file():
        text = read_yaml_file(path)
        data = validate_policy_text(text, str(path))
    else:
        raise UsageError(f"no built-in policy or policy file named {shorten(name_or_path)} "
                         f"(built-in: {', '.join(builtin_policy_names())})")
    digest = hashlib.sha256(text.encode("utf-8"))
    base_name = data.get("extends")
    if base_name:
        base_path = path.parent / base_name if path.is_file() else None
        base = load_policy(str(base_path) if base_path is not None and base_path.is_file() else base_name,
                           _depth + 1, within)
        digest.update(base.sha256.encode())
        data = _merge(dict(base.data), data)
        data.pop("extends", None)
    return Policy(data["name"], digest.hexdigest(), data)


def validate_policy_text(text: str, origin: str) -> dict[str, Any]:
    """Parse (safe YAML) and validate one policy file against policies/policy.schema.json."""
    data, _ = load_validated(text, origin, "policy.schema.json")
    if not isinstance(data, dict):
        raise UsageError(f"{origin}:1: a policy is a YAML mapping with at least a 'name'")
    return data


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def policy_as_yaml(policy: Policy) -> str:
    """The resolved policy (after extends) for `modelclear policy show`."""
    return yaml.safe_dump(dict(policy.data), sort_keys=False, allow_unicode=True, width=110)
