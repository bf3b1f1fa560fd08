"""Orchestration: targets -> AuditResult. The only module that knows every stage (DESIGN section 1)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone

import networkx as nx

from scanner.card import card_from_metadata, parse_card
from scanner.clauses import ClauseMemo, attach_license, clause_identity, clauses_for_model, kind_infos, terms_texts
from scanner.discover import Discovery
from scanner.identify import (
    Declaration,
    Detector,
    Identification,
    expression_keys,
    hub_license_map,
    identify,
    license_sections,
)
from scanner.lineage import (
    adapter_base_text,
    build_graph,
    declared_parents,
    find_conflicts,
    inherited_licenses,
    lineage_order,
    node_key,
    path_between,
    report_of,
)
from scanner.models import (
    CARD_FILE,
    AuditResult,
    CardInfo,
    Clause,
    DeclaredLicense,
    Edge,
    Evidence,
    FetchedRepo,
    Finding,
    LicenseHit,
    ModelReport,
    RepoKind,
    RepoRef,
    Role,
    Severity,
    Status,
    TextDigest,
)
from scanner.obligations import clear
from scanner.policy import Policy
from scanner.scancode_index import license_facts
from scanner.sources import Source
from scanner.waivers import Waiver, apply_waivers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditOptions:
    policy: Policy
    fail_on: Severity | None = Severity.ERROR
    jobs: int = 4
    detector: Detector = field(default_factory=Detector)
    clause_memo: ClauseMemo = field(default_factory=ClauseMemo)
    depth: int = 10
    max_nodes: int = 200
    waivers: tuple[Waiver, ...] = ()
    progress: Callable[[int, int], None] | None = None  # (repos examined, repos known so far)
    today: date = field(default_factory=lambda: datetime.now(timezone.utc).date())
    # node key (lineage.node_key) -> revision: ancestors and datasets fetched at these revisions instead of
    # their heads (``audit --locked`` audits exactly what a lock pinned).
    pins: Mapping[str, str] = field(default_factory=dict)


def run_audit(refs: Sequence[RepoRef], source: Source, options: AuditOptions,
              discovery: Discovery | None = None) -> AuditResult:
    """Fetch the targets and, breadth-first, everything they derive from and were trained on; examine each
    repo once; then read inheritance and conflicts off the lineage graph.

    Each level is fetched concurrently (at most ``jobs`` requests in flight). A repo is fetched once per
    audit however many paths reach it, so cycles terminate; ``depth`` and ``max_nodes`` bound the walk, and
    whatever they cut off is reported, never dropped silently. With a ``discovery``, its references
    locate the findings in the code, and each file it could not read or parse is an ``unverifiable`` finding.
    """
    targets = list(dict.fromkeys(refs))
    scancode_before = options.detector.scancode_runs_here()
    examined: dict[str, tuple[ModelReport, list[Finding]]] = {}
    frontier = targets
    cut_off: list[tuple[str, str]] = []  # (node whose lineage was not fully followed, why)
    wanted_by: dict[str, str] = {}  # lineage repo -> the repo that named it first
    level = 0
    # One job: no pool at all (an inventory runs many one-job audits side by side, and a pool's threads per
    # audit cost more than the audit's own work).
    with ThreadPoolExecutor(max_workers=options.jobs) if options.jobs > 1 else nullcontext() as pool:
        fetch_all = pool.map if pool is not None else map
        while frontier:
            fresh = [ref for ref in dict.fromkeys(frontier) if node_key(ref.kind, ref.id) not in examined]
            if level:  # targets are always audited; the budget bounds the lineage walk
                room = max(options.max_nodes - len(examined), 0)
                for ref in fresh[room:]:
                    cut_off.append((wanted_by[node_key(ref.kind, ref.id)],
                                    f"the audit's budget of {options.max_nodes} repos was reached "
                                    f"({ref.id} was not fetched)"))
                fresh = fresh[:room]
            for position, (ref, repo) in enumerate(zip(fresh, fetch_all(_fetch_logged(source), fresh), strict=True)):
                role = (Role.TARGET if level == 0 else
                        Role.DATASET if ref.kind is RepoKind.DATASET else Role.ANCESTOR)
                key = node_key(ref.kind, ref.id)
                examined[key] = examine(repo, role, (ref.id,), options.policy, options.detector,
                                        options.clause_memo)
                if options.progress is not None:
                    options.progress(len(examined), len(examined) + len(fresh) - position - 1)
            next_refs: list[RepoRef] = []
            for ref in fresh:
                report, _ = examined[node_key(ref.kind, ref.id)]
                wanted = _lineage_refs(report, options.pins)
                if wanted and level >= options.depth:
                    cut_off.append((node_key(ref.kind, ref.id), f"the depth limit of {options.depth} was reached"))
                    continue
                for wanted_ref in wanted:
                    wanted_by.setdefault(node_key(wanted_ref.kind, wanted_ref.id), node_key(ref.kind, ref.id))
                next_refs.extend(wanted)
            frontier = next_refs
            level += 1
    graph = build_graph(report for report, _ in examined.values())
    inherited = inherited_licenses(graph)
    for node in graph:
        graph.nodes[node]["report"] = _with_inherited(graph, inherited, node)
    reports = [report_of(graph, node) for node in examined]
    findings = _lineage_findings(graph, examined, targets, cut_off, options.policy)
    if discovery is not None:
        findings += _discovery_findings(discovery, options.policy)
    revisions = {report.id: report.revision for report in reports}
    findings, waiver_records = apply_waivers(findings, revisions, options.waivers, options.today)
    return clear(AuditResult(
        models=tuple(reports), findings=tuple(findings), policy=options.policy.ref,
        context=dict(options.policy.context),
        fail_on=options.fail_on, generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        edges=tuple(Edge(report_of(graph, a).id, report_of(graph, b).id, data["relation"])
                    for a, b, data in graph.edges(data=True)),
        waivers=tuple(waiver_records),
        references=discovery.references if discovery is not None else (),
        scancode_index_used=options.detector.scancode_runs_here() > scancode_before,
    ), options.policy)


def _discovery_findings(discovery: Discovery, policy: Policy) -> list[Finding]:
    """A file of the code repository that discovery could not read or parse may load models nobody audits:
    each is an ``unverifiable`` finding about that file, at the severity the policy gives the rule."""
    findings = []
    for problem in discovery.problems:
        finding = policy.finding(
            "unverifiable", problem.file, (problem.file,),
            f"{problem.file}: {problem.reason}; the Hub models and datasets it may reference were not "
            "discovered, so they are not audited", Evidence(file=problem.file))
        if finding is not None:
            findings.append(finding)
    return findings


def _fetch_logged(source: Source) -> Callable[[RepoRef], FetchedRepo]:
    def fetch(ref: RepoRef) -> FetchedRepo:
        if log.isEnabledFor(logging.INFO):  # describe() redacts a URL: not worth it for an unseen line
            log.info("fetching %s from %s", ref.id, source.describe())
        repo = source.fetch(ref)
        log.info("%s: %s", ref.id, repo.status.value)
        return repo
    return fetch


def _with_inherited(graph: nx.DiGraph, inherited: Mapping[str, Mapping[str, tuple[LicenseHit, str]]], node: str
                    ) -> ModelReport:
    """The report with its ancestors' licenses added as ``inherited`` entries, one per license key (``via``
    names an ancestor that carries it): bounded by the number of distinct licenses, not of ancestors."""
    report = report_of(graph, node)
    extra = tuple(replace(hit, source="inherited", via=ancestor) for hit, ancestor in inherited[node].values())
    return replace(report, licenses=report.licenses + extra) if extra else report


def _lineage_refs(report: ModelReport, pins: Mapping[str, str]) -> list[RepoRef]:
    if report.kind is RepoKind.DATASET:
        return []
    refs = [RepoRef(parent.id, revision=pins.get(node_key(RepoKind.MODEL, parent.id)))
            for parent in report.parents if parent.id != report.id]
    refs += [RepoRef(dataset, kind=RepoKind.DATASET, revision=pins.get(node_key(RepoKind.DATASET, dataset)))
             for dataset in report.datasets]
    return refs


def _lineage_findings(graph: nx.DiGraph, examined: Mapping[str, tuple[ModelReport, list[Finding]]],
                      targets: Sequence[RepoRef], cut_off: Sequence[tuple[str, str]], policy: Policy
                      ) -> list[Finding]:
    """Every finding as seen from each target: a repo's own findings re-pathed from the target, unresolved
    ancestors, license laundering and training-data terms. A repo reached from two targets is reported for
    both, each with its own path."""
    restrictive = {kind for kind, info in kind_infos().items() if info.restrictive}
    conflicts = find_conflicts(graph, restrictive, hub_license_map().accepted_keys)
    cut: dict[str, list[str]] = {}
    for node, why in cut_off:
        cut.setdefault(node, []).append(why)
    findings: list[Finding] = []
    emitted: set[tuple[str, str, str, tuple[str, ...]]] = set()

    def emit(finding: Finding | None) -> None:
        if finding is None:
            return
        key = (finding.rule, finding.model, finding.message, finding.path)
        if key not in emitted:
            emitted.add(key)
            findings.append(finding)

    for target_ref in dict.fromkeys(targets):
        target = node_key(target_ref.kind, target_ref.id)
        if target not in graph:
            continue
        reachable = lineage_order(graph, target)
        for node in reachable:
            report, own = examined[node]
            path = path_between(graph, target, node)
            for finding in own:
                emit(_as_seen_from(finding, report, node == target, path, policy))
            for why in cut.get(node, []):
                emit(policy.finding("lineage-unresolved", report.id, path,
                                    f"{report.id}: its lineage was not followed further: {why}"))
            if report.kind is RepoKind.DATASET:
                emit(_dataset_finding(report, path, policy))
        for conflict in conflicts:
            if conflict.child in reachable:
                child = report_of(graph, conflict.child)
                chain = path_between(graph, conflict.child, conflict.ancestor)
                declared_at = next((h for h in child.licenses if h.source == "declared"), None)
                emit(policy.finding(
                    "lineage-conflict", child.id, path_between(graph, target, conflict.child),
                    f"{child.id} is under {', '.join(conflict.child_licenses)} but derives from "
                    f"{report_of(graph, conflict.ancestor).id} under {', '.join(conflict.ancestor_licenses)} "
                    f"({' -> '.join(chain)}), whose terms still bind it: {', '.join(conflict.dropped)}",
                    Evidence(file=declared_at.file if declared_at else None,
                             start_line=declared_at.start_line if declared_at else None)))
    return findings


def _as_seen_from(finding: Finding, report: ModelReport, is_target: bool, path: tuple[str, ...],
                  policy: Policy) -> Finding | None:
    """A repo's own finding as its target sees it. An ancestor or dataset that could not be fetched is an
    unresolved part of the lineage; a dataset's own license findings become one dataset-license finding."""
    if is_target:
        return replace(finding, path=path)
    if finding.rule == "unverifiable" and report.status in (Status.NOT_FOUND, Status.ERROR):
        return policy.finding("lineage-unresolved", report.id, path, finding.message, finding.evidence)
    if report.kind is RepoKind.DATASET and finding.rule not in ("unverifiable", "card-invalid"):
        return None  # a dataset's terms do not bind the model's use directly: see _dataset_finding
    return replace(finding, path=path)


def _dataset_finding(report: ModelReport, path: tuple[str, ...], policy: Policy) -> Finding | None:
    if report.status is not Status.OK and not report.licenses:
        return None  # unresolved: already a lineage-unresolved finding
    nc = next((c for c in report.clauses if c.kind == "non-commercial"), None)
    if nc is not None:
        terms = nc.license or "unidentified terms"
        return policy.finding("dataset-license", report.id, path,
                              f"training data {report.id} is under non-commercial terms ({terms})",
                              Evidence(file=nc.file, start_line=nc.start_line, quote=nc.quote))
    if not report.licenses:
        return policy.finding("dataset-license", report.id, path,
                              f"training data {report.id} has no identifiable license")
    return None


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


def examine(repo: FetchedRepo, role: Role, path: tuple[str, ...], policy: Policy, detector: Detector,
            memo: ClauseMemo | None = None) -> tuple[ModelReport, list[Finding]]:
    """One repo -> its contract entry and the findings about it. Never raises on the repo's content."""
    model_id = repo.ref.id
    findings: list[Finding | None] = []
    readme = repo.file(CARD_FILE)
    metadata_known = bool(readme is not None and readme.text) or bool(repo.api_card_data)
    for problem in repo.problems:
        # A card read in part, or replaced by the API's cardData, is a card problem; a card not read at all
        # hides its metadata (license, base_model): unverifiable.
        if problem.status is Status.OK and problem.file == CARD_FILE and metadata_known:
            rule = "card-invalid"
        else:
            rule = "unverifiable"
        findings.append(policy.finding(rule, model_id, path, problem.message, Evidence(file=problem.file)))
    if repo.status is not Status.OK and not any(p.status is repo.status for p in repo.problems):
        findings.append(policy.finding("unverifiable", model_id, path, f"{model_id}: {repo.status.value}"))

    card, card_file = card_of(repo)
    for card_problem in card.problems:
        findings.append(policy.finding(
            card_problem.rule, model_id, path, f"{card_file}: {card_problem.message}",
            Evidence(file=card_file if card_file == CARD_FILE else None, start_line=card_problem.line)))

    declared = DeclaredLicense(
        license=" AND ".join(card.licenses) or None, license_name=card.license_name, license_link=card.license_link)
    identification = identify(repo, card, card_file, detector)
    if repo.status is Status.OK or card.has_front_matter:
        findings.extend(_identity_findings(repo, card_file, identification, policy, path))
    findings.extend(_classification_findings(model_id, identification.licenses, policy, path))
    clauses = clauses_for_model(repo, card, card_file, identification.licenses, detector.settings.is_terms_file,
                                memo)
    findings.extend(_clause_findings(model_id, clauses, policy, path))

    parents = declared_parents(card, repo) if repo.ref.kind is RepoKind.MODEL else ()
    if any(parent.id == model_id for parent in parents):
        findings.append(policy.finding("card-invalid", model_id, path,
                                       f"{model_id} names itself as its own base model; ignored",
                                       Evidence(file=card_file, start_line=card.field_lines.get("base_model"))))
        parents = tuple(parent for parent in parents if parent.id != model_id)
    adapter_base = adapter_base_text(repo) if repo.ref.kind is RepoKind.MODEL else None
    if adapter_base is not None and not parents:
        named = f"names {adapter_base[:120]!r}, which is not a Hub repo" if adapter_base else "cannot be read"
        findings.append(policy.finding(
            "lineage-unresolved", model_id, path, f"{model_id} is an adapter whose adapter_config.json base "
            f"model {named}; an adapter is unusable without its base weights, whose terms are unknown",
            Evidence(file="adapter_config.json")))
    report = ModelReport(
        id=model_id, kind=repo.ref.kind, role=role, status=repo.status, source=repo.source,
        revision=repo.revision, declared=declared, licenses=identification.licenses, clauses=clauses,
        parents=parents, datasets=card.datasets if repo.ref.kind is RepoKind.MODEL else (),
        files=tuple(f.path for f in repo.files if f.text is not None),
        message="; ".join(p.message for p in repo.problems if p.status is repo.status) or None,
        texts=license_texts(repo, card, identification.licenses, detector.settings.is_terms_file),
    )
    return report, [finding for finding in findings if finding is not None]


def license_texts(repo: FetchedRepo, card: CardInfo, licenses: tuple[LicenseHit, ...],
                  is_terms_file: Callable[[str], bool]) -> tuple[TextDigest, ...]:
    """The sha256 of every text read for terms: files with an identified license and terms files (the texts
    clauses are read from), the card's license sections and its gated prompt. The rest of the card is not a
    license text: a new benchmark table is not a change of terms (its license metadata is compared as such)."""
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    texts = [TextDigest(repo_file.path, digest(text))
             for repo_file, text, _ in terms_texts(repo, licenses, is_terms_file)]
    sections = license_sections(card.body) if card.body else []
    if sections:
        texts.append(TextDigest(f"{CARD_FILE}#license-sections",
                                digest("\n".join(section.strip() for _, section in sections))))
    if card.extra_gated_prompt:
        texts.append(TextDigest(f"{CARD_FILE}#extra_gated_prompt", digest(card.extra_gated_prompt)))
    return tuple(sorted(texts, key=lambda t: t.file))


def _identity_findings(repo: FetchedRepo, card_file: str, found: Identification, policy: Policy,
                       path: tuple[str, ...]) -> list[Finding | None]:
    """license-unknown when nothing identifies a license or a terms file is unidentified; license-mismatch
    when the card declares a license that the license files contradict."""
    model_id = repo.ref.id
    findings: list[Finding | None] = []
    for file, partial in found.unidentified_files:
        hint = f"; {partial}" if partial else ""
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
    kinds = kind_infos()
    findings: list[Finding | None] = []
    seen: set[tuple[str | None, str, str]] = set()
    for clause in clauses:
        info = kinds[clause.kind]
        if not info.finding:
            continue
        key = (clause.license, *clause_identity(clause.kind, clause.value))
        if key in seen:
            continue
        seen.add(key)
        where = clause.license or "unidentified terms"
        findings.append(policy.finding(
            info.finding, model_id, path, f"{where}: {info.describe(clause.value)}",
            Evidence(file=clause.file, start_line=clause.start_line, quote=clause.quote), value=clause.value))
    return findings


def _classification_findings(model_id: str, licenses: tuple[LicenseHit, ...], policy: Policy,
                             path: tuple[str, ...]) -> list[Finding | None]:
    """license-denied / license-review for each license the repo itself carries, as the policy classes it."""
    findings: list[Finding | None] = []
    for key in dict.fromkeys(hit.key for hit in licenses if hit.source != "inherited"):
        hit = next(h for h in licenses if h.key == key)
        verdict = policy.classify(key, hit.spdx, hit.category or license_facts(key).get("category"))
        if verdict.verdict == "allowed":
            continue
        rule = "license-denied" if verdict.verdict == "denied" else "license-review"
        findings.append(policy.finding(rule, model_id, path, f"{key}: {verdict.reason}",
                                       Evidence(file=hit.file, start_line=hit.start_line)))
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


# -- one license text on disk (``modelclear clauses``) ---------------------------------------------------
@dataclass(frozen=True)
class TextAudit:
    """A license text read from disk: what it is and what it demands, as the audit would report them."""

    file: str
    licenses: tuple[LicenseHit, ...]
    clauses: tuple[Clause, ...]
    problem: str | None = None  # why the text was not read (not a file, too large, not text)
    unidentified: str | None = None  # why no license was identified (a closest known text, a deadline)


def audit_text(file: str, text: str, detector: Detector, memo: ClauseMemo | None = None) -> TextAudit:
    """Identify a license text and extract its clauses with the same engine and objects as the audit, each
    clause tied to the identified license whose lines hold it (or to none for an unseen license)."""
    detection = detector.detect(text)
    hits = tuple(LicenseHit(m.key, m.spdx, "file", file, m.start_line, m.end_line, m.score, name=m.name,
                            category=m.category) for m in detection.matches)
    why = detection.note or (f"closest known: {detection.best_partial}" if detection.best_partial else None)
    clauses = tuple(attach_license(c, list(hits)) for c in (memo or ClauseMemo()).extract(text, file))
    return TextAudit(file, hits, clauses, unidentified=None if hits else why or "matches no known license")
