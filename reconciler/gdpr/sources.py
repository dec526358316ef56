"""Where sesctl keeps data about a person besides SES: the event store and send checkpoints."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.audit.secrets import normalize_address
from reconciler.errors import UsageError


@dataclass(frozen=True)
class Sources:
    store: Path | None = None  # the event store (SQLite); None or missing: not searched
    checkpoints: Sequence[Path] = field(default_factory=tuple)  # send journals

    @contextmanager
    def open_store(self) -> Iterator[Any]:
        """The event store when there is one (else None), closed afterwards."""
        if self.store is None or not self.store.is_file():
            yield None
            return
        from reconciler.events.store import EventStore

        store = EventStore.open(self.store)
        try:
            yield store
        finally:
            store.close()

    def checkpoint_files(self) -> list[Path]:
        found: list[Path] = []
        for path in self.checkpoints:
            if path.is_dir():
                found += sorted(p for p in path.rglob("*") if p.is_file() and _is_checkpoint(p))
            elif path.is_file():
                found.append(path)
            else:
                raise UsageError(f"--checkpoint {path}: no such file or directory")
        return found


def _is_checkpoint(path: Path) -> bool:
    """A send journal: its first line is {"type": "run", ...}."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(65536)
        data = json.loads(first)
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("type") == "run"


def lines_naming(path: Path, address: str) -> list[int]:
    """Line numbers of ``path`` that contain ``address`` in clear (any case)."""
    needle = normalize_address(address)
    hits: list[int] = []
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if needle in line.lower():
                    hits.append(number)
    except OSError as exc:
        raise UsageError(f"cannot read the checkpoint {path}: {exc.strerror or exc}") from None
    return hits


def pseudonymise_file(path: Path, replacements: dict[str, str]) -> int:
    """Rewrite ``path`` with each address (any case) replaced by its pseudonym, atomically;
    returns how many lines changed. The checkpoint's lock is held, so no send is writing it."""
    from reconciler.sending.checkpoint import CheckpointLock

    with CheckpointLock(path):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        changed = 0
        out: list[str] = []
        for line in text.splitlines(keepends=True):
            new = line
            for address, pseudonym in replacements.items():
                new = _replace_caseless(new, address, pseudonym)
            changed += new != line
            out.append(new)
        if changed:
            temporary = path.with_name(path.name + f".{os.getpid()}.gdpr")
            temporary.write_text("".join(out), encoding="utf-8", errors="surrogateescape")
            os.replace(temporary, path)
        return changed


def _replace_caseless(text: str, needle: str, replacement: str) -> str:
    lowered = text.lower()
    result: list[str] = []
    start = 0
    while (index := lowered.find(needle, start)) != -1:
        result.append(text[start:index])
        # A JSON string may hold the address; the pseudonym is plain ASCII, safe in it.
        result.append(replacement)
        start = index + len(needle)
    result.append(text[start:])
    return "".join(result)


__all__ = ["Sources", "lines_naming", "pseudonymise_file"]
