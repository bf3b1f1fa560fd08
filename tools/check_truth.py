"""Check clause ground-truth files (tests/corpus/truth/*.yml) before they join the corpus.

A truth file written in a hurry is worse than none: this checks that every one of the 16 kinds is stated once,
that statuses and values have the documented shape, and that every evidence quote occurs in its text within the
lines given (whitespace runs and line breaks counting as one space). Usage:

    python tools/check_truth.py [TRUTH.yml ...]     # default: every file under tests/corpus/truth

Texts are looked up beside the truth directory (``../texts/<stem>.txt`` as the ``file`` key says).
Exit 1 with one line per problem, 0 when all is well.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scanner.clauses import kind_infos  # the kinds are rules/clauses/*.yml, not a list here

KINDS = tuple(sorted(kind_infos()))
VALUE_KEYS: dict[str, tuple[set[str], set[str]]] = {  # kind -> (required keys, allowed keys)
    "user-threshold": ({"limit", "metric"}, {"limit", "metric"}),
    "revenue-threshold": ({"limit", "currency"}, {"limit", "currency", "period"}),
    "naming": (set(), {"prefix", "includes"}),
    "governing-law": ({"jurisdiction"}, {"jurisdiction", "jurisdiction_en"}),
    "territory": ({"excluded"}, {"excluded"}),
    "attribution": (set(), {"text"}),
}
METRICS = {"monthly_active_users", "daily_active_users", "weekly_active_users", "users"}
PERIODS = {"annual", "monthly", "quarterly", None}


def _squash(text: str) -> str:
    return " ".join(text.split())


def check_file(node: Path) -> list[str]:
    """Every problem of one truth file, each a line naming the file."""
    problems: list[str] = []

    def bad(message: str) -> None:
        problems.append(f"{node.name}: {message}")

    try:
        data = yaml.safe_load(node.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        return [f"{node.name}: unreadable: {error}"]
    if not isinstance(data, dict) or not isinstance(data.get("kinds"), dict):
        return [f"{node.name}: no `kinds` mapping"]
    text_path = node.parent.parent / str(data.get("file", ""))
    if not text_path.is_file():
        return [f"{node.name}: file {data.get('file')!r} not found beside the truth directory"]
    lines = text_path.read_text(encoding="utf-8").split("\n")
    if data.get("language") not in ("en", "zh", "en+zh"):
        bad(f"language {data.get('language')!r} is not en, zh or en+zh")
    kinds: dict[str, Any] = data["kinds"]
    if sorted(kinds) != sorted(KINDS):
        missing, extra = sorted(set(KINDS) - set(kinds)), sorted(set(kinds) - set(KINDS))
        bad(f"kinds differ from the 16: missing {missing}, extra {extra}")
    for kind, entry in kinds.items():
        status = entry.get("status") if isinstance(entry, dict) else None
        if status == "absent":
            continue
        if status == "uncertain":
            if not str(entry.get("why", "")).strip():
                bad(f"{kind}: uncertain without `why`")
            continue
        if status != "present":
            bad(f"{kind}: status {status!r}")
            continue
        problems.extend(f"{node.name}: {kind}: {p}" for p in _check_value(kind, entry.get("value")))
        evidence = entry.get("evidence") or []
        if not evidence:
            bad(f"{kind}: present without evidence")
        for item in evidence:
            first, last = item["lines"]
            window = _squash(" ".join(lines[first - 1:last]))
            if not 1 <= first <= last <= len(lines) or _squash(str(item["quote"])) not in window:
                bad(f"{kind}: quote not within lines {first}-{last}: {str(item['quote'])[:60]!r}")
    return problems


def _check_value(kind: str, value: Any) -> list[str]:
    if kind not in VALUE_KEYS:
        return [] if value is None else [f"has a value, but the kind takes none: {value!r}"]
    required, allowed = VALUE_KEYS[kind]
    if value is None or (kind == "attribution" and value is True):
        return [] if not required else [f"needs a value with {sorted(required)}"]
    if not isinstance(value, dict):
        return [f"value {value!r} is not a mapping"]
    problems = []
    if not required <= set(value) <= allowed:
        problems.append(f"value keys {sorted(value)}: required {sorted(required)}, allowed {sorted(allowed)}")
    if "limit" in value and not isinstance(value["limit"], int):
        problems.append(f"limit {value['limit']!r} is not an integer")
    if kind == "user-threshold" and value.get("metric") not in METRICS:
        problems.append(f"metric {value.get('metric')!r} not one of {sorted(METRICS)}")
    if kind == "revenue-threshold" and value.get("period") not in PERIODS:
        problems.append(f"period {value.get('period')!r} not annual, monthly, quarterly or null")
    if kind == "territory" and not (isinstance(value.get("excluded"), list) and value["excluded"]):
        problems.append("excluded must be a non-empty list")
    return problems


def main(argv: list[str]) -> int:
    nodes = [Path(a) for a in argv] or sorted((Path(__file__).parent.parent / "tests/corpus/truth").glob("*.yml"))
    problems = [p for node in nodes for p in check_file(node)]
    print("\n".join(problems) or f"{len(nodes)} truth files: all well")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
