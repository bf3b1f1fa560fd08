"""Orchestration: targets -> AuditResult. The only module that knows every stage (DESIGN section 1)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

from scanner.card import card_from_metadata, parse_card
from scanner.clauses import clauses_for_model, engine
from scanner.identify import Declaration, Detector, Identification, expression_keys, hub_license_map, identify
from scanner.lineage import declared_parents
from scanner.models import (
    AuditResult,
    CardInfo,
    Clause,
    DeclaredLicense,
    Evidence,
    FetchedRepo,
    Finding,
    ModelReport,
    RepoRef,
    Role,
    Severity,
    Status,
)
from scanner.policy import Policy
from scanner.sources import Source

log = logging.getLogger(__name__)
CARD_FILE = "README.md"


@dataclass(frozen=True)
class AuditOptions:
    policy: Policy
    fail_on: Severity | None = Severity.ERROR
    jobs: int = 4
    context: Mapping[str, str] = field(default_factory=dict)
    detector: Detector = field(default_factory=Detector)


def run_audit(refs: Sequence[RepoRef], source: Source, options: AuditOptions) -> AuditResult:
    """Fetch every target (concurrently, bounded by ``jobs``) and examine each; order follows ``refs``."""
    unique = list(dict.fromkeys(refs))
    with ThreadPoolExecutor(max_workers=max(1, min(options.jobs, len(unique) or 1))) as pool:
        fetched = list(pool.map(_fetch_logged(source), unique))
    models: list[ModelReport] = []
    findings: list[Finding] = []
    for repo in fetched:
        report, repo_findings = examine(repo, Role.TARGET, (repo.ref.id,), options.policy, options.detector)
        models.append(report)
        findings.extend(repo_findings)
    return AuditResult(
        models=tuple(models), findings=tuple(findings), policy=options.policy.ref, context=dict(options.context),
        fail_on=options.fail_on, generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def _fetch_logged(source: Source):  # type: ignore[no-untyped-def]
    def fetch(ref: RepoRef) -> FetchedRepo:
        log.info("fetching %s from %s", ref.id, source.describe())
        repo = source.fetch(ref)
        log.info("%s: %s", ref.id, repo.status.value)
        return repo
    return fetch


def card_of(repo: FetchedRepo) -> tuple[CardInfo, str]:
    """The card to trust and where it came from: README.md when readable, else the Hub's cardData."""
    readme = repo.file(CARD_FILE)
    if readme is not None and readme.text is not None:
        return parse_card(readme.text), CARD_FILE
    if repo.api_card_data:
        return card_from_metadata(repo.api_card_data), "hub-api:cardData"
    if readme is not None or repo.status is not Status.OK:
        return CardInfo(has_front_matter=False), CARD_FILE  # unreadable: reported as unverifiable
    return parse_card(None), CARD_FILE


def examine(repo: FetchedRepo, role: Role, path: tuple[str, ...], policy: Policy, detector: Detector
            ) -> tuple[ModelReport, list[Finding]]:
    """One repo -> its contract entry and the findings about it. Never raises on the repo's content."""
    model_id = repo.ref.id
    findings: list[Finding | None] = []
    for problem in repo.problems:
        if problem.status is Status.OK and problem.file == CARD_FILE:
            rule = "card-invalid"
        else:
            rule = "unverifiable"
        findings.append(policy.finding(rule, model_id, path, problem.message, Evidence(file=problem.file)))
    if repo.status is not Status.OK and not any(p.status is repo.status for p in repo.problems):
        findings.append(policy.finding("unverifiable", model_id, path, f"{model_id}: {repo.status.value}"))

    card, card_file = card_of(repo)
    for card_problem in card.problems:
        findings.append(policy.finding(
            "card-invalid", model_id, path, f"{card_file}: {card_problem.message}",
            Evidence(file=card_file if card_file == CARD_FILE else None, start_line=card_problem.line)))

    declared = DeclaredLicense(
        license=" AND ".join(card.licenses) or None, license_name=card.license_name, license_link=card.license_link)
    identification = identify(repo, card, card_file, detector)
    if repo.status is Status.OK or card.has_front_matter:
        findings.extend(_identity_findings(repo, card_file, identification, policy, path))
    clauses = clauses_for_model(repo, card, card_file, identification.licenses, detector.settings.is_terms_file)
    findings.extend(_clause_findings(model_id, clauses, policy, path))

    report = ModelReport(
        id=model_id, kind=repo.ref.kind, role=role, status=repo.status, source=repo.source,
        revision=repo.revision, declared=declared, licenses=identification.licenses, clauses=clauses,
        parents=declared_parents(card, repo), datasets=card.datasets,
        files=tuple(f.path for f in repo.files if f.text is not None),
        message="; ".join(p.message for p in repo.problems if p.status is repo.status) or None,
    )
    return report, [finding for finding in findings if finding is not None]


def _identity_findings(repo: FetchedRepo, card_file: str, found: Identification, policy: Policy,
                       path: tuple[str, ...]) -> list[Finding | None]:
    """license-unknown when nothing identifies a license or a terms file is unidentified; license-mismatch
    when the card declares a license that the license files contradict."""
    model_id = repo.ref.id
    findings: list[Finding | None] = []
    for file, partial in found.unidentified_files:
        hint = f"; closest known text: {partial}" if partial else ""
        findings.append(policy.finding(
            "license-unknown", model_id, path,
            f"{file} holds license terms that match no known license{hint}", Evidence(file=file, start_line=1,
                                                                                    quote=_first_line(repo, file))))
    if not found.licenses:
        findings.append(policy.finding(
            "license-unknown", model_id, path, f"{model_id}: {_why_unknown(found.declarations)}",
            Evidence(file=card_file if found.declarations else None)))
        return findings
    declared = [hit for hit in found.licenses if hit.source == "declared"]
    in_files = [hit for hit in found.licenses if hit.source == "file"]
    if declared and in_files:
        hub_map = hub_license_map()
        file_keys = {key for hit in in_files for key in expression_keys(hit.key)}
        for hit in declared:
            if not hub_map.accepted_keys(hit.key) & file_keys:
                shown = in_files[0]
                findings.append(policy.finding(
                    "license-mismatch", model_id, path,
                    f"the card declares {hit.key} ({card_file}:{hit.start_line or '?'}) but the license files say "
                    + ", ".join(f"{h.key} ({h.file}:{h.start_line}-{h.end_line})" for h in in_files),
                    Evidence(file=shown.file, start_line=shown.start_line,
                             quote=_first_line(repo, shown.file, shown.start_line))))
    return findings


def _clause_findings(model_id: str, clauses: tuple[Clause, ...], policy: Policy, path: tuple[str, ...]
                     ) -> list[Finding | None]:
    """One finding per restrictive clause kind and license, citing the first clause that says it."""
    kinds = engine().kinds
    findings: list[Finding | None] = []
    seen: set[tuple[str, str | None, str]] = set()
    for clause in clauses:
        info = kinds[clause.kind]
        if not info.finding:
            continue
        key = (clause.kind, clause.license, repr(sorted((clause.value or {}).items())))
        if key in seen:
            continue
        seen.add(key)
        where = clause.license or "unidentified terms"
        findings.append(policy.finding(
            info.finding, model_id, path, f"{where}: {info.describe(clause.value)}",
            Evidence(file=clause.file, start_line=clause.start_line, quote=clause.quote)))
    return findings


def _why_unknown(declarations: tuple[Declaration, ...]) -> str:
    if not declarations:
        return "declares no license and no license text was found in its files or card"
    reasons = {
        "family": "names a license family, not one license",
        "unknown": "declares no identifiable license",
        "unmapped": "declares a license id the Hub does not define",
        "no-text": "declares a license modelclear has no text for",
    }
    parts = []
    for d in declarations:
        label = d.declared + (f" ({d.name})" if d.name and d.name != d.declared else "")
        parts.append(f"license: {label} {reasons.get(d.via, d.via)}")
    return "; ".join(parts) + ", and no license text was identified in its files or card"


def _first_line(repo: FetchedRepo, file: str | None, line: int | None = None) -> str | None:
    """The text of a cited line (or the file's first non-blank line): an exact substring for the evidence."""
    repo_file = repo.file(file) if file else None
    if repo_file is None or repo_file.text is None:
        return None
    lines = repo_file.text.split("\n")
    start = (line or 1) - 1
    for text in lines[start:start + 20]:
        if text.strip():
            return text.strip()[:200]
    return None
