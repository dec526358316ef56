"""Reading and writing the files a user names on the command line (plans, data, previews).

Every failure becomes a ReconcilerError naming the file and the reason, so a missing
directory, a binary file or a permission problem is a one-line message, never a traceback.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from reconciler.errors import ReconcilerError, UsageError

# What a file named by a repository (a manifest, a template body) may weigh. SES takes at most
# 500 KB per template; the cap only keeps a hostile pull request from filling the runner's memory.
MAX_PROJECT_FILE_BYTES = 16 * 1024 * 1024
# What a file named on the command line (a plan, --data, a suppression list) may weigh.
MAX_NAMED_FILE_BYTES = 1024 * 1024 * 1024


def read_text(
    path: Path, what: str, *, hint: str | None = None, error: type[ReconcilerError] = UsageError
) -> str:
    """The UTF-8 text of ``path``; ``what`` names the file in the message ("the plan file").
    At most MAX_NAMED_FILE_BYTES are read: /dev/zero is refused instead of filling memory (a
    pipe, as bash's <(...) gives, is still read)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_NAMED_FILE_BYTES + 1)
    except IsADirectoryError:
        raise error(f"cannot read {what} {path}: it is a directory", hint=hint) from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}", hint=hint) from None
    if len(raw) > MAX_NAMED_FILE_BYTES:
        raise error(f"cannot read {what} {path}: larger than {MAX_NAMED_FILE_BYTES >> 20} MB", hint=hint)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            f"cannot read {what} {path}: not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start})",
            hint=hint,
        ) from None


def read_regular_bytes(path: Path, limit: int = MAX_PROJECT_FILE_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes; OSError (with
    ``strerror`` saying why) otherwise. The check is made on the open descriptor, opened
    without blocking: a FIFO in a pull request must not hang `validate`, nor /dev/zero fill
    the memory."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit // (1024 * 1024)} MB", str(path))
    return data


def real_path(path: Path) -> Path | None:
    """``path`` with symbolic links resolved, or None when it cannot be: a symlink loop, or a
    NUL byte in a name written in a manifest."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError):  # RuntimeError: a loop, before Python 3.13
        return None
    try:
        resolved.stat()
    except OSError as exc:  # Python 3.13 resolves a loop without complaint; stat does not
        if exc.errno == errno.ELOOP:
            return None
    return resolved


def write_text(path: Path, text: str, what: str) -> None:
    """Write ``text`` to ``path`` (UTF-8); a missing directory or no permission is a UsageError."""
    try:
        # newline="": the text is written as is (\r\n stays \r\n on every OS).
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        hint = "Create the directory first." if isinstance(exc, FileNotFoundError) else None
        raise UsageError(f"cannot write {what} {path}: {exc.strerror or exc}", hint=hint) from None


__all__ = ["MAX_PROJECT_FILE_BYTES", "read_regular_bytes", "read_text", "real_path", "write_text"]
