"""Reports: one module per output format, all rendering the same AuditResult (DESIGN section 1)."""

from __future__ import annotations

from collections.abc import Callable

from scanner.models import AuditResult
from scanner.report import json_report, text_report
from scanner.report.common import RunInfo

__all__ = ["FORMATS", "Renderer", "RunInfo"]

Renderer = Callable[[AuditResult, RunInfo], str]

FORMATS: dict[str, Renderer] = {
    "json": json_report.render,
    "text": text_report.render,
}
