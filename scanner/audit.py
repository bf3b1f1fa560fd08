"""Orchestration: targets -> AuditResult. The only module that knows every stage (DESIGN section 1)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

from scanner.card import card_from_metadata, parse_card
from scanner.lineage import declared_parents
from scanner.models import (
    AuditResult,
    CardInfo,
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
# Hub license ids that name no license at all: they resolve through license_name/license_link or files.
NO_LICENSE_IDS = frozenset({"unknown", "other"})


@dataclass(frozen=True)
class AuditOptions:
    policy: Policy
    fail_on: Severity | None = Severity.ERROR
    jobs: int = 4
    context: Mapping[str, str] = field(default_factory=dict)


def run_audit(refs: Sequence[RepoRef], source: Source, options: AuditOptions) -> AuditResult:
    """Fetch every target (concurrently, bounded by ``jobs``) and examine each; order follows ``refs``."""
    unique = list(dict.fromkeys(refs))
    with ThreadPoolExecutor(max_workers=max(1, min(options.jobs, len(unique) or 1))) as pool:
        fetched = list(pool.map(_fetch_logged(source), unique))
    models: list[ModelReport] = []
    findings: list[Finding] = []
    for repo in fetched:
        report, repo_findings = examine(repo, Role.TARGET, (repo.ref.id,), options.policy)
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


def examine(repo: FetchedRepo, role: Role, path: tuple[str, ...], policy: Policy
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
    if (repo.status is Status.OK or card.has_front_matter) and not _names_a_license(card):
        line = card.field_lines.get("license")
        quote = f"license: {declared.license}" if declared.license else None
        findings.append(policy.finding(
            "license-unknown", model_id, path,
            f"{model_id} declares no identifiable license"
            + (f" (license: {declared.license}, with no license_name or license_link)" if declared.license else ""),
            Evidence(file=card_file if line else None, start_line=line, quote=quote)))

    report = ModelReport(
        id=model_id, kind=repo.ref.kind, role=role, status=repo.status, source=repo.source,
        revision=repo.revision, declared=declared, parents=declared_parents(card, repo), datasets=card.datasets,
        files=tuple(f.path for f in repo.files if f.text is not None),
        message="; ".join(p.message for p in repo.problems if p.status is repo.status) or None,
    )
    return report, [finding for finding in findings if finding is not None]


def _names_a_license(card: CardInfo) -> bool:
    """True when the card names some license: a real Hub id, or `other` with a license_name/link."""
    if any(lic not in NO_LICENSE_IDS for lic in card.licenses):
        return True
    return "other" in card.licenses and bool(card.license_name or card.license_link)
