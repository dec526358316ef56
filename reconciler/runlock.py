"""One run at a time: an OS lock on a file for as long as a run holds it.

    with RunLock(Path(".sesctl/locks/apply-....lock"), busy=lambda pid: PlanError(...)):
        ...  # a second RunLock on the same file, in any process, raises busy(its holder's pid)

The second run is refused rather than made to wait: a wait would end with the second run
acting on what it read before the first finished. ``flock`` locks die with their process, so
a killed run never leaves the file locked; the file is removed on release (while still
locked, so nobody can lock the removed inode after us) and holds the holder's pid for the
message. The lock is local to one machine: two machines (two CI runners) do not see each
other's lock files.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from reconciler.errors import ReconcilerError


class RunLock:
    def __init__(
        self,
        path: Path,
        *,
        busy: Callable[[int | None], ReconcilerError],
        error: type[ReconcilerError] = ReconcilerError,
    ) -> None:
        """``busy(pid)`` is raised when another holds the lock; ``error`` when the file cannot be made."""
        self.path = path
        self._busy = busy
        self._error = error
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self._fd = self._acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None

    def _acquire(self) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._error(
                f"cannot create {self.path.parent} for a lock: {exc.strerror or exc}"
            ) from None
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                raise self._error(
                    f"cannot create the lock file {self.path}: {exc.strerror or exc}"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_pid(fd)
                os.close(fd)
                raise self._busy(holder) from None
            # The holder before us may have removed the file between our open and our lock: then
            # we locked an orphan inode and must lock the file that is there now.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                return fd
            os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


__all__ = ["RunLock"]
