"""Reports: one module per output format, all rendering the same AuditResult (DESIGN section 1)."""

from __future__ import annotations

from collections.abc import Callable

from scanner.models import AuditResult
from scanner.report import (
    cyclonedx_report,
    html_report,
    json_report,
    markdown_report,
    notice_report,
    sarif_report,
    spdx3_report,
    text_report,
)
from scanner.report.common import RunInfo

__all__ = ["EXTENSIONS", "FORMATS", "Renderer", "RunInfo"]

Renderer = Callable[[AuditResult, RunInfo], str]

FORMATS: dict[str, Renderer] = {
    "text": text_report.render,
    "json": json_report.render,
    "markdown": markdown_report.render,
    "html": html_report.render,
    "sarif": sarif_report.render,
    "cyclonedx": cyclonedx_report.render,
    "notice": notice_report.render,
    "spdx3": spdx3_report.render,
}
# File name endings when several formats are written in one run (-o BASE -> BASE.<ending>).
EXTENSIONS = {"text": "txt", "json": "json", "markdown": "md", "html": "html", "sarif": "sarif",
              "cyclonedx": "cdx.json", "notice": "notice.txt", "spdx3": "spdx3.json"}
