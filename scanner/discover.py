"""Discovery: which Hub models and datasets a code repository uses, with file:line (rules/discover.yml).

Python is read with the ast module (string constants and simple assignments), never executed; config
files (YAML with the bounded safe loader, JSON, TOML) are searched under known keys; an explicit manifest
(.modelclear.yml) lists models and the audit's policy, context and waivers. A string becomes an id only
where a loader or a known key puts one, and only if it looks like a Hub id rather than a path or a URL.

Every file is read with bounds (a regular file, at most max_file_bytes; a symlink only when it resolves
inside the repository), and a file that is not read or not parsed is a Problem the audit reports as an
``unverifiable`` finding: the models it may load are not audited, and nothing says so silently.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import UsageError
from scanner.hubid import normalize_hub_id
from scanner.models import CodeReference, RepoKind, RepoRef
from scanner.resources import load_yaml
from scanner.safefile import read_bounded, resolve_inside
from scanner.text import shorten
from scanner.yamlfiles import compose_documents, line_of, safe_load

Reference = CodeReference  # one place in the code repository that names a Hub repo


@dataclass(frozen=True)
class Manifest:
    models: tuple[tuple[str, str | None], ...] = ()
    datasets: tuple[str, ...] = ()
    policy: str | None = None
    context: tuple[tuple[str, str], ...] = ()
    waivers: str | None = None


@dataclass(frozen=True)
class Problem:
    """A file discovery could not read or parse: the Hub repos it may reference are unknown."""

    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass(frozen=True)
class Discovery:
    root: Path
    references: tuple[Reference, ...]
    manifest: Manifest | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)


def discover(root: Path) -> Discovery:
    """Every Hub reference under ``root``; files not read or not parsed are ``problems``, never fatal."""
    rules = load_yaml("rules", "discover.yml")
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory")
    references: list[Reference] = []
    problems: list[Problem] = []
    manifest = None
    for path in _files(root, rules, problems):
        relative = path.relative_to(root).as_posix()
        kind = _kind_of(path, rules)
        if kind is None:
            continue
        try:
            text = _read(root, path, int(rules["max_file_bytes"])).decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(relative, "not UTF-8 text; not read"))
            continue
        except OSError as exc:
            problems.append(Problem(relative, f"{exc.strerror or exc}; not read"))
            continue
        try:
            if kind == "manifest":
                manifest, found = _manifest(text, relative)
                references.extend(found)
            elif kind == "python":
                references.extend(_python(text, relative, rules))
            else:
                references.extend(_config(path, text, relative, rules))
        except (SyntaxError, ValueError, RecursionError, MemoryError, yaml.YAMLError) as exc:
            problems.append(Problem(relative, f"not parsed ({exc.__class__.__name__})"))
    unique = list(dict.fromkeys(references))
    return Discovery(root, tuple(sorted(unique, key=lambda r: (r.file, r.line, r.id))), manifest, tuple(problems))


def _kind_of(path: Path, rules: dict[str, Any]) -> str | None:
    """Which reader a file needs (manifest, python, config), or None for files discovery does not read."""
    if path.name == rules["manifest"]:
        return "manifest"
    if path.suffix == ".py":
        return "python"
    if any(fnmatch.fnmatch(path.name, pattern) for pattern in rules["config_globs"]):
        return "config"
    return None


def _read(root: Path, path: Path, limit: int) -> bytes:
    """A file's bytes within the bounds. A symlink is read only when it resolves to a file inside the
    repository (``app.py -> /dev/zero`` or ``-> /etc/passwd`` is a problem, not a read)."""
    return read_bounded(resolve_inside(path, root), limit, follow_symlinks=False)


def _files(root: Path, rules: dict[str, Any], problems: list[Problem]) -> Iterator[Path]:
    """The files to look at. A symlinked directory is not followed (it can loop or leave the repository)
    but named as a problem: code under it may load models that would otherwise go unaudited."""
    skip = set(rules["skip_dirs"])
    for directory, subdirs, files in os.walk(root):
        kept = []
        for name in sorted(subdirs):
            if name in skip or (name.startswith(".") and name != ".github"):
                continue
            if (Path(directory) / name).is_symlink():
                relative = (Path(directory) / name).relative_to(root).as_posix()
                problems.append(Problem(relative, "a symbolic link to a directory; not followed"))
                continue
            kept.append(name)
        subdirs[:] = kept
        for name in sorted(files):
            yield Path(directory) / name


def hub_id_from(value: str, rules: dict[str, Any], single_segment: bool) -> str | None:
    """The Hub id a string names, or None for paths, URLs to elsewhere, file names and other prose."""
    text = value.strip()
    if not text or text.startswith((".", "/", "~")) or "\\" in text or " " in text:
        return None
    if "://" in text and not text.startswith(("https://huggingface.co/", "http://huggingface.co/")):
        return None
    hub_id = normalize_hub_id(text)
    if hub_id is None:
        return None
    last = hub_id.rsplit("/", 1)[-1].lower()
    if any(last.endswith(ending) for ending in rules["file_endings"]):
        return None
    if "/" not in hub_id and not single_segment:
        return None
    return hub_id


# -- Python ---------------------------------------------------------------------------------------------
def _python(text: str, relative: str, rules: dict[str, Any]) -> list[Reference]:
    tree = ast.parse(text, filename=relative)
    constants: dict[str, str] = {}
    for node in ast.walk(tree):  # simple assignments: NAME = "org/model"
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
                isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            constants[node.target.id] = node.value.value
    found: list[Reference] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else \
            node.func.id if isinstance(node.func, ast.Name) else None
        spec = rules["calls"].get(name)
        if spec is None:
            continue
        keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        argument = next((keywords[k] for k in spec["keywords"] if k in keywords), None)
        if argument is None and len(node.args) > spec["positional"]:
            argument = node.args[spec["positional"]]
        value = _string(argument, constants)
        if value is None:
            continue
        hub_id = hub_id_from(value, rules, single_segment=True)
        if hub_id is None:
            continue
        kind = RepoKind.DATASET if spec["kind"] == "dataset" else RepoKind.MODEL
        repo_type = _string(keywords.get(spec.get("repo_type_keyword", "")), constants)
        if repo_type == "dataset":
            kind = RepoKind.DATASET
        elif repo_type == "space":
            continue
        revision = next((_string(keywords[k], constants) for k in rules["revision_keywords"] if k in keywords), None)
        found.append(Reference(hub_id, kind, relative, argument.lineno if argument is not None else node.lineno,
                               f"{name}()", revision))
    return found


def _string(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


# -- config files -----------------------------------------------------------------------------------------
def _config(path: Path, text: str, relative: str, rules: dict[str, Any]) -> list[Reference]:
    keys = {key: RepoKind.MODEL for key in rules["config_keys"]["model"]}
    keys.update({key: RepoKind.DATASET for key in rules["config_keys"]["dataset"]})
    found: list[Reference] = []
    if path.suffix in (".yml", ".yaml"):
        for document in compose_documents(text):
            found.extend(_yaml_nodes(document, keys, relative, rules))
        return found
    if path.suffix == ".json":
        data = json.loads(text)
    else:
        try:
            import tomllib
        except ImportError:  # Python 3.10: TOML configs are not read
            return []
        data = tomllib.loads(text)
    for key, value in _walk(data):
        kind = keys.get(str(key))
        if kind is None or not isinstance(value, str):
            continue
        hub_id = hub_id_from(value, rules, single_segment=False)
        if hub_id:
            found.append(Reference(hub_id, kind, relative, _line_in(text, value), f"{path.suffix[1:]} key {key}"))
    return found


def _yaml_nodes(node: Any, keys: dict[str, RepoKind], relative: str, rules: dict[str, Any]) -> Iterator[Reference]:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            kind = keys.get(str(getattr(key_node, "value", "")))
            values = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for item in values:
                if kind is not None and isinstance(item, yaml.ScalarNode) and isinstance(item.value, str):
                    hub_id = hub_id_from(item.value, rules, single_segment=False)
                    if hub_id:
                        yield Reference(hub_id, kind, relative, item.start_mark.line + 1, f"yaml key {key_node.value}")
            yield from _yaml_nodes(value_node, keys, relative, rules)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _yaml_nodes(item, keys, relative, rules)


def _walk(data: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, list):
                for item in value:
                    yield key, item
            else:
                yield key, value
            yield from _walk(value)
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item)


def _line_in(text: str, value: str) -> int:
    index = text.find(f'"{value}"')
    if index < 0:
        index = text.find(value)
    return text.count("\n", 0, max(index, 0)) + 1


# -- the manifest -------------------------------------------------------------------------------------------
def _manifest(text: str, relative: str) -> tuple[Manifest, list[Reference]]:
    data, node = safe_load(text)
    data = data or {}
    if not isinstance(data, dict):
        raise UsageError(f"{relative}: the manifest is a mapping (models, datasets, policy, context, waivers)")
    models: list[tuple[str, str | None]] = []
    references: list[Reference] = []
    entries = data.get("models") or []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        raw, revision = (entry.get("id"), entry.get("revision")) if isinstance(entry, dict) else (entry, None)
        hub_id = normalize_hub_id(raw) if isinstance(raw, str) else None
        line = line_of(node, ["models", index])
        if hub_id is None:
            raise UsageError(f"{relative}:{line}: models[{index}] {shorten(raw)} is not a Hub model id")
        models.append((hub_id, str(revision) if revision else None))
        references.append(Reference(hub_id, RepoKind.MODEL, relative, line, "manifest", models[-1][1]))
    context = data.get("context") or {}
    if not isinstance(context, dict):
        raise UsageError(f"{relative}: context must map keys to values")
    manifest = Manifest(tuple(models), tuple(str(d) for d in data.get("datasets") or []),
                        str(data["policy"]) if data.get("policy") else None,
                        tuple((str(k), str(v)) for k, v in context.items()),
                        str(data["waivers"]) if data.get("waivers") else None)
    return manifest, references


def targets_of(discovery: Discovery) -> list[RepoRef]:
    """The repos to audit: every discovered model and dataset once (the first pinned revision wins)."""
    refs: dict[tuple[RepoKind, str], RepoRef] = {}
    for reference in discovery.references:
        key = (reference.kind, reference.id)
        if key not in refs or (refs[key].revision is None and reference.revision):
            refs[key] = RepoRef(reference.id, kind=reference.kind, revision=reference.revision)
    if discovery.manifest:
        for dataset in discovery.manifest.datasets:
            hub_id = normalize_hub_id(dataset)
            if hub_id:
                refs.setdefault((RepoKind.DATASET, hub_id), RepoRef(hub_id, kind=RepoKind.DATASET))
    return list(refs.values())
