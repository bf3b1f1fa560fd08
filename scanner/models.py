"""Frozen value types passed between the pipeline stages (DESIGN section 1).

Every stage takes and returns these; none of them does I/O. Enum values are the exact strings of the
JSON contract (DESIGN section 4), so reports serialise them without translation tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

CARD_FILE = "README.md"  # the model card: its front matter is the repo's metadata


class Status(str, Enum):
    """What happened when a repo was fetched."""

    OK = "ok"
    GATED = "gated"
    NOT_FOUND = "not_found"
    ERROR = "error"


class RepoKind(str, Enum):
    MODEL = "model"
    DATASET = "dataset"


class Role(str, Enum):
    TARGET = "target"
    ANCESTOR = "ancestor"
    DATASET = "dataset"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for --fail-on comparisons and sorting."""
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Relation(str, Enum):
    FINETUNE = "finetune"
    ADAPTER = "adapter"
    MERGE = "merge"
    QUANTIZED = "quantized"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RepoRef:
    """A repo to audit: a Hub id (with optional revision) or a local directory."""

    id: str
    kind: RepoKind = RepoKind.MODEL
    revision: str | None = None
    local_path: str | None = None


@dataclass(frozen=True)
class RepoFile:
    """One license-bearing text file of a repo; ``text`` is None when it could not be read (see ``note``)."""

    path: str
    text: str | None
    size: int | None = None
    blob_id: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SourceProblem:
    """Something a source could not do for one repo: kept as data so it becomes a finding."""

    message: str
    file: str | None = None
    status: Status = Status.ERROR


@dataclass(frozen=True)
class Parent:
    id: str
    relation: Relation = Relation.UNKNOWN


@dataclass(frozen=True)
class FetchedRepo:
    """What a source knows about one repo: its metadata, its license-bearing files, and what failed."""

    ref: RepoRef
    status: Status
    source: str
    revision: str | None = None
    files: tuple[RepoFile, ...] = ()
    api_card_data: Mapping[str, Any] | None = None
    api_parents: tuple[Parent, ...] = ()
    gated: str | None = None
    listed_files: tuple[str, ...] = ()
    problems: tuple[SourceProblem, ...] = ()

    def file(self, path: str) -> RepoFile | None:
        for repo_file in self.files:
            if repo_file.path == path:
                return repo_file
        return None


@dataclass(frozen=True)
class CardProblem:
    """A defect of the card's front matter; ``line`` is 1-based in README.md when known."""

    message: str
    field: str | None = None
    line: int | None = None
    # The finding it becomes: a defect that hides a parent (or the whole metadata) must not pass as a mere
    # card problem, or a laundered fine-tune is cleared for want of its base.
    rule: str = "card-invalid"


@dataclass(frozen=True)
class CardInfo:
    """The model card front matter, typed and tolerant: bad fields are dropped and reported in ``problems``."""

    has_front_matter: bool
    licenses: tuple[str, ...] = ()
    license_name: str | None = None
    license_link: str | None = None
    base_models: tuple[str, ...] = ()
    base_model_relation: str | None = None
    datasets: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    quantized_by: str | None = None
    extra_gated_prompt: str | None = None
    body: str = ""
    body_start_line: int = 1
    field_lines: Mapping[str, int] = field(default_factory=dict)
    problems: tuple[CardProblem, ...] = ()


@dataclass(frozen=True)
class DeclaredLicense:
    license: str | None = None
    license_name: str | None = None
    license_link: str | None = None


@dataclass(frozen=True)
class LicenseHit:
    """One license found for a model: declared in metadata, detected in a file or the card, or inherited."""

    key: str
    spdx: str | None
    source: str  # declared | file | card | inherited
    file: str | None
    start_line: int | None
    end_line: int | None
    score: float | None
    name: str | None = None
    category: str | None = None
    via: str | None = None


@dataclass(frozen=True)
class Clause:
    """One obligation or restriction read from a license text, with the exact quote that says it."""

    kind: str
    value: Mapping[str, Any] | None
    license: str | None
    file: str
    start_line: int
    end_line: int
    quote: str
    rule: str = ""


@dataclass(frozen=True)
class Evidence:
    file: str | None = None
    start_line: int | None = None
    quote: str | None = None


@dataclass(frozen=True)
class WaiverNote:
    """What a waiver did to a finding: applied, or why not (expired, revision-mismatch)."""

    status: str
    reason: str
    approver: str
    expires: str
    revision: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    model: str
    path: tuple[str, ...]
    message: str
    evidence: Evidence = Evidence()
    remediation: str = ""
    waived: bool = False
    waiver: WaiverNote | None = None


@dataclass(frozen=True)
class TextDigest:
    """A license-bearing text the audit read, by its sha256 (of the UTF-8 text): what a lock pins, so a
    changed license file is seen even when the license key and the clauses read from it stay the same.
    ``file`` is a repo path, or ``README.md#license-sections`` / ``README.md#extra_gated_prompt`` for the
    parts of the card that carry terms."""

    file: str
    sha256: str


@dataclass(frozen=True)
class ModelReport:
    """One node of the audit as the contract's ``models[]`` entry describes it."""

    id: str
    kind: RepoKind
    role: Role
    status: Status
    source: str
    revision: str | None = None
    declared: DeclaredLicense = DeclaredLicense()
    licenses: tuple[LicenseHit, ...] = ()
    clauses: tuple[Clause, ...] = ()
    parents: tuple[Parent, ...] = ()
    datasets: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    message: str | None = None
    texts: tuple[TextDigest, ...] = ()


@dataclass(frozen=True)
class Edge:
    """A lineage edge between repo ids: child -> parent (relation) or model -> dataset (trained_on)."""

    child: str
    parent: str
    relation: str


@dataclass(frozen=True)
class WaiverRecord:
    """One waiver of the --waivers file and what it did in this audit."""

    model: str
    rule: str
    reason: str
    approver: str
    expires: str
    revision: str | None
    status: str  # applied | expired | revision-mismatch | unused
    findings: int
    line: int | None = None


@dataclass(frozen=True)
class CodeReference:
    """A place in the user's code repository that names a Hub repo (from `modelclear discover`)."""

    id: str
    kind: RepoKind
    file: str
    line: int
    how: str
    revision: str | None = None


@dataclass(frozen=True)
class PolicyRef:
    name: str
    sha256: str


@dataclass(frozen=True)
class ThresholdCheck:
    """The user's number (``--context``) against a threshold clause's limit."""

    key: str | None  # the context key compared (mau, dau, revenue); None when none compares
    given: float | None  # the user's number; None when --context did not give it
    limit: float | None
    outcome: str  # crossed | within | missing
    note: str  # "your mau 800,000,000 crosses the limit of 700,000,000", "give --context mau=N to check it"


class Answer(str, Enum):
    """May the target be used commercially? (``models[].commercial_use.answer``)"""

    ALLOWED = "allowed"
    CONDITIONAL = "conditional"
    NOT_ALLOWED = "not-allowed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Condition:
    """One item of a target's answer: a condition to meet, or a reason it is not allowed or unknown.

    ``kind`` is a clause kind (attribution, user-threshold, ...) or a policy or lineage reason
    (license-review, license-denied, license-unknown, unverifiable, lineage-unresolved, dataset-license).
    ``obligation`` is the id of the merged duty in ``AuditResult.obligations`` when it is a clause."""

    kind: str
    text: str
    model: str
    path: tuple[str, ...]
    value: Mapping[str, Any] | None = None
    license: str | None = None
    evidence: Evidence = Evidence()
    check: ThresholdCheck | None = None
    obligation: str | None = None
    waived: bool = False
    waiver: WaiverNote | None = None


@dataclass(frozen=True)
class CommercialUse:
    """The answer for one target, with the conditions as a checklist and what decided a harder answer."""

    model: str
    answer: Answer
    summary: str
    conditions: tuple[Condition, ...] = ()
    blockers: tuple[Condition, ...] = ()  # why not-allowed or unknown (empty otherwise)


@dataclass(frozen=True)
class Reach:
    """How a duty reaches one target: every model carrying it, each by the chain of parents from the target."""

    target: str
    paths: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Obligation:
    """One distinct duty (clause kind, value, license) across every audited lineage, stated once."""

    id: str
    kind: str
    text: str
    value: Mapping[str, Any] | None
    license: str | None
    model: str  # the repo whose text is quoted as evidence
    evidence: Evidence
    models: tuple[str, ...]  # every repo whose terms carry it
    reach: tuple[Reach, ...]
    severity: Severity | None = None  # the worst unwaived finding it merges; None when none is raised
    rule: str | None = None  # the finding rule of its kind
    remediation: str = ""
    findings: tuple[int, ...] = ()  # indices into AuditResult.findings of the per-path findings it merges


@dataclass(frozen=True)
class AuditResult:
    models: tuple[ModelReport, ...]
    findings: tuple[Finding, ...]
    policy: PolicyRef
    context: Mapping[str, str]
    fail_on: Severity | None = Severity.ERROR
    generated_at: str = ""
    edges: tuple[Edge, ...] = ()
    waivers: tuple[WaiverRecord, ...] = ()
    references: tuple[CodeReference, ...] = ()
    commercial_use: tuple[CommercialUse, ...] = ()  # one per target (scanner.obligations)
    obligations: tuple[Obligation, ...] = ()
    # Whether ScanCode's index had to match a text (a text neither in the fingerprint table nor remembered):
    # the index costs ~1.4 GiB and seconds to load, so reports say when it was needed.
    scancode_index_used: bool = False

    def answer_for(self, model_id: str) -> CommercialUse | None:
        return next((answer for answer in self.commercial_use if answer.model == model_id), None)

    @property
    def verdict(self) -> str:
        """'fail' when an unwaived finding reaches the --fail-on severity; never-fail policies always pass."""
        if self.fail_on is None:
            return "pass"
        threshold = self.fail_on.rank
        for finding in self.findings:
            if not finding.waived and finding.severity.rank >= threshold:
                return "fail"
        return "pass"
