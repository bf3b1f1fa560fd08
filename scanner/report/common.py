"""What every report says the same way: tool versions and the not-legal-advice notice."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from scanner import __version__
from scanner.models import AuditResult, Condition, Evidence, ModelReport
from scanner.text import redact_urls

TOOL_NAME = "modelclear"
NOT_LEGAL_ADVICE = (
    "This report is produced automatically from public metadata and license texts. It is not legal advice; "
    "have a qualified lawyer review the licenses and obligations before relying on it."
)


@dataclass(frozen=True)
class RunInfo:
    """Facts about the run that are not part of the audit itself (for provenance headers)."""

    source: str
    color: bool = False

    def __post_init__(self) -> None:
        # Every format echoes ``source`` (an endpoint, a folder): never with credentials in it.
        object.__setattr__(self, "source", redact_urls(self.source))


@lru_cache(maxsize=1)
def scancode_version() -> str | None:
    """The installed ScanCode toolkit version, read from package metadata (importing ScanCode costs seconds)."""
    try:
        return version("scancode-toolkit")
    except PackageNotFoundError:
        return None


def tool_info(result: AuditResult | None = None) -> dict[str, str | None]:
    """The tool and, for an audit, whether ScanCode's index was needed ("used") or every text was known
    from the fingerprint table or remembered detections ("not needed")."""
    info = {"name": TOOL_NAME, "version": __version__, "scancode_version": scancode_version()}
    if result is not None:
        info["scancode_index"] = index_use(result)
    return info


def index_use(result: AuditResult) -> str:
    return "used" if result.scancode_index_used else "not needed"


def provenance_lines(result: AuditResult, run: RunInfo) -> list[str]:
    """Who made this report, from what, when: the header every human-readable format carries."""
    tool = tool_info(result)
    revisions = ", ".join(f"{m.id}@{(m.revision or 'unknown')[:12]}" for m in result.models if m.role.value == "target")
    return [
        f"{tool['name']} {tool['version']}, ScanCode {tool['scancode_version'] or 'not installed'} "
        f"(its license index: {tool['scancode_index']})",
        f"policy {result.policy.name} (sha256 {result.policy.sha256[:12]}), fail on "
        f"{result.fail_on.value if result.fail_on else 'never'}",
        f"source {run.source}",
        f"generated {result.generated_at}",
        f"audited: {revisions}",
    ]


def evidence_location(model: ModelReport | None, file: str | None) -> tuple[str, bool]:
    """(file shown, is a real file of the repo). Evidence can cite a reference text (license:<key>) or the
    gated prompt (README.md#extra_gated_prompt): those point at the card."""
    if not file:
        return "README.md", False
    if file.startswith(("license:", "hub-api:")) or "#" in file:
        return "README.md", False
    return file, True


SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "info": "2.0"}


# -- the answer and the duties, as every human report words them (computed in scanner.obligations) ------
ANSWER_LABELS = {"allowed": "ALLOWED", "conditional": "ALLOWED WITH CONDITIONS", "not-allowed": "NOT ALLOWED",
                 "unknown": "UNKNOWN"}


def merged_findings(result: AuditResult) -> set[int]:
    """Indices of the per-path findings an obligation states once: human reports print the duty, not them."""
    return {index for obligation in result.obligations for index in obligation.findings}


def check_mark(condition: Condition, blocking: bool = False) -> str:
    """[!] blocks the answer, [x] is met (within the user's numbers, or waived), [ ] is to do."""
    if blocking:
        return "[!]"
    if condition.waived or (condition.check is not None and condition.check.outcome == "within"):
        return "[x]"
    return "[ ]"


def condition_text(condition: Condition) -> str:
    """One checklist line: the condition, the user's number against its threshold, where it comes from."""
    text = condition.text
    if condition.check is not None:
        text += f" ({condition.check.note})"
    if condition.waived and condition.waiver is not None:
        text += f" (waived: {condition.waiver.reason}, {condition.waiver.approver})"
    elif condition.waived:
        text += " (waived)"
    elif condition.waiver is not None:  # a waiver that no longer applies says why
        text += f" (waiver {condition.waiver.status}: expires {condition.waiver.expires})"
    origin = condition.license or condition.model
    if condition.obligation:
        origin += f"; {condition.obligation}"
    return f"{text} [{origin}]"


def path_text(path: tuple[str, ...]) -> str:
    return " -> ".join(path)


def evidence_text(evidence: Evidence) -> str:
    where = evidence.file or ""
    if where and evidence.start_line:
        where += f":{evidence.start_line}"
    return where
