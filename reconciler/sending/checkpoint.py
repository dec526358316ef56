"""The checkpoint: an append-only journal of a run, so a killed run can resume.

One JSON object per line, each written and fsync'd before the engine goes on:

    {"type": "run", "run_id": ..., "file": "sha256:...", "job": {...}}      the first line
    {"type": "resume", "at": ...}                                            each later session
    {"type": "begin", "batch": "b17", "rows": [..]}      BEFORE the SendBulkEmail call
    {"type": "end", "batch": "b17", "sent": [[row, message_id], ..],
     "failed": [[row, status, error], ..], "retry": [row, ..]}              AFTER it returned
    {"type": "abort", "batch": "b17", "error": ...}       the call failed: nothing was sent
    {"type": "resolved", "batch": "b17", "sent": [[row, id], ..], "unsent": [row, ..], "how": ...}
    {"type": "pause", "at": ..., "reason": ..., "details": {...}}   the circuit breaker tripped

A row is *done* once an ``end`` or ``resolved`` line lists it as sent or failed. A ``begin``
with no ``end``/``abort``/``resolved`` is *in doubt*: the process died between writing the
intent and recording the answer, so SES may or may not have accepted those messages (see
docs/sending.md, "The checkpoint's guarantee").

Memory: one bit per row for the done set, plus the rows of in-doubt batches (at most one
batch per session, as batches are sent one at a time). A torn last line (the process died
mid-write) is ignored: its write never completed, so nothing depended on it.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from reconciler.errors import SendError
from reconciler.runlock import RunLock


class CheckpointError(SendError):
    pass


class RowSet:
    """A set of non-negative ints as a bitmap (one bit per row up to the largest)."""

    def __init__(self) -> None:
        self._bits = bytearray()
        self.count = 0

    def add(self, row: int) -> None:
        index, bit = divmod(row, 8)
        if index >= len(self._bits):
            self._bits.extend(b"\0" * (index + 1 - len(self._bits) + 1024))
        if not self._bits[index] & (1 << bit):
            self._bits[index] |= 1 << bit
            self.count += 1

    def __contains__(self, row: object) -> bool:
        if not isinstance(row, int) or row < 0:
            return False
        index, bit = divmod(row, 8)
        return index < len(self._bits) and bool(self._bits[index] & (1 << bit))

    def __len__(self) -> int:
        return self.count


@dataclass
class Replay:
    """What an existing journal says."""

    run_id: str
    header: dict[str, Any]
    done: RowSet = field(default_factory=RowSet)
    sent: int = 0
    failed: int = 0
    in_doubt: dict[str, list[int]] = field(default_factory=dict)  # batch -> rows
    batches: int = 0  # batch ids used so far (new ones continue the count)
    paused: dict[str, Any] | None = None  # the last session ended in a breaker pause (its line)


_NOT_A_CHECKPOINT = "Pass a new --checkpoint path, or the file of the run you want to resume."


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    # ---- reading -------------------------------------------------------------------------

    def replay(self) -> Replay | None:
        """The journal's content, or None if there is no journal yet."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        replay: Replay | None = None
        # Binary lines decoded one by one: a foreign or corrupted file (binary bytes, JSON that
        # is not a journal entry) is named with its line, never a traceback.
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    entry = json.loads(raw.decode("utf-8"))
                except (ValueError, RecursionError):
                    if not raw.endswith(b"\n"):
                        break  # torn final write
                    raise CheckpointError(
                        f"{self.path}:{number}: not a checkpoint line", hint=_NOT_A_CHECKPOINT
                    ) from None
                if replay is None:
                    if not isinstance(entry, dict) or entry.get("type") != "run" or "run_id" not in entry:
                        raise CheckpointError(
                            f"{self.path}:1: not a sesctl send checkpoint", hint=_NOT_A_CHECKPOINT
                        )
                    replay = Replay(run_id=str(entry["run_id"]), header=entry)
                    continue
                try:
                    _apply(replay, entry)
                except (AttributeError, KeyError, TypeError, ValueError):
                    raise CheckpointError(
                        f"{self.path}:{number}: not a checkpoint line", hint=_NOT_A_CHECKPOINT
                    ) from None
        return replay

    # ---- writing -------------------------------------------------------------------------

    def check_location(self) -> None:
        """Refuse a checkpoint whose directory is missing, before anything is read or sent.

        No mkdir -p: a typo in --checkpoint should not create directory trees (or journal a
        campaign somewhere nobody will look for it when resuming)."""
        if not self.path.parent.is_dir():
            raise CheckpointError(
                f"{self.path}: the directory {self.path.parent} does not exist",
                hint="Create it first, or pass a --checkpoint path in an existing directory.",
            )
        if self.path.exists() and not self.path.is_file():  # a FIFO would block the replay for ever
            raise CheckpointError(f"{self.path}: not a regular file", hint=_NOT_A_CHECKPOINT)

    def open(self) -> None:
        self.check_location()
        self._drop_torn_line()
        self._handle = self.path.open("a", encoding="utf-8")

    def _drop_torn_line(self) -> None:
        """Cut a final line left without its newline by a process that died mid-write, so the
        next line does not glue onto it (replay already ignores it: the write never finished)."""
        if not self.path.exists():
            return
        with self.path.open("rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            end = size
            while end > 0:
                start = max(0, end - 65536)
                handle.seek(start)
                chunk = handle.read(end - start)
                newline = chunk.rfind(b"\n")
                if newline >= 0:
                    handle.truncate(start + newline + 1)
                    return
                end = start
            handle.truncate(0)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def write(self, entry: dict[str, Any]) -> None:
        """Append one line and make it durable before returning."""
        if self._handle is None:
            raise CheckpointError("the checkpoint is not open")
        self._handle.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def start(self, run_id: str, header: dict[str, Any]) -> None:
        self.write({"type": "run", "run_id": run_id, "at": _now(), **header})
        # A new file's directory entry must be durable too, or a crash could lose the journal.
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def resume(self, *, after_pause: bool = False) -> None:
        entry: dict[str, Any] = {"type": "resume", "at": _now()}
        if after_pause:
            entry["after_pause"] = True
        self.write(entry)

    def pause(self, reason: str, details: dict[str, Any]) -> None:
        self.write({"type": "pause", "at": _now(), "reason": reason, "details": details})

    def begin(self, batch: str, rows: list[int]) -> None:
        self.write({"type": "begin", "batch": batch, "rows": rows})

    def end(
        self,
        batch: str,
        sent: list[tuple[int, str]],
        failed: list[tuple[int, str, str]],
        retry: list[int],
    ) -> None:
        self.write({"type": "end", "batch": batch, "sent": sent, "failed": failed, "retry": retry})

    def abort(self, batch: str, error: str) -> None:
        self.write({"type": "abort", "batch": batch, "error": error})

    def resolved(self, batch: str, sent: list[tuple[int, str]], unsent: list[int], how: str) -> None:
        self.write({"type": "resolved", "batch": batch, "sent": sent, "unsent": unsent, "how": how})


def _apply(replay: Replay, entry: dict[str, Any]) -> None:
    kind = entry.get("type")
    batch = str(entry.get("batch", ""))
    if kind == "begin":
        replay.in_doubt[batch] = [int(r) for r in entry.get("rows", [])]
        replay.batches += 1
    elif kind in ("end", "resolved"):
        replay.in_doubt.pop(batch, None)
        for row, *_ in entry.get("sent", []):
            if int(row) not in replay.done:
                replay.sent += 1
            replay.done.add(int(row))
        for row, *_ in entry.get("failed", []):
            if int(row) not in replay.done:
                replay.failed += 1
            replay.done.add(int(row))
    elif kind == "abort":
        replay.in_doubt.pop(batch, None)
    elif kind == "pause":
        replay.paused = entry
    elif kind == "resume":
        replay.paused = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---- one run at a time -------------------------------------------------------------------

_held: dict[str, tuple[RunLock, int]] = {}  # lock path -> (lock, holders in this process)
_held_guard = threading.Lock()


class CheckpointLock:
    """An OS lock on ``<checkpoint>.lock`` for as long as a run uses the checkpoint.

    Two runs journaling into one checkpoint would each send the rows the other has not recorded
    yet: almost every recipient twice. The second run is refused (naming the first one's pid)
    instead of waiting, since waiting would only send the rest once the first is done. The lock
    itself is reconciler.runlock.RunLock (it dies with its process; the file is removed on
    release). Re-entrant within a process (the preview and the run of one ``sesctl send``
    share it)."""

    def __init__(self, checkpoint: Path) -> None:
        self.path = checkpoint.with_name(checkpoint.name + ".lock")
        self._key = str(self.path.resolve())

    def __enter__(self) -> CheckpointLock:
        with _held_guard:
            held = _held.get(self._key)
            if held is not None:
                _held[self._key] = (held[0], held[1] + 1)
                return self
            lock = RunLock(self.path, busy=self._busy, error=CheckpointError)
            lock.__enter__()
            _held[self._key] = (lock, 1)
        return self

    def __exit__(self, *exc: object) -> None:
        with _held_guard:
            lock, count = _held[self._key]
            if count > 1:
                _held[self._key] = (lock, count - 1)
                return
            del _held[self._key]
            lock.__exit__(None, None, None)

    def _busy(self, owner: int | None) -> CheckpointError:
        who = f"another sesctl send (pid {owner})" if owner else "another sesctl send"
        return CheckpointError(
            f"{self.path.parent / self.path.name[:-5]} is in use by {who}: two runs "
            "on one checkpoint would mail most recipients twice",
            hint="Wait for that run to finish (or stop it), then run again with the same --checkpoint.",
        )
