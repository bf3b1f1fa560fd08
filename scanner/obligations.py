"""What a legal team acts on: one answer per target and each duty stated once (issue 14).

Computed here, once, from the finished AuditResult and the policy that produced it; every report reads
``AuditResult.commercial_use`` and ``AuditResult.obligations`` and none recomputes them.

**Obligations.** A duty is a clause of a duty kind (``OBLIGATION_KINDS``) identified by its kind, its
value and its license: the "Built with Llama" display of llama-3.1-license-2024 is one duty whether the
quantization's LICENSE, its base's LICENSE or the license's reference text says it. Each duty lists every
model whose terms carry it and, for each target, the chain of parents from the target to each of those
models. It quotes a real file of the carrier nearest to the first target that reaches it (the target's
own file before an ancestor's); a license's reference text or the gated prompt only when no carrier has the
file. Its severity is the worst unwaived per-path finding it merges: findings stay per path in JSON and
SARIF, where tools need a location each; the human reports print the duty once. Facts of a license that
ask nothing of the user (``governing-law``, ``patent-grant``, ``patent-termination``) stay in
``models[].clauses`` and are not duties. A duty that binds only through training data is not the model's
duty: a dataset's terms are a ``dataset-license`` condition of the model.

**The answer**, per target, over the target and every model it derives from (bases, adapters' bases,
merge parents, quantization sources), in this order of precedence (the first that holds decides):

1. ``not-allowed``: a ``non-commercial`` clause binds it; a license in its lineage is denied by the policy
   (an unwaived ``license-denied`` finding); or a threshold the user's ``--context`` crosses (a separate
   license from the licensor is needed). A known prohibition is an answer even where other parts of the
   lineage are unknown, so it outranks ``unknown``.
2. ``unknown``: a repo of the lineage has no identified license, could not be read (gated, missing,
   error), or the lineage was cut off or could not be resolved. What was not checked never reads as
   allowed.
3. ``conditional``: at least one condition binds a commercial user: a threshold within the user's numbers
   or not checked for want of a number, a display, naming, notice or use restriction, output, territory,
   registration, share-alike or no-derivatives term, a license the policy sends to legal review, or
   training data under terms to review.
4. ``allowed``: nothing of the above.

The policy decides in three places: which licenses are denied or need review; which context makes a
duty not arise (a duty whose finding rule the policy turns off for this context, such as display and
naming for ``distribution=internal``, is not a condition there); and how thresholds compare with the
context. A waived finding (a license obtained, a duty fulfilled) stays listed, marked waived, and no longer
makes the answer harder than ``conditional``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import networkx as nx

from scanner.clauses import clause_identity, describe_clause, kind_infos
from scanner.models import (
    Answer,
    AuditResult,
    Clause,
    CommercialUse,
    Condition,
    Evidence,
    Finding,
    ModelReport,
    Obligation,
    Reach,
    RepoKind,
    Role,
    Severity,
    Status,
)
from scanner.policy import Policy, finding_rules

CONDITION_KINDS = ("user-threshold", "revenue-threshold", "attribution", "naming", "notice", "use-restrictions",
                   "output-restriction", "restriction-passthrough", "registration", "territory", "share-alike",
                   "no-derivatives")
OBLIGATION_KINDS = ("non-commercial", *CONDITION_KINDS)
THRESHOLD_KINDS = frozenset({"user-threshold", "revenue-threshold"})
TRAINED_ON = "trained_on"

# Reasons that come from findings rather than clauses: the rule, and what it makes of the answer.
_BLOCKING_RULES = {"license-denied": Answer.NOT_ALLOWED, "license-unknown": Answer.UNKNOWN,
                   "unverifiable": Answer.UNKNOWN, "lineage-unresolved": Answer.UNKNOWN}
_CONDITION_RULES = ("license-review", "dataset-license")
_ORDER = {Answer.NOT_ALLOWED: 0, Answer.UNKNOWN: 1, Answer.CONDITIONAL: 2, Answer.ALLOWED: 3}


def clear(result: AuditResult, policy: Policy) -> AuditResult:
    """The result with ``commercial_use`` (one per target) and ``obligations`` filled in."""
    lineage = _Lineage(result)
    findings = _Findings(result.findings)
    obligations = _obligations(result, lineage, policy, findings)
    by_identity = {(o.kind, o.license, clause_identity(o.kind, o.value)): o for o in obligations}
    answers = tuple(_answer(target, findings, lineage, policy, by_identity)
                    for target in result.models if target.role is Role.TARGET)
    return replace(result, commercial_use=answers, obligations=obligations)


class _Lineage:
    """The audit's lineage graph rebuilt from ``models`` and ``edges`` (model and dataset namespaces apart)."""

    def __init__(self, result: AuditResult) -> None:
        self.reports = {(m.kind.value, m.id): m for m in result.models}
        self.models = nx.DiGraph()
        self.datasets: dict[str, list[str]] = {}
        for model in result.models:
            if model.kind is RepoKind.MODEL:
                self.models.add_node(model.id)
        for edge in result.edges:
            if edge.relation == TRAINED_ON:
                self.datasets.setdefault(edge.child, []).append(edge.parent)
            elif edge.child in self.models and edge.parent in self.models:
                self.models.add_edge(edge.child, edge.parent)

    def model_lineage(self, target: str) -> list[str]:
        """The target and every model it derives from, nearest first (breadth-first; cycles once)."""
        if target not in self.models:
            return [target]
        return [target] + [n for n in nx.bfs_tree(self.models, target) if n != target]

    def path(self, target: str, model: str) -> tuple[str, ...]:
        if target == model or target not in self.models:
            return (target,)
        return tuple(nx.shortest_path(self.models, target, model))

    def report(self, model_id: str) -> ModelReport | None:
        return self.reports.get(("model", model_id))


def _identity(clause: Clause) -> tuple[str, str | None, tuple[str, str]]:
    return clause.kind, clause.license, clause_identity(clause.kind, clause.value)


class _Findings:
    """The audit's findings indexed once by target and by what they cite: answering a thousand targets must
    not rescan every finding for each of them."""

    def __init__(self, findings: tuple[Finding, ...]) -> None:
        self.all = findings
        self.by_target: dict[str, list[Finding]] = {}
        self.by_citation: dict[tuple[str, str, str, str | None, int | None], int] = {}
        self.waived: dict[str, set[tuple[str, str]]] = {}
        for index, finding in enumerate(findings):
            if not finding.path:
                continue
            target = finding.path[0]
            self.by_target.setdefault(target, []).append(finding)
            self.by_citation.setdefault((finding.rule, finding.model, target, finding.evidence.file,
                                         finding.evidence.start_line), index)
            if finding.waived:
                self.waived.setdefault(target, set()).add((finding.rule, finding.model))


def _clause_finding(findings: _Findings, rule: str | None, model: str, target: str, clause: Clause) -> int | None:
    """The per-path finding raised for this clause of ``model`` as ``target`` sees it, if any."""
    if rule is None:
        return None
    return findings.by_citation.get((rule, model, target, clause.file, clause.start_line))


def _applies(policy: Policy, rule: str | None) -> bool:
    """A duty whose finding rule the policy turns off in this context does not arise here."""
    return rule is None or policy.severity_of(rule) is not None


def _obligations(result: AuditResult, lineage: _Lineage, policy: Policy, findings: _Findings
                 ) -> tuple[Obligation, ...]:
    kinds = kind_infos()
    rules = finding_rules()
    order: list[tuple[str, str | None, tuple[str, str]]] = []
    first: dict[tuple[str, str | None, tuple[str, str]], tuple[str, Clause]] = {}
    carriers: dict[tuple[str, str | None, tuple[str, str]], dict[str, Clause]] = {}
    reach: dict[tuple[str, str | None, tuple[str, str]], dict[str, list[tuple[str, ...]]]] = {}
    merged: dict[tuple[str, str | None, tuple[str, str]], list[int]] = {}
    for target in (m for m in result.models if m.role is Role.TARGET):
        for model_id in lineage.model_lineage(target.id):
            report = lineage.report(model_id) if model_id != target.id else target
            if report is None:
                continue
            for clause in _file_copies_first(report.clauses):
                if clause.kind not in OBLIGATION_KINDS:
                    continue
                rule = kinds[clause.kind].finding if clause.kind in kinds else None
                if not _applies(policy, rule):
                    continue
                key = _identity(clause)
                if key not in first:
                    order.append(key)
                    first[key] = (model_id, clause)
                carriers.setdefault(key, {}).setdefault(model_id, clause)
                paths = reach.setdefault(key, {}).setdefault(target.id, [])
                path = lineage.path(target.id, model_id)
                if path not in paths:
                    paths.append(path)
                index = _clause_finding(findings, rule, model_id, target.id, carriers[key][model_id])
                if index is not None and index not in merged.setdefault(key, []):
                    merged[key].append(index)
    obligations = []
    for number, key in enumerate(order, start=1):
        # The quote: a real file of the nearest carrier, before any reference text or gated prompt.
        model_id, clause = next(((m, c) for m, c in carriers[key].items() if not _cited_elsewhere(c)), first[key])
        rule = kinds[clause.kind].finding if clause.kind in kinds else None
        indices = tuple(merged.get(key, ()))
        live = [result.findings[i].severity for i in indices if not result.findings[i].waived]
        obligations.append(Obligation(
            id=f"O{number}", kind=clause.kind, text=describe_clause(clause), value=clause.value or None,
            license=clause.license, model=model_id,
            evidence=Evidence(file=clause.file, start_line=clause.start_line, quote=clause.quote),
            models=tuple(carriers[key]),
            reach=tuple(Reach(target, tuple(paths)) for target, paths in reach[key].items()),
            severity=max(live, key=lambda s: s.rank) if live else None, rule=rule,
            remediation=rules[rule].remediation if rule in rules else _REMEDIATION.get(clause.kind, ""),
            findings=indices))
    return tuple(obligations)


_REMEDIATION = {"notice": "Ship the license text and its notices with every copy of the model or a derived work."}


def _cited_elsewhere(clause: Clause) -> bool:
    """Read from a license's reference text or the card's gated prompt, not from a file of the repo."""
    return clause.file.startswith("license:") or "#" in clause.file


def _file_copies_first(clauses: Iterable[Clause]) -> list[Clause]:
    """A repo's own files before the gated prompt and reference texts, so evidence quotes a real file."""
    return sorted(clauses, key=_cited_elsewhere)


def _answer(target: ModelReport, findings: _Findings, lineage: _Lineage, policy: Policy,
            obligations: Mapping[tuple[str, str | None, tuple[str, str]], Obligation]) -> CommercialUse:
    kinds = kind_infos()
    blockers: list[tuple[Answer, Condition]] = []
    conditions: list[Condition] = []
    for finding in findings.by_target.get(target.id, ()):
        condition = Condition(kind=finding.rule, text=finding.message, model=finding.model, path=finding.path,
                              evidence=finding.evidence, waived=finding.waived, waiver=finding.waiver)
        about_data = lineage.report(finding.model) is None and ("dataset", finding.model) in lineage.reports
        if finding.rule in _BLOCKING_RULES and not finding.waived and not about_data:
            if not any(c.kind == finding.rule and c.model == finding.model and c.text == finding.message
                       for _, c in blockers):
                blockers.append((_BLOCKING_RULES[finding.rule], condition))
        elif finding.rule in _CONDITION_RULES or finding.rule in _BLOCKING_RULES:
            if about_data and finding.rule != "dataset-license":
                condition = replace(condition, kind="dataset-license")
            if not any(c.kind == condition.kind and c.text == condition.text for c in conditions):
                conditions.append(condition)
    seen: set[tuple[str, str | None, tuple[str, str]]] = set()
    for model_id in lineage.model_lineage(target.id):
        report = target if model_id == target.id else lineage.report(model_id)
        if report is None:
            continue
        path = lineage.path(target.id, model_id)
        for clause in _file_copies_first(report.clauses):
            if clause.kind not in OBLIGATION_KINDS or _identity(clause) in seen:
                continue
            rule = kinds[clause.kind].finding if clause.kind in kinds else None
            if not _applies(policy, rule):
                continue
            seen.add(_identity(clause))
            obligation = obligations.get(_identity(clause))
            index = _clause_finding(findings, rule, model_id, target.id, clause)
            matched = findings.all[index] if index is not None else None
            check = policy.threshold_check(rule, clause.value) if rule and clause.kind in THRESHOLD_KINDS else None
            item = Condition(kind=clause.kind, text=describe_clause(clause), model=model_id, path=path,
                             value=clause.value or None, license=clause.license,
                             evidence=Evidence(clause.file, clause.start_line, clause.quote), check=check,
                             obligation=obligation.id if obligation else None,
                             waived=bool(matched and matched.waived), waiver=matched.waiver if matched else None)
            blocking = clause.kind == "non-commercial" or (check is not None and check.outcome == "crossed")
            if blocking and not item.waived:
                blockers.append((Answer.NOT_ALLOWED, item))
            else:
                conditions.append(item)
        # Only where no finding already says it (a policy may turn those rules off; the facts remain).
        if not any(c.model == model_id for a, c in blockers if a is Answer.UNKNOWN):
            blockers.extend((Answer.UNKNOWN, item) for item in _unread(report, path, findings))
    answer = min((a for a, _ in blockers), key=_ORDER.__getitem__, default=None)
    if answer is None:
        answer = Answer.CONDITIONAL if conditions else Answer.ALLOWED
    return CommercialUse(model=target.id, answer=answer, summary=_summary(answer, blockers, conditions),
                         conditions=tuple(conditions), blockers=tuple(c for _, c in blockers))


def _unread(report: ModelReport, path: tuple[str, ...], findings: _Findings) -> list[Condition]:
    """Facts that leave a repo's terms unknown whatever the policy's severities: not read, or no license.
    A waived finding about the same repo (the team accepted the risk) settles it."""
    waived = findings.waived.get(path[0], set())
    reasons: list[Condition] = []
    if report.status is not Status.OK and ("unverifiable", report.id) not in waived \
            and ("lineage-unresolved", report.id) not in waived:
        reasons.append(Condition(kind="unverifiable", model=report.id, path=path,
                                 text=f"{report.id} could not be read ({report.status.value}); its terms "
                                      "are not verified"))
    elif not any(h.source != "inherited" for h in report.licenses) and ("license-unknown", report.id) not in waived:
        reasons.append(Condition(kind="license-unknown", model=report.id, path=path,
                                 text=f"{report.id} has no identified license"))
    return reasons


def _summary(answer: Answer, blockers: list[tuple[Answer, Condition]], conditions: list[Condition]) -> str:
    deciding = [c for a, c in blockers if a is answer]
    if answer is Answer.NOT_ALLOWED:
        return "not allowed: " + "; ".join(_reason(c) for c in deciding[:3])
    if answer is Answer.UNKNOWN:
        return "unknown: " + "; ".join(_reason(c) for c in deciding[:3])
    if answer is Answer.CONDITIONAL:
        open_items = sum(1 for c in conditions if not c.waived)
        return f"allowed if {len(conditions)} condition{'s' if len(conditions) != 1 else ''} " \
               f"{'are' if len(conditions) != 1 else 'is'} met ({open_items} open)"
    return "allowed: no condition binds a commercial user"


def _reason(condition: Condition) -> str:
    if condition.kind == "non-commercial":
        return f"{condition.license or 'unidentified terms'} limits use to non-commercial purposes " \
               f"(from {condition.model})"
    if condition.check is not None:
        return f"{condition.text} and {condition.check.note} (from {condition.model})"
    return condition.text


def severity_rank(severity: Severity | None) -> int:
    return -1 if severity is None else severity.rank


def answer_json(answer: CommercialUse) -> dict[str, Any]:
    """``models[].commercial_use`` of the JSON contract."""
    return {"answer": answer.answer.value, "summary": answer.summary,
            "conditions": [condition_json(c) for c in answer.conditions],
            "blockers": [condition_json(c) for c in answer.blockers]}


def condition_json(condition: Condition) -> dict[str, Any]:
    check = condition.check
    return {
        "kind": condition.kind, "text": condition.text, "value": condition.value, "license": condition.license,
        "model": condition.model, "path": list(condition.path),
        "context": None if check is None else {"key": check.key, "given": check.given, "limit": check.limit,
                                               "outcome": check.outcome, "note": check.note},
        "evidence": {"file": condition.evidence.file, "start_line": condition.evidence.start_line,
                     "quote": condition.evidence.quote},
        "obligation": condition.obligation, "waived": condition.waived,
    }


def obligation_json(obligation: Obligation) -> dict[str, Any]:
    """``obligations[]`` of the JSON contract."""
    return {
        "id": obligation.id, "kind": obligation.kind, "text": obligation.text, "value": obligation.value,
        "license": obligation.license,
        "evidence": {"model": obligation.model, "file": obligation.evidence.file,
                     "start_line": obligation.evidence.start_line, "quote": obligation.evidence.quote},
        "models": list(obligation.models),
        "targets": [{"target": r.target, "paths": [list(p) for p in r.paths]} for r in obligation.reach],
        "severity": obligation.severity.value if obligation.severity else None, "rule": obligation.rule,
        "remediation": obligation.remediation,
    }
