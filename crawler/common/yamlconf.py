"""YAML configuration files with line numbers in every error.

``load_config(path, Model)`` parses a YAML file, validates it against a pydantic model and
raises :class:`ConfigError` whose message reads ``path:line: what is wrong``. Line numbers
come from the YAML node tree, so a validation error deep in a list still points at the line
an operator has to edit.

Hostile or careless YAML is refused while it is composed, before anything is built from it:
aliases that would expand the document by more than :data:`MAX_ALIAS_EXPANSION` nodes (the
"billion laughs"), an alias inside its own anchor, and nesting deeper than :data:`MAX_DEPTH`
levels; each is a ``path:line`` error like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[Any, ...]
M = TypeVar("M", bound=BaseModel)

#: Nodes that aliases may add to a document once every alias is expanded in place.
MAX_ALIAS_EXPANSION = 100_000
#: Nesting levels of mappings and sequences in a document.
MAX_DEPTH = 50


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
    """SafeLoader that refuses duplicate mapping keys (a silent override is a config bug),
    aliases expanding past :data:`MAX_ALIAS_EXPANSION` nodes, recursive aliases and nesting
    past :data:`MAX_DEPTH`."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._expanded = 0
        self._open: set[str] = set()  # anchors whose node is still being composed
        self._measures: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            if event.anchor in self._open:
                raise yaml.composer.ComposerError(
                    None, None, f"alias *{event.anchor} inside its own anchor", event.start_mark
                )
            node = self.anchors.get(event.anchor)
            if node is not None:
                size, height = self._measure(node)
                self._expanded += size
                if self._expanded > MAX_ALIAS_EXPANSION:
                    raise yaml.composer.ComposerError(
                        None,
                        None,
                        f"aliases expand the document past {MAX_ALIAS_EXPANSION:,} nodes",
                        event.start_mark,
                    )
                if self._depth + height > MAX_DEPTH:
                    raise yaml.composer.ComposerError(
                        None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark
                    )
            return super().compose_node(parent, index)
        event = self.peek_event()
        if self._depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open.add(anchor)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            self._open.discard(anchor)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # a value its tag cannot hold (``2001-13-45``, ``!!int 0x``) is an error at its line
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"bad value for {node.tag}: {exc}", node.start_mark
            ) from None

    def _measure(self, node: yaml.Node) -> tuple[int, int]:
        """Nodes in ``node`` and its levels of nesting, with every alias in it expanded
        (each shared node measured once)."""
        known = self._measures.get(id(node))
        if known is not None:
            return known
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        measures = [self._measure(child) for child in children]
        known = (1 + sum(m[0] for m in measures), 1 + max((m[1] for m in measures), default=0))
        self._measures[id(node)] = known
        return known


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be one value, not a list or mapping", key_node.start_mark
            ) from None
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


def _index_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int], seen: set[int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if id(node) in seen:
        # an alias: the lines inside are the anchor's, and line_for() falls back to this one
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[loc + (key,)] = key_node.start_mark.line + 1
            _index_lines(value_node, loc + (key,), lines, seen)
            # the key line is the more useful one for "unknown key" and "missing value" errors
            lines[loc + (key, "__key__")] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, loc + (i,), lines, seen)


def parse_yaml(text: str, path: str) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML text; return the data and a map from location tuple to 1-based line."""
    loader = None
    try:
        loader = _LineLoader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or str(exc)
        if exc.context and exc.context not in what:
            what = f"{exc.context}: {what}"
        raise ConfigError([(path, line, f"invalid YAML: {what}")]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        what = f"character #x{exc.character:04x} is not allowed"  # controls, lone surrogates
        raise ConfigError([(path, line, f"invalid YAML: {what}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([(path, None, f"invalid YAML: {exc}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[Loc, int] = {}
    if node is not None:
        _index_lines(node, (), lines, set())
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


_VALIDATOR = re.compile(r"^[\w-]+\[.*\]$", re.S)


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
        # pydantic names the validators it went through ("function-after[...]"): not keys
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and _VALIDATOR.match(p)))
        name = (loc or err["loc"] or ("?",))[-1]
        kind = err["type"]
        prefix, depth = label(loc) if label else (None, 0)
        rel = loc[depth:] if prefix else loc
        if kind == "extra_forbidden":
            msg = f"unknown key '{name}'"
            line = lines.get(loc + ("__key__",)) or line_for(lines, loc)
        elif kind == "missing":
            msg = f"missing required key '{name}'"
            line = line_for(lines, loc[:-1])
        else:
            text = err["msg"]
            if text.startswith("Value error, "):
                text = text[len("Value error, ") :]
            msg = f"{_describe(rel, None)}: {text}" if rel else text
            line = line_for(lines, loc)
        problems.append((path, line, f"{prefix}: {msg}" if prefix else msg))
    return problems


def read_config_text(path: str | Path) -> str:
    """The UTF-8 text of a configuration file; :class:`ConfigError` naming the file when it
    is missing or cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([(str(path), None, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([(str(path), None, f"cannot read: {exc}")]) from None


def read_yaml(path: str | Path) -> tuple[Any, dict[Loc, int]]:
    """Read and parse a YAML file: its data (``{}`` when empty) and the lines of its parts;
    raise :class:`ConfigError` when it cannot be read or parsed."""
    data, lines = parse_yaml(read_config_text(path), str(path))
    return ({} if data is None else data), lines


def validate(
    data: Any, lines: dict[Loc, int], path: str | Path, model: type[M], label: Any = None
) -> M:
    """Validate parsed data as ``model``; raise :class:`ConfigError` with the lines."""
    try:
        return model.model_validate(data, context={"lines": lines, "path": str(path)})
    except ValidationError as exc:
        raise ConfigError(validation_problems(exc, lines, str(path), label)) from None


def load_config(path: str | Path, model: type[M], label: Any = None) -> M:
    """Read ``path`` and validate it as ``model``; raise :class:`ConfigError` on any problem."""
    data, lines = read_yaml(path)
    return validate(data, lines, path, model, label)
