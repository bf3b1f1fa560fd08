"""User-written YAML files (policies, waivers): safe loading, JSON Schema validation, errors with lines.

Every problem is a UsageError naming the file, the 1-based line and the field, because the person who
wrote the file is the one who must fix it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import yaml

from scanner.errors import UsageError
from scanner.resources import read_text


class TextDates(yaml.SafeLoader):
    """Safe YAML without implicit timestamps: dates stay text, so a bad date is ours to report."""


TextDates.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@lru_cache(maxsize=8)
def schema(name: str) -> dict[str, Any]:
    """A shipped JSON Schema from policies/."""
    return dict(json.loads(read_text("policies", name)))


def load_validated(text: str, origin: str, schema_name: str) -> tuple[Any, Any]:
    """(data, composed node) of a YAML text that satisfies the named schema; else a UsageError."""
    import jsonschema

    try:
        node = yaml.compose(text, Loader=TextDates)
        data = yaml.load(text, Loader=TextDates)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{origin}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise UsageError(f"{origin}: a value cannot be read: {exc}") from None
    errors = sorted(jsonschema.Draft202012Validator(schema(schema_name)).iter_errors(data),
                    key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        field = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise UsageError(f"{origin}:{line_of(node, list(error.absolute_path))}: {field}: {error.message}{more}")
    return data, node


def line_of(node: Any, path: list[Any]) -> int:
    """The 1-based line of the YAML node at ``path`` (the deepest one that exists)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
