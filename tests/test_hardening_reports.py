"""Hostile text from a repo stays inert in every human-readable report: no terminal escape reaches a file or
a terminal, no card field forges a line (or a GitHub workflow command), and no Markdown image, link, HTML or
autolink renders in a step summary. The card goes through the real CLI as a local model directory."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.report.markdown_report import cell, literal
from scanner.text import inert, inert_lines

# Every byte or character that must never be emitted from repo text.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MARKDOWN_PAYLOAD = ("![x](https://tracker.example/p.png) [Approved by Legal](https://evil.example/ok) "
                    "<img src=x onerror=alert(1)> https://evil.example/bare www.evil.example a@evil.example "
                    "**bold** `code` <https://evil.example/angle>")
TERMINAL_PAYLOAD = ("\\e[2J\\e[H\\e[1;32mVerdict: PASS\\e[0m\\e]0;owned\\a\\e]52;c;ZXZpbA==\\a\\x9b2J\\x9d0;t\\a"
                    "\\n::error title=forged::forged\\r::warning::cr\\u202eoverride\\u2066iso\\u2028sep\\x7f")


def hostile_repo(root: Path) -> Path:
    """A local model directory whose card and license text carry terminal, workflow and Markdown payloads."""
    root.mkdir()
    lines = [
        "---",
        "license: other",
        f'license_name: "{TERMINAL_PAYLOAD} {MARKDOWN_PAYLOAD}"',
        f'license_link: "https://evil.example/l\\n::warning::link {MARKDOWN_PAYLOAD}"',
        f'base_model: ["\\e[2Jorg/base\\n::error::base", "[Approved](https://evil.example)", "{TERMINAL_PAYLOAD}"]',
        "datasets: ['![d](https://evil.example/d.png)']",
        "model-index:",
        '  - name: "\\e]0;title\\a ![m](https://evil.example/m.png)"',
        "---",
        "# card",
    ]
    (root / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "LICENSE").write_text(
        "Licensed for non-commercial use only. \x1b]0;t\x07 \x1b[2J ![i](https://t.example/x.png) "
        "[ok](https://evil.example)\n::error::lic\n"
        'You must prominently display "Built with \x1b[2JEvil\x1b]0;x\x07 ::error::x" on a related website.\n'
        "You agree not to use the Model in violation of any applicable law \x1b[2J ::error::use.\n"
        "You must include a copy of this NOTICE file \x1b]0;n\x07 with every copy.\n", encoding="utf-8")
    return root


def assert_terminal_safe(text: str) -> None:
    assert not FORBIDDEN.search(text), repr(FORBIDDEN.search(text))
    for line in text.split("\n"):
        assert not line.lstrip().startswith(("::", "##[")), line


LINK = re.compile(r"(?<!\\)\[[^\]\n]*(?<!\\)\]\(")
BARE_URL = re.compile(r"(?i)\b(?:https?|ftp)://|\bwww\.(?=\w)|\bmailto:")


def outside_code(markdown: str) -> str:
    """The Markdown with fenced blocks and code spans removed: what GitHub renders as Markdown."""
    markdown = re.sub(r"(?ms)^```.*?^```", "", markdown)
    return re.sub(r"(`+) .*? \1", "", markdown)


def assert_markdown_inert(markdown: str) -> None:
    assert not FORBIDDEN.search(markdown)
    rendered = outside_code(markdown)
    assert "![" not in rendered
    assert not LINK.search(rendered), LINK.search(rendered)
    assert "<" not in rendered  # no raw HTML: every < from a repo is &lt;
    assert not BARE_URL.search(rendered), BARE_URL.search(rendered)
    assert not re.search(r"(?<![\\&#\w])@\w", rendered)  # no @mention or e-mail autolink
    assert "**bold**" not in rendered and "`code`" not in markdown


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return hostile_repo(tmp_path / "hostile-model")


def test_text_report_file_and_stdout_hold_no_escape_sequences(run_cli, hostile: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "report.txt"
    result = run_cli("audit", str(hostile), "-o", str(out))
    assert result.exit_code == 3, result.stderr
    written = out.read_text(encoding="utf-8")
    assert_terminal_safe(written)
    assert "\\x1b[2J" in written and "\\x1b]0;owned\\x07" in written  # shown, escaped, not dropped
    assert "\\n::error title=forged" in written and "\\u202eoverride" in written
    assert "Verdict: FAIL" in written.splitlines()[0]
    stdout = run_cli("audit", str(hostile)).stdout
    assert_terminal_safe(stdout)
    assert_terminal_safe(result.stderr)


def test_notice_and_graphs_hold_no_escape_sequences(run_cli, hostile: Path) -> None:  # type: ignore[no-untyped-def]
    notice = run_cli("audit", str(hostile), "--format", "notice").stdout
    assert_terminal_safe(notice)
    assert 'display "Built with \\x1b[2JEvil' in notice and "NOTICE file \\x1b]0;n\\x07" in notice
    for graph_format in ("mermaid", "dot"):
        result = run_cli("graph", str(hostile), "--format", graph_format)
        assert result.exit_code == 0, result.stderr
        assert_terminal_safe(result.stdout)


def test_markdown_summary_is_inert(run_cli, hostile: Path) -> None:  # type: ignore[no-untyped-def]
    markdown = run_cli("audit", str(hostile), "--format", "markdown").stdout
    assert_markdown_inert(markdown)
    assert "Approved by Legal" in markdown  # the text is shown, only its markup is disarmed
    mermaid = markdown.split("```mermaid", 1)[1].split("```", 1)[0]
    assert all(line.startswith(("graph TD", "  n")) for line in mermaid.strip("\n").split("\n"))


def test_html_report_shows_controls_escaped(run_cli, hostile: Path) -> None:  # type: ignore[no-untyped-def]
    page = run_cli("audit", str(hostile), "--format", "html").stdout
    assert not FORBIDDEN.search(page)
    assert "<img src=x" not in page and "&lt;img src=x" in page


@pytest.mark.parametrize("payload", [
    "\x1b[31mred", "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07", "a\nb", "a\rb", "\x00\x07\x08\x0b\x0c",
    "\x7f\x80\x9b\x9d\x9f", "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069", "\u2028\u2029\u200e\u200f",
])
def test_inert_escapes_every_control_class(payload: str) -> None:
    shown = inert(payload)
    assert not FORBIDDEN.search(shown) and "\n" not in shown and "\t" not in shown
    assert shown.count("\\") == sum(1 for ch in payload if FORBIDDEN.match(ch) or ch in "\n\t")


def test_inert_lines_defuses_workflow_commands_wherever_wrapping_puts_them() -> None:
    document = inert_lines("ok\n  ::error::x\n##[warning]y\n::set-output name=verdict::pass")
    assert all(not line.lstrip().startswith(("::", "##[")) for line in document.split("\n"))
    assert document.count("\n") == 3


@pytest.mark.parametrize("payload", [
    MARKDOWN_PAYLOAD, "[a](javascript:alert(1))", "[x][ref]\n[ref]: https://evil.example", "<script>x</script>",
    "# heading", "| a | b |", "~~strike~~ $x^2$", "`` ` ``", "ftp://evil.example mailto:a@b.example",
    "https://evil.example\n![y](https://e.example)", "&lt;img&gt;",
])
def test_markdown_cells_and_literals_are_inert(payload: str) -> None:
    assert_markdown_inert(f"| {cell(payload)} |")
    assert "\n" not in cell(payload) and "|" not in cell(payload).replace("\\|", "")
    shown = literal(payload)
    assert "\n" not in shown
    fence = shown.split(" ", 1)[0]
    assert shown.endswith(f" {fence}") and fence not in shown[len(fence):-len(fence)]
