"""Load YAML with the position of every mapping, key and scalar (octodns's ContextLoader idea).

``load_file`` returns plain Python data (dicts, lists, scalars: what ``yaml.safe_load`` gives)
plus a ``SourceMap`` per document that maps a field path such as
``("spec", "deliveryOptions", "maxDeliverySeconds")`` to its file:line:column, so any later
check (pydantic, references, templates) can point at the exact field. Malformed YAML is
returned as a diagnostic with its position, never raised.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from reconciler.diagnostics import Diagnostic, error
from reconciler.errors import UsageError
from reconciler.files import read_regular_bytes, real_path

FieldPath = tuple[str | int, ...]
YAML_SUFFIXES = (".yaml", ".yml")

# Aliases are expanded into fresh copies (each copy has its own positions), so a few lines of
# nested aliases ("billion laughs") could ask for billions of nodes. A document may build at most
# this many nodes beyond ALIAS_RATIO times the nodes it actually contains.
ALIAS_ALLOWANCE = 10_000
ALIAS_RATIO = 10
MAX_DEPTH = 200


@dataclass(frozen=True)
class Position:
    file: str
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def where(self) -> dict[str, str | int]:
        """As keyword arguments for ``reconciler.diagnostics.error``/``warning``."""
        return {"file": self.file, "line": self.line, "column": self.column}


class Mark(Protocol):
    """Where a YAML node starts (yaml.Mark, or libyaml's): 0-based line and column."""

    line: int
    column: int


@dataclass
class SourceMap:
    """Positions of the values (and keys) of one document, by field path.

    Kept as the parser's marks (a Position is made when one is asked for): a manifest has
    a mark per value and key, and most are never looked at."""

    file: str
    values: dict[FieldPath, Mark] = field(default_factory=dict)
    keys: dict[FieldPath, Mark] = field(default_factory=dict)
    # For string scalars: the line and column (1-based) of the string's first character, and
    # the YAML style ("|", ">", '"', "'" or None), so positions inside an inline template map
    # to the file.
    strings: dict[FieldPath, tuple[int, int, str | None]] = field(default_factory=dict)
    # Strings changed by ${var} substitution: the original text and the replaced spans, as
    # (new start, new end, old start, old end) offsets.
    rewrites: dict[FieldPath, tuple[str, list[tuple[int, int, int, int]]]] = field(default_factory=dict)

    def locate(self, path: FieldPath) -> Position:
        """The position of the value at ``path``, or of its nearest ancestor that exists."""
        probe = tuple(path)
        while probe:
            if probe in self.values:
                return _position(self.file, self.values[probe])
            probe = probe[:-1]
        return _position(self.file, self.values.get(()))

    def locate_key(self, path: FieldPath) -> Position:
        """The position of the key at ``path`` (for unknown fields), else of the value."""
        mark = self.keys.get(tuple(path))
        return self.locate(path) if mark is None else _position(self.file, mark)

    def _before_substitution(self, path: FieldPath, current: str, line: int, column: int) -> tuple[int, int]:
        original, spans = self.rewrites[path]
        offset = _offset(current, line, column)
        old = offset
        for new_start, new_end, old_start, old_end in spans:
            if offset >= new_end:
                old = offset - new_end + old_end
            elif offset >= new_start:
                old = old_start  # inside a substituted value: point at its ${
        return line_col(original, old)

    def has(self, path: FieldPath) -> bool:
        return tuple(path) in self.values

    def locate_in_string(
        self, path: FieldPath, line: int, column: int, current: str | None = None
    ) -> Position:
        """The file position of (1-based) ``line``/``column`` inside the string at ``path``.

        Exact for literal block scalars (``|``) and for single-line strings; otherwise the
        string's start. ``current`` is the string after ``${var}`` substitution, when the
        line/column refer to it."""
        found = self.strings.get(tuple(path))
        style: str | None = "?"
        if found is None:
            origin = self.locate(path)
        else:
            origin, style = Position(self.file, found[0], found[1]), found[2]
        if line <= 0:
            return origin
        if tuple(path) in self.rewrites and current is not None:
            line, column = self._before_substitution(tuple(path), current, line, column)
        if style == "|":
            return Position(origin.file, origin.line + line - 1, origin.column + max(column, 1) - 1)
        if style in (None, '"', "'") and line == 1:
            return Position(origin.file, origin.line, origin.column + max(column, 1) - 1)
        return origin


@dataclass(frozen=True)
class Document:
    file: str  # as shown to users (relative to the working directory when possible)
    path: Path  # absolute, for resolving files relative to the manifest
    index: int  # 0-based document number within the file
    data: Any
    source: SourceMap


def _position(file: str, mark: Mark | None) -> Position:
    if mark is None:
        return Position(file, 0, 0)
    return Position(file, mark.line + 1, mark.column + 1)


# libyaml's parser when available (the same YAML, about ten times faster on large files);
# the pure-Python SafeLoader otherwise. Both give nodes with start marks.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
# keys that flatten_mapping rewrites: merge keys (<<) and the "=" value key
_SPECIAL_KEYS = frozenset((_MERGE, "tag:yaml.org,2002:value"))


class ContextLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """A SafeLoader that builds data from the node graph while recording positions.

    Construction goes through ``construct_located`` (instead of ``construct_document``) so the
    field path of each node is known when its position is recorded.
    """

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.lines = stream.split("\n")
        self.problems: list[Diagnostic] = []
        self._built = 0  # nodes constructed, aliases counted each time they are expanded
        self._distinct: set[int] = set()  # ids of the distinct nodes seen

    def _count(self, node: yaml.Node) -> None:
        self._built += 1
        self._distinct.add(id(node))
        if self._built > ALIAS_ALLOWANCE + ALIAS_RATIO * len(self._distinct):
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "aliases expand into too many values (a 'billion laughs' document?); "
                "write the data out instead of nesting aliases",
                node.start_mark,
            )

    def construct_located(
        self, node: yaml.Node, source: SourceMap, path: FieldPath = (), depth: int = 0
    ) -> Any:
        source.values[path] = node.start_mark
        self._count(node)
        if depth > MAX_DEPTH:  # also where a recursive alias (&a [*a]) ends
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"values nested more than {MAX_DEPTH} levels deep (a recursive alias?)",
                node.start_mark,
            )
        if isinstance(node, yaml.MappingNode):
            explicit = len(node.value)
            if any(key_node.tag in _SPECIAL_KEYS for key_node, _ in node.value):
                explicit = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE)
                self.flatten_mapping(node)  # resolves YAML merge keys (<<): merged pairs come first
            merged = len(node.value) - explicit
            result: dict[Any, Any] = {}
            from_merge: set[Any] = set()  # keys a later explicit key may override (YAML's rule)
            for index, (key_node, value_node) in enumerate(node.value):
                # a plain string key (nearly all) is its text: no trip through construct_object
                key = key_node.value if key_node.tag == _STR else self._construct_scalar(key_node)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    self.problems.append(
                        error(
                            "E1001",
                            "mapping keys must be scalars",
                            file=self.file,
                            line=key_node.start_mark.line + 1,
                            column=key_node.start_mark.column + 1,
                        )
                    )
                    continue
                if index < merged:
                    from_merge.add(key)
                elif key in from_merge:
                    from_merge.discard(key)  # overrides the merged value: not a duplicate
                elif key in result:
                    self.problems.append(
                        error(
                            "E1003",
                            f"duplicate key {key!r} (the later value would silently win)",
                            file=self.file,
                            line=key_node.start_mark.line + 1,
                            column=key_node.start_mark.column + 1,
                            field=dotted((*path, str(key))),
                        )
                    )
                child = (*path, key if isinstance(key, str | int) else str(key))
                source.keys[child] = key_node.start_mark
                result[key] = self.construct_located(value_node, source, child, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [
                self.construct_located(item, source, (*path, index), depth + 1)
                for index, item in enumerate(node.value)
            ]
        if node.tag == _STR and isinstance(node, yaml.ScalarNode):
            value = node.value  # what construct_object gives for a string, without its bookkeeping
        else:
            value = self._construct_scalar(node)
        if isinstance(value, str) and isinstance(node, yaml.ScalarNode):
            source.strings[path] = self._content_origin(node)
        return value

    def _construct_scalar(self, node: yaml.Node) -> Any:
        try:
            return self.construct_object(node, deep=True)
        except ValueError as exc:  # an integer of over 4,300 digits, a date such as 2024-13-45
            reason = str(exc).split(";")[0]  # not Python's advice to call set_int_max_str_digits
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value ({reason}); quote it if it is text", node.start_mark
            ) from None

    def _content_origin(self, node: yaml.ScalarNode) -> tuple[int, int, str | None]:
        """(line, column) of the string's first character, and its style."""
        start = node.start_mark
        if node.style in ("|", ">"):
            # Content begins on the line after the indicator, at the block's indentation.
            for text in self.lines[start.line + 1 :]:
                if text.strip():
                    indent = len(text) - len(text.lstrip(" "))
                    return start.line + 2, indent + 1, node.style
            return start.line + 2, 1, node.style
        quote = 1 if node.style in ('"', "'") else 0
        return start.line + 1, start.column + 1 + quote, node.style


def _offset(text: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        found = text.find("\n", start)
        if found < 0:
            break
        start = found + 1
    return start + column - 1


def line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def dotted(path: FieldPath) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def display_path(path: Path) -> str:
    """A path as users should see it: relative to the working directory when below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    # Above the working directory "../../../x" says less than the absolute path.
    return str(path.absolute()) if rel.startswith("..") else rel


_short = display_path


def load_text(text: str, file: str, path: Path | None = None) -> tuple[list[Document], list[Diagnostic]]:
    """Parse every document of ``text``; a syntax error becomes a diagnostic and ends the file."""
    documents: list[Document] = []
    problems: list[Diagnostic] = []
    try:
        loader = ContextLoader(text, file)
    except yaml.reader.ReaderError as exc:  # raised while reading the stream, before parsing
        return [], [_reader_problem(text, file, exc)]
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            source = SourceMap(file)
            data = loader.construct_located(node, source)
            if data is not None:  # an empty document (e.g. a trailing ---) is not an error
                documents.append(Document(file, path or Path(file), index, data, source))
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        if mark is not None and _is_tab(text, mark.index):
            problem = "a tab character: YAML indents with spaces only"
        elif mark is not None and _long_key_before(text, mark.index):
            problem = f"a mapping key longer than {YAML_KEY_LIMIT:,} characters (YAML's limit for a key)"
        problems.append(
            error(
                "E1001",
                f"YAML syntax error: {problem}",
                file=file,
                line=(mark.line + 1) if mark else 0,
                column=(mark.column + 1) if mark else 0,
            )
        )
    except yaml.reader.ReaderError as exc:
        problems.append(_reader_problem(text, file, exc))
    except yaml.YAMLError as exc:
        problems.append(error("E1001", f"YAML error: {exc}", file=file))
    finally:
        loader.dispose()
    return documents, loader.problems + problems


# PyYAML looks at most 1,024 characters ahead for the ':' of a plain key; a longer key fails
# as "mapping values are not allowed" or "did not find expected ','", which misses the cause.
YAML_KEY_LIMIT = 1024


def _long_key_before(text: str, index: int) -> bool:
    """Whether the line up to ``index`` holds a run of over 1,024 characters without a YAML
    separator (the key PyYAML gave up on)."""
    line_start = text.rfind("\n", 0, index) + 1
    line = text[line_start : index + 1]
    return any(len(run) > YAML_KEY_LIMIT for run in re.split(r"[\s:,{}\[\]]+", line))


def _is_tab(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index] == "\t"


def _reader_problem(text: str, file: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    line = text.count("\n", 0, exc.position) + 1
    column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
    char = f"{exc.character:#06x}" if isinstance(exc.character, int) else repr(exc.character)
    return error(
        "E1001",
        f"YAML error: character {char} is not allowed ({exc.reason})",
        file=file,
        line=line,
        column=column,
    )


def load_file(path: Path) -> tuple[list[Document], list[Diagnostic]]:
    file = _short(path)
    try:
        # A device or pipe (say a symlink to /dev/zero in a pull request) would never end.
        raw = read_regular_bytes(path)
    except IsADirectoryError:
        return [], [error("E1004", "not a regular file", file=file)]
    except OSError as exc:
        reason = exc.strerror or str(exc)
        message = reason if reason == "not a regular file" else f"cannot read file: {reason}"
        return [], [error("E1004", message, file=file)]
    except ValueError:  # a NUL byte in the name
        return [], [error("E1004", "cannot read file: a NUL byte in its name", file=file)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = line_col(raw.decode("utf-8", errors="replace"), len(raw[: exc.start].decode("utf-8")))
        return [], [
            error(
                "E1001",
                f"not UTF-8 text: byte {raw[exc.start]:#04x} ({exc.reason}); save the file as UTF-8",
                file=file,
                line=line,
                column=column,
            )
        ]
    return load_text(text, file, path.resolve())


def discover(root: Path) -> Iterator[Path]:
    """YAML files under ``root`` (a file or a directory), sorted; hidden directories and files skipped."""
    if root.is_file():
        yield root
        return
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                yield Path(directory) / name


def load_tree(root: Path, inside: tuple[Path, ...] = ()) -> tuple[list[Document], list[Diagnostic]]:
    """Every document of every YAML file under ``root``; with ``inside``, files whose real path
    (symbolic links followed) is below none of those directories are refused, not read."""
    documents: list[Document] = []
    problems: list[Diagnostic] = []
    if not root.exists():
        return [], [error("E1004", f"path not found: {_short(root)}", file=_short(root))]
    allowed = tuple(r.resolve() for r in inside)
    for path in discover(root):
        real = real_path(path)
        if real is None:
            problems.append(error("E1004", "a symbolic link that loops back on itself", file=_short(path)))
            continue
        if allowed and not any(real.is_relative_to(r) for r in allowed):
            problems.append(
                error("E1004", "a symbolic link to a file outside the project", file=_short(path))
            )
            continue
        docs, probs = load_file(path)
        documents.extend(docs)
        problems.extend(probs)
    return documents, problems


__all__ = [
    "ContextLoader",
    "Document",
    "FieldPath",
    "Position",
    "SourceMap",
    "discover",
    "display_path",
    "dotted",
    "line_col",
    "load_file",
    "load_text",
    "load_tree",
]


def load_mapping(text: str, source: str, what: str = "the data") -> dict[str, Any]:
    """One JSON/YAML object from ``text`` (a --data value, a configuration file), through the same
    bounded loader as manifests; anything else is a UsageError with the position."""
    documents, problems = load_text(text, source)
    if problems:
        first = problems[0]
        reason = first.summary.removeprefix("YAML syntax error: ")
        raise UsageError(f"{source}:{first.line}:{first.column}: not valid JSON or YAML: {reason}")
    if len(documents) > 1:
        raise UsageError(f"{source}: holds {len(documents)} YAML documents; {what} must be one object")
    data = documents[0].data if documents else None
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__
        raise UsageError(f"{source}: {what} must be an object (a mapping), not {kind}")
    return data
