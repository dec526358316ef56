"""Recipients streamed from a CSV or JSONL file, one at a time (memory flat in their number).

CSV: a header row with an ``email`` column. Every other column is template data; a dotted
column name nests (``user.name`` -> ``{"user": {"name": ...}}``); a ``tag:NAME`` column is a
message tag. An empty cell is *absent* (so a template that prints it refuses the row).

JSONL: one object per line: ``{"email": ..., "data": {...}, "tags": {...}}``. Without a
``data`` member, every member except ``email`` and ``tags`` is the data. Blank lines are skipped.

A file that cannot be read this way raises RecipientFileError naming the file and line; a row
whose address is malformed is not an error of the file (the engine refuses that row).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import SendError

TAG_PREFIX = "tag:"
_LONE_CR = re.compile(r"(?<=\r)(?!\n|$)")


class RecipientFileError(SendError):
    pass


@dataclass(frozen=True)
class Recipient:
    """One recipient: ``row`` is its 0-based position among the file's records (the key of the
    checkpoint), ``line`` the 1-based line it starts on (for messages)."""

    email: str
    data: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    row: int = 0
    line: int = 0


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise RecipientFileError(
        f"{path}: unknown recipients format {suffix or '(no extension)'!r}",
        hint="Name the file *.csv (header with an 'email' column) or *.jsonl (one JSON object per line).",
    )


def read_recipients(path: Path) -> Iterator[Recipient]:
    """Stream the recipients of ``path`` (CSV or JSONL by extension). The file is checked
    now, not on the first row: a device or a pipe is refused before anything reads it."""
    check_recipients_file(path)
    kind = file_format(path)
    return _read_jsonl(path) if kind == "jsonl" else _read_csv(path)


def check_recipients_file(path: Path) -> None:
    """A regular file, or RecipientFileError. Checked on an open descriptor (O_NONBLOCK, so a
    FIFO with no writer does not block the open): /dev/zero would be read for ever, and a pipe
    would block or be consumed by the first of the two passes (the dry pass, then the send)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise RecipientFileError(f"{path}: no such recipients file") from None
    except IsADirectoryError:
        raise _not_regular(path) from None
    except OSError as exc:
        raise RecipientFileError(f"{path}: cannot read the recipients file: {exc.strerror or exc}") from None
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    finally:
        os.close(fd)
    if not regular:
        raise _not_regular(path)


def _not_regular(path: Path) -> RecipientFileError:
    return RecipientFileError(
        f"{path}: not a regular file",
        hint="Save the recipients to a file first: it is read twice (the dry pass, then the send) "
        "and its checksum keys the checkpoint, so a pipe or device cannot be used.",
    )


def count_recipients(path: Path) -> int:
    return sum(1 for _ in read_recipients(path))


def file_digest(path: Path) -> str:
    """sha256 of the file, read in blocks: the checkpoint refuses to resume on another file."""
    check_recipients_file(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise RecipientFileError(f"{path}: cannot read the recipients file: {exc.strerror or exc}") from None
    return "sha256:" + digest.hexdigest()


def recipients_from(items: Iterable[Mapping[str, Any]]) -> Iterator[Recipient]:
    """Recipients from in-memory objects shaped like JSONL lines (``{"email", "data", "tags"}``,
    or data members beside ``email``), numbered 0.. as rows (the MCP tools use this)."""
    for row, item in enumerate(items):
        email = item.get("email")
        if not isinstance(email, str):
            raise RecipientFileError(f"recipient {row}: the member 'email' (a string) is missing")
        data = (
            item["data"] if "data" in item else {k: v for k, v in item.items() if k not in ("email", "tags")}
        )
        if not isinstance(data, dict):
            raise RecipientFileError(f"recipient {row}: 'data' must be an object")
        tags = item.get("tags") or {}
        if not isinstance(tags, Mapping):
            raise RecipientFileError(f"recipient {row}: 'tags' must be an object of strings")
        yield Recipient(
            email=email.strip(),
            data=dict(data),
            tags={str(k): str(v) for k, v in tags.items()},
            row=row,
            line=row + 1,
        )


def _read_csv(path: Path) -> Iterator[Recipient]:
    with path.open("rb") as handle:
        reader = csv.reader(_text_lines(path, handle))
        try:
            header = next(reader)
        except StopIteration:
            raise RecipientFileError(
                f"{path}: the file is empty",
                hint="A CSV recipients file starts with a header row naming an 'email' column.",
            ) from None
        except csv.Error as exc:
            raise RecipientFileError(f"{path}:1: cannot read the CSV header: {_csv_reason(exc)}") from None
        columns = [c.strip() for c in header]
        lowered = [c.lower() for c in columns]
        if "email" not in lowered:
            raise RecipientFileError(
                f"{path}:1: the CSV header has no 'email' column (columns: {', '.join(columns) or 'none'})",
                hint="Add a header row whose recipient column is named 'email'.",
            )
        email_at = lowered.index("email")
        if lowered.count("email") > 1:
            raise RecipientFileError(
                f"{path}:1: the CSV header has {lowered.count('email')} 'email' columns",
                hint="Keep one column named 'email' (which one is the recipient would be a guess).",
            )
        row = 0
        line = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise RecipientFileError(f"{path}:{line}: {_csv_reason(exc)}") from None
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(columns):
                raise RecipientFileError(
                    f"{path}:{start}: {len(cells)} cells but the header has {len(columns)} columns"
                )
            data: dict[str, Any] = {}
            tags: dict[str, str] = {}
            for name, cell in zip(columns, cells, strict=False):
                if name.lower() == "email" or cell == "":
                    continue
                if name.lower().startswith(TAG_PREFIX):
                    tags[name[len(TAG_PREFIX) :]] = cell
                else:
                    _put(data, name, cell)
            email = cells[email_at].strip() if email_at < len(cells) else ""
            yield Recipient(email=email, data=data, tags=tags, row=row, line=start)
            row += 1


def _csv_reason(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a cell is longer than {csv.field_size_limit():,} characters (SES's template data limit is 262,144)"
    return str(exc)


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _read_jsonl(path: Path) -> Iterator[Recipient]:
    with path.open("rb") as handle:
        row = 0
        for line_no, text in enumerate(_text_lines(path, handle), start=1):
            if not text.strip():
                continue
            try:
                item = json.loads(text, object_pairs_hook=_JsonObject)
            except ValueError as exc:
                raise RecipientFileError(f"{path}:{line_no}: not valid JSON: {exc}") from None
            except RecursionError:
                raise RecipientFileError(f"{path}:{line_no}: the JSON is nested too deeply") from None
            if not isinstance(item, dict):
                raise RecipientFileError(f"{path}:{line_no}: expected a JSON object per line")
            if isinstance(item, _JsonObject) and item.repeated & _RECORD_MEMBERS:
                repeated = ", ".join(sorted(item.repeated & _RECORD_MEMBERS))
                raise RecipientFileError(
                    f"{path}:{line_no}: the member {repeated!r} appears more than once in this object",
                    hint="Keep one (which one is meant would be a guess).",
                )
            email = item.get("email")
            if not isinstance(email, str):
                raise RecipientFileError(f"{path}:{line_no}: the member 'email' (a string) is missing")
            tags = item.get("tags") or {}
            if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
                raise RecipientFileError(f"{path}:{line_no}: 'tags' must be an object of strings")
            if "data" in item:
                data = item["data"]
                if not isinstance(data, dict):
                    raise RecipientFileError(f"{path}:{line_no}: 'data' must be an object")
            else:
                data = {k: v for k, v in item.items() if k not in ("email", "tags")}
            yield Recipient(email=email.strip(), data=data, tags=dict(tags), row=row, line=line_no)
            row += 1


_RECORD_MEMBERS = frozenset({"email", "data", "tags"})


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers which of its keys were repeated (json keeps the last)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.repeated: set[str] = set()
        if len(self) < len(pairs):
            counts = Counter(key for key, _ in pairs)
            self.repeated = {key for key, count in counts.items() if count > 1}


def _text_lines(path: Path, handle: Iterable[bytes]) -> Iterator[str]:
    """The file's physical lines, each decoded on its own: a byte that is not UTF-8 is named
    with the line it is on (a decoding text stream reports the chunk, often line 1). A UTF-8
    byte-order mark (spreadsheet exports) is dropped."""
    number = 0
    for raw in handle:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RecipientFileError(
                f"{path}:{number + 1}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                hint="Save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8').",
            ) from None
        if number == 0:
            text = text.removeprefix("\ufeff")
        # Lines ended by a lone CR (old Mac spreadsheet exports) are lines too.
        for piece in _LONE_CR.split(text) if "\r" in text else (text,):
            number += 1
            yield piece


@dataclass(frozen=True)
class RecipientSource:
    """Recipients from a file (read once per pass, its checksum keys the checkpoint) or from
    memory (a tool call's few recipients, whose suppression is asked per address)."""

    path: Path | None = None
    items: tuple[Recipient, ...] = ()

    @classmethod
    def file(cls, path: Path) -> RecipientSource:
        return cls(path=path)

    @classmethod
    def of(cls, items: Sequence[Recipient]) -> RecipientSource:
        return cls(items=tuple(items))

    def rows(self) -> Iterator[Recipient]:
        return read_recipients(self.path) if self.path is not None else iter(self.items)

    def digest(self) -> str | None:
        return file_digest(self.path) if self.path is not None else None

    def known_addresses(self) -> list[str] | None:
        return None if self.path is not None else [r.email for r in self.items]
