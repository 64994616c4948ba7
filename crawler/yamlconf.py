"""YAML configuration files with line numbers in every error.

``load_config(path, Model)`` parses a YAML file, validates it against a pydantic model and
raises :class:`ConfigError` whose message reads ``path:line: what is wrong``. Line numbers
come from the YAML node tree, so a validation error deep in a list still points at the line
an operator has to edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[Any, ...]
M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """Problems in a configuration file; ``str()`` gives one ``path:line: msg`` per line."""

    def __init__(self, problems: Iterable[tuple[str, int | None, str]]):
        self.problems = list(problems)
        super().__init__("\n".join(self.format_lines()))

    def format_lines(self) -> list[str]:
        out = []
        for path, line, msg in self.problems:
            out.append(f"{path}:{line}: {msg}" if line else f"{path}: {msg}")
        return out


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (a silent override is a config bug)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _index_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[loc + (key,)] = key_node.start_mark.line + 1
            _index_lines(value_node, loc + (key,), lines)
            # the key line is the more useful one for "unknown key" and "missing value" errors
            lines[loc + (key, "__key__")] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, loc + (i,), lines)


def parse_yaml(text: str, path: str) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML text; return the data and a map from location tuple to 1-based line."""
    try:
        node = yaml.compose(text, Loader=_LineLoader)
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or str(exc)
        if exc.context and exc.context not in what:
            what = f"{exc.context}: {what}"
        raise ConfigError([(path, line, f"invalid YAML: {what}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([(path, None, f"invalid YAML: {exc}")]) from None
    lines: dict[Loc, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data, lines


def line_for(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of the deepest known prefix of ``loc``."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def _describe(loc: Loc, data: Any) -> str:
    parts = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts)


def validation_problems(
    exc: ValidationError, lines: dict[Loc, int], path: str, label: Any = None
) -> list[tuple[str, int | None, str]]:
    """Turn a pydantic ValidationError into ``(path, line, message)`` triples.

    ``label(loc)`` may return ``(prefix, depth)`` such as ``("source 'x'", 2)`` for a
    location: the prefix starts the message and the first ``depth`` parts of the location
    are left out of it.
    """
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        kind = err["type"]
        prefix, depth = label(loc) if label else (None, 0)
        rel = loc[depth:] if prefix else loc
        if kind == "extra_forbidden":
            msg = f"unknown key '{loc[-1]}'"
            line = lines.get(loc + ("__key__",)) or line_for(lines, loc)
        elif kind == "missing":
            msg = f"missing required key '{loc[-1]}'"
            line = line_for(lines, loc[:-1])
        else:
            text = err["msg"]
            if text.startswith("Value error, "):
                text = text[len("Value error, ") :]
            msg = f"{_describe(rel, None)}: {text}" if rel else text
            line = line_for(lines, loc)
        problems.append((path, line, f"{prefix}: {msg}" if prefix else msg))
    return problems


def load_config(path: str | Path, model: type[M], label: Any = None) -> M:
    """Read ``path`` and validate it as ``model``; raise :class:`ConfigError` on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([(str(path), None, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([(str(path), None, f"cannot read: {exc}")]) from None
    data, lines = parse_yaml(text, str(path))
    if data is None:
        data = {}
    try:
        obj = model.model_validate(data, context={"lines": lines, "path": str(path)})
    except ValidationError as exc:
        raise ConfigError(validation_problems(exc, lines, str(path), label)) from None
    return obj
