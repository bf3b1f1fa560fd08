"""Model-card front matter -> CardInfo.

Real cards are messy (license as a list, base_model as a string or a list, CRLF, BOMs, no front matter at
all, YAML that does not parse). The parser never raises on content: every defect becomes a CardProblem the
audit turns into a ``card-invalid`` finding, and every field that is well-formed is still used.
"""

from __future__ import annotations

from typing import Any

import yaml

from scanner.hubid import parse_hub_reference
from scanner.models import CardInfo, CardProblem
from scanner.text import normalize_newlines

MAX_FRONT_MATTER_CHARS = 512 * 1024
RELATIONS = frozenset({"adapter", "merge", "quantized", "finetune"})
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_card(text: str | None) -> CardInfo:
    """Parse a README.md's front matter; ``None`` (no README) is a card without front matter."""
    if text is None:
        return CardInfo(has_front_matter=False, problems=(CardProblem("the repo has no README.md model card"),))
    lines = normalize_newlines(text).split("\n")
    if not lines or lines[0].rstrip() != "---":
        return CardInfo(
            has_front_matter=False,
            body="\n".join(lines),
            problems=(CardProblem("the model card has no YAML front matter (no metadata, no declared license)"),),
        )
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        unclosed = CardProblem("the front matter starts with '---' but is never closed", line=1)
        return CardInfo(has_front_matter=False, body="\n".join(lines),
                        problems=(unclosed, *_hidden_lineage("\n".join(lines[1:]))))
    front = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:])
    if len(front) > MAX_FRONT_MATTER_CHARS:
        # Metadata too large to read may hold anything (license, base_model): unverified, not merely invalid.
        return CardInfo(
            has_front_matter=False, body=body, body_start_line=end + 2,
            problems=(CardProblem(f"front matter of {len(front)} characters exceeds the "
                                  f"{MAX_FRONT_MATTER_CHARS} limit; its metadata (license, base models) "
                                  f"could not be read", line=1, rule="unverifiable"),),
        )
    data, field_lines, problem = _load_yaml(front, first_line=2)
    if problem is not None:
        return CardInfo(has_front_matter=False, body=body, body_start_line=end + 2,
                        problems=(problem, *_hidden_lineage(front)))
    return _card_from_mapping(data, field_lines, body=body, body_start_line=end + 2)


def _hidden_lineage(front: str) -> tuple[CardProblem, ...]:
    """Front matter that could not be parsed but mentions base_model names a parent we cannot follow."""
    for number, line in enumerate(front.split("\n"), start=2):
        if "base_model" in line.lower():
            return (CardProblem("the front matter names a base model but could not be read, so the lineage "
                                "is unknown", field="base_model", line=number, rule="lineage-unresolved"),)
    return ()


def card_from_metadata(data: Any) -> CardInfo:
    """Build a CardInfo from metadata that did not come from README.md text (the Hub API's cardData)."""
    if not isinstance(data, dict):
        return CardInfo(has_front_matter=False)
    return _card_from_mapping(data, {})


def _load_yaml(front: str, first_line: int) -> tuple[dict[str, Any], dict[str, int], CardProblem | None]:
    loader = _Loader(front)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else None
        reason = getattr(exc, "problem", None) or exc.__class__.__name__
        return {}, {}, CardProblem(f"front matter is not valid YAML: {reason}", line=line)
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. unhashable keys built by hostile YAML
        return {}, {}, CardProblem(f"front matter could not be loaded: {exc.__class__.__name__}")
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return {}, {}, CardProblem(f"front matter is a YAML {type(data).__name__}, not a mapping", line=first_line)
    field_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                field_lines.setdefault(str(key_node.value), first_line + key_node.start_mark.line)
    return data, field_lines, None


class _Reader:
    """Reads typed fields out of a front-matter mapping, recording each defect instead of raising."""

    def __init__(self, data: dict[str, Any], field_lines: dict[str, int]) -> None:
        self.data = data
        self.field_lines = field_lines
        self.problems: list[CardProblem] = []

    def problem(self, name: str, message: str) -> None:
        self.problems.append(CardProblem(message, field=name, line=self.field_lines.get(name)))

    def string(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value.strip() or None
        self.problem(name, f"'{name}' should be a string, found a YAML {_type_name(value)}; ignored")
        return None

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        kept: list[str] = []
        for item in items:
            if isinstance(item, str) and item.strip():
                kept.append(item.strip())
            elif item is not None:
                self.problem(name, f"'{name}' holds a YAML {_type_name(item)} where a string is expected; ignored")
        return tuple(dict.fromkeys(kept))

    def hub_ids(self, name: str, unresolved_rule: str = "card-invalid") -> tuple[str, ...]:
        """Repo ids from a string, a list, or mappings such as ``{id: org/name}``; an entry that names a repo
        in a form that cannot be read becomes a problem of rule ``unresolved_rule``, never silence."""
        value = self.data.get(name)
        if value is None:
            return ()
        kept: list[str] = []
        for item in value if isinstance(value, list) else [value]:
            text = _reference_text(item)
            hub_id = parse_hub_reference(text) if text is not None else None
            if hub_id is not None:
                kept.append(hub_id)
            elif item is not None and item != "":
                shown = text if text is not None else f"a YAML {_type_name(item)}"
                self.problems.append(CardProblem(
                    f"'{name}' entry {shown[:120]!r} cannot be read as a Hub repo id", field=name,
                    line=self.field_lines.get(name), rule=unresolved_rule))
        return tuple(dict.fromkeys(kept))


_REFERENCE_KEYS = ("id", "repo_id", "model_id", "model", "name", "base_model", "path")


def _reference_text(item: Any) -> str | None:
    """The string a card entry gives for a repo: itself, or the id of a mapping such as ``{id: org/name}``."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        for key in _REFERENCE_KEYS:
            if isinstance(item.get(key), str):
                return str(item[key])
    return None


def _card_from_mapping(
    data: dict[str, Any], field_lines: dict[str, int], body: str = "", body_start_line: int = 1
) -> CardInfo:
    reader = _Reader(data, field_lines)
    relation = reader.string("base_model_relation")
    if relation is not None and relation.lower() not in RELATIONS:
        reader.problem("base_model_relation",
                       f"base_model_relation {relation[:60]!r} is not one of {', '.join(sorted(RELATIONS))}")
        relation = None
    licenses = tuple(item.lower() if item.isascii() else item for item in reader.strings("license"))
    return CardInfo(
        has_front_matter=True,
        licenses=licenses,
        license_name=reader.string("license_name"),
        license_link=reader.string("license_link"),
        base_models=reader.hub_ids("base_model", unresolved_rule="lineage-unresolved"),
        base_model_relation=relation.lower() if relation else None,
        datasets=reader.hub_ids("datasets"),
        tags=reader.strings("tags"),
        quantized_by=reader.string("quantized_by"),
        extra_gated_prompt=reader.string("extra_gated_prompt"),
        body=body,
        body_start_line=body_start_line,
        field_lines=field_lines,
        problems=tuple(reader.problems),
    )


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", list: "list", dict: "mapping"}.get(
        type(value), type(value).__name__
    )
