"""Saving and loading the emulator's SES state as one JSON file.

Writes are atomic (a temporary file in the same directory, then ``os.replace``), so a crash
never leaves half a file. A state file has one writer: ``StateStore.open`` takes an exclusive
``fcntl`` lock on ``<file>.lock`` for as long as the store is open, and a second server on the
same file is refused with a clear message instead of the two overwriting each other.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from reconciler.emulator.state import EmulatorState
from reconciler.errors import ReconcilerError


class StateFileError(ReconcilerError):
    pass


class StateStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_file: IO[str] | None = None

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_path, "a+")  # held open (and locked) for the store's lifetime
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StateFileError(
                f"{self.path} is in use by another emulator process",
                hint="Another `sesctl local serve` or `sesctl --local` command holds it (see "
                "`sesctl local status`). Wait for it, stop it, or point --state at another file; to run "
                "several --local commands at once, keep one `sesctl local serve` running: they share it.",
            ) from None
        self._lock_file = handle

    def close(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def load(self) -> EmulatorState:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return EmulatorState()
        try:
            return EmulatorState.from_json(self.path.read_text(encoding="utf-8"))
        except (ValidationError, ValueError) as exc:
            raise StateFileError(
                f"{self.path}: not a valid emulator state file ({_reason(exc)})",
                hint="Move the file away or run `sesctl local reset --yes` to start empty.",
            ) from None

    def save(self, state: EmulatorState) -> None:
        text = state.to_json()
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _reason(exc: ValueError) -> str:
    """One line: pydantic's first error with where it is, not its multi-line report and URL."""
    if isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{first['msg']}{f' at {where}' if where else ''}"
    return str(exc)[:200]
