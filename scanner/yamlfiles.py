"""YAML from users and repos (policies, waivers, the manifest, configs discover reads): one safe loader with
limits, JSON Schema validation, errors with lines.

The loader is PyYAML's safe loader (no tags that build objects, dates kept as text) behind two bounds:
the text's size, and the number of nodes the document would have with every alias expanded (at most
100,000 more than it has characters, which no alias-free text reaches). An alias
bomb (billion laughs) is tiny as text and as a composed graph but explodes when anything walks it, so it
is refused at composition, before any walk. Every problem is a UsageError naming the file, the 1-based
line and the field, because the person who wrote the file is the one who must fix it; messages quote at
most ~80 characters of a value, never the whole of it.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import UsageError
from scanner.resources import read_text
from scanner.safefile import read_bounded
from scanner.text import shorten


class TextDates(yaml.SafeLoader):
    """Safe YAML without implicit timestamps: dates stay text, so a bad date is ours to report."""


TextDates.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

MAX_YAML_CHARS = 1024 * 1024
MAX_EXPANDED_NODES = 100_000


class YamlLimitError(yaml.YAMLError):
    """A YAML text over the size or expansion bounds: refused before anything walks it."""


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """How many nodes ``root`` has with aliases expanded (shared nodes counted each time they are reached);
    stops counting past the bound. A recursive alias (a node inside itself) is refused."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative post-order: deep documents do not hit the recursion limit here
        node, done = stack.pop()
        key = id(node)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        if done:
            active.discard(key)
            sizes[key] = min(1 + sum(sizes[id(child)] for child in children), limit + 1)
            continue
        if key in sizes:
            continue
        if key in active:
            raise YamlLimitError("a recursive alias (a node that contains itself) is not allowed")
        active.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def compose_documents(text: str, max_chars: int = MAX_YAML_CHARS) -> list[yaml.Node]:
    """The composed documents of a YAML text, within the bounds; else YamlLimitError (a yaml.YAMLError).
    ``max_chars`` is raised only for files modelclear writes itself and may grow (a lock file)."""
    if len(text) > max_chars:
        raise YamlLimitError(f"{len(text)} characters exceed the limit of {max_chars}")
    limit = MAX_EXPANDED_NODES + len(text)  # a text without aliases has fewer nodes than characters
    loader = TextDates(text)
    documents: list[yaml.Node] = []
    try:
        total = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            total += _expanded_size(node, limit)
            if total > limit:
                raise YamlLimitError(f"its aliases expand to more than {limit} nodes (an alias bomb?)")
            documents.append(node)
    finally:
        loader.dispose()
    return documents


def safe_load(text: str, max_chars: int = MAX_YAML_CHARS) -> tuple[Any, yaml.Node | None]:
    """(data, composed node) of a single-document YAML text, within the bounds: the one way user or repo
    YAML becomes Python values. Raises yaml.YAMLError (YamlLimitError over a bound)."""
    documents = compose_documents(text, max_chars)
    if len(documents) > 1:
        raise YamlLimitError("expected a single YAML document, found several")
    if not documents:
        return None, None
    loader = TextDates("")
    try:
        return loader.construct_document(documents[0]), documents[0]
    finally:
        loader.dispose()


def read_yaml_file(path: Path, max_chars: int = MAX_YAML_CHARS) -> str:
    """A user's or repo's YAML file as text, read within the size bound; a UsageError names the file and
    why it was not read, never what it holds."""
    try:
        return read_bounded(path, max_chars).decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: cannot be read: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read: {exc.strerror or exc}") from None




@lru_cache(maxsize=8)
def schema(name: str) -> dict[str, Any]:
    """A shipped JSON Schema from policies/."""
    return dict(json.loads(read_text("policies", name)))


def _jsonschema() -> Any:
    """jsonschema, imported without the IRI format checker: importing it pulls in rfc3987_syntax, which
    compiles ~38 lark grammars (most of a second-long audit's start-up), and our schemas use no formats."""
    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes its optional import skip
        try:
            import jsonschema
        finally:
            del sys.modules["rfc3987_syntax"]
        return jsonschema
    import jsonschema

    return jsonschema


def load_validated(text: str, origin: str, schema_name: str, max_chars: int = MAX_YAML_CHARS) -> tuple[Any, Any]:
    """(data, composed node) of a YAML text that satisfies the named schema; else a UsageError."""
    jsonschema = _jsonschema()

    try:
        data, node = safe_load(text, max_chars)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{origin}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise UsageError(f"{origin}: a value cannot be read: {exc.__class__.__name__}") from None
    errors = sorted(jsonschema.Draft202012Validator(schema(schema_name)).iter_errors(data),
                    key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        field = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise UsageError(f"{origin}:{line_of(node, list(error.absolute_path))}: {field}: {_message(error)}{more}")
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


def _message(error: Any) -> str:
    """A schema error's message with the offending value quoted short (jsonschema reprs all of it)."""
    message = str(error.message)
    whole = repr(error.instance)
    if len(whole) > 80:
        message = message.replace(whole, shorten(error.instance))
    return message if len(message) <= 300 else message[:297] + "..."
