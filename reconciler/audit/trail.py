"""The append-only audit log: one JSON object per line, hash-chained, appended under a lock.

Appending takes an exclusive ``flock`` on the log, reads the last entry to chain to it,
writes the new line with one ``write`` on an O_APPEND descriptor, fsyncs, then replaces the
head file (``<log>.head``) and hands the entry to the sinks. Two processes appending at once
therefore never interleave or fork the chain. Any failure is an AuditError: the caller (an
operation's "started" entry) stops before it changes anything.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from reconciler.audit.chain import GENESIS, Verdict, anchor_for, head_for, seal, verify
from reconciler.errors import ReconcilerError

FORMAT_VERSION = 1
LOCK_TIMEOUT_SECONDS = 30.0
_TAIL_CHUNK = 64 * 1024


class AuditError(ReconcilerError):
    """The audit trail could not be written or read."""


class Sink(Protocol):
    """Somewhere else each entry is copied to (S3, CloudWatch Logs): see sinks.py."""

    name: str

    def put(self, entry: Mapping[str, Any], line: str) -> None: ...


def now_iso() -> str:
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class AuditTrail:
    path: Path
    key: bytes | None = field(default=None, repr=False)  # the HMAC key; never shown
    sinks: Sequence[Sink] = ()

    @property
    def head_path(self) -> Path:
        return self.path.with_name(self.path.name + ".head")

    @property
    def anchor_path(self) -> Path:
        return self.path.with_name(self.path.name + ".anchor")

    def append(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Chain ``record`` to the log and return the sealed entry (with seq, prev, hash)."""
        fd = self._open_locked()
        try:
            seq, prev = self._last(fd)
            entry = seal({"v": FORMAT_VERSION, "seq": seq, "prev": prev, **record}, self.key)
            line = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str) + "\n"
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
                self._write_head(seq, str(entry["hash"]))
            except OSError as exc:
                raise self._error(exc) from None
            for sink in self.sinks:
                try:
                    sink.put(entry, line)
                except AuditError:
                    raise
                except Exception as exc:  # any failure of a sink fails the operation, named
                    raise AuditError(
                        f"cannot write the audit entry to the {sink.name} sink: {type(exc).__name__}: {exc}",
                        hint="Fix the sink (permissions, bucket, log group) or remove it from audit: in sesctl.yaml.",
                    ) from None
            return entry
        finally:
            os.close(fd)  # closing releases the lock

    def _open_locked(self) -> int:
        """The log, opened for appending and locked. Retention replaces the file (under the same
        lock), so after waiting for the lock, make sure the descriptor is still the file's."""
        for _ in range(100):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
            except OSError as exc:
                raise self._error(exc) from None
            try:
                _lock(fd, self.path)
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    return fd
            except FileNotFoundError:
                pass
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        raise AuditError(f"the audit trail {self.path} kept being replaced while opening it")

    def prune(self, keep_from: str) -> int:
        """Drop the entries whose ``ts`` is before ``keep_from`` (an ISO time, as entries write
        it), keeping the chain checkable from an anchor; returns how many went."""
        fd = self._open_locked()
        try:
            with open(fd, encoding="utf-8", newline="", closefd=False) as handle:
                handle.seek(0)
                lines = handle.readlines()
            cut = 0
            for line in lines:
                try:
                    ts = str(json.loads(line).get("ts", ""))
                except ValueError:
                    break  # never cut past what cannot be read: verify must still see it
                if ts >= keep_from:
                    break
                cut += 1
            if cut == len(lines):
                cut -= 1  # keep the last entry: it is what the head names
            if cut <= 0:
                return 0
            first = json.loads(lines[cut])
            anchor = anchor_for(int(first["seq"]), str(first["prev"]), self.key)
            temporary = self.path.with_name(self.path.name + f".{os.getpid()}.gc")
            try:
                temporary.write_text("".join(lines[cut:]), encoding="utf-8", newline="")
                os.chmod(temporary, 0o640)
                anchor_tmp = self.anchor_path.with_name(self.anchor_path.name + f".{os.getpid()}.tmp")
                anchor_tmp.write_text(json.dumps(anchor, sort_keys=True) + "\n", encoding="utf-8")
                os.replace(anchor_tmp, self.anchor_path)
                os.replace(temporary, self.path)
            except OSError as exc:
                raise self._error(exc) from None
            return cut
        finally:
            os.close(fd)

    def anchor(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.anchor_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {"seq": None, "prev": None}
        return data if isinstance(data, dict) else {"seq": None, "prev": None}

    def _error(self, exc: OSError) -> AuditError:
        return AuditError(
            f"cannot write the audit trail {self.path}: {exc.strerror or exc}",
            hint="Make it writable, or set audit.path in sesctl.yaml (SESCTL_AUDIT_LOG). Nothing was changed.",
        )

    def _last(self, fd: int) -> tuple[int, str]:
        """(next seq, hash of the last entry), read from the end of the file."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0, GENESIS
        tail = b""
        position = size
        while position > 0:
            step = min(_TAIL_CHUNK, position)
            position -= step
            tail = os.pread(fd, step, position) + tail
            if tail.count(b"\n") >= 2 or position == 0:
                break
        if not tail.endswith(b"\n"):
            raise AuditError(
                f"the audit trail {self.path} ends with an incomplete line",
                hint="Run `sesctl audit verify`; a write was cut short. Nothing was changed.",
            )
        last = tail[:-1].rsplit(b"\n", 1)[-1]
        try:
            entry = json.loads(last)
            return int(entry["seq"]) + 1, str(entry["hash"])
        except (ValueError, KeyError, TypeError):
            raise AuditError(
                f"the last entry of the audit trail {self.path} is unreadable",
                hint="Run `sesctl audit verify` to see what was changed. Nothing was changed.",
            ) from None

    def _write_head(self, seq: int, hash_: str) -> None:
        head = head_for(seq, hash_, self.key)
        temporary = self.head_path.with_name(self.head_path.name + f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(head.as_json(), sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temporary, self.head_path)

    def lines(self) -> Iterator[str]:
        """The raw lines (each with its newline, the last one possibly without)."""
        try:
            with self.path.open("r", encoding="utf-8", newline="") as handle:
                yield from handle
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditError(f"cannot read the audit trail {self.path}: {exc}") from None

    def entries(self) -> Iterator[dict[str, Any]]:
        """Parsed entries; unreadable lines are skipped (`verify` reports them)."""
        for line in self.lines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield entry

    def head(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.head_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {"seq": None, "hash": None}  # reported as malformed by verify
        return data if isinstance(data, dict) else {"seq": None, "hash": None}

    def verify(self, *, use_head: bool = True) -> Verdict:
        return verify(self.lines(), self.key, self.head() if use_head else None, self.anchor())


def _lock(fd: int, path: Path) -> None:
    deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
    delay = 0.005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise AuditError(
                    f"the audit trail {path} stayed locked for {LOCK_TIMEOUT_SECONDS:.0f} s",
                    hint="Another sesctl is writing it; try again. Nothing was changed.",
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
        except OSError as exc:
            raise AuditError(f"cannot lock the audit trail {path}: {exc.strerror or exc}") from None


__all__ = ["FORMAT_VERSION", "AuditError", "AuditTrail", "Sink", "now_iso"]
