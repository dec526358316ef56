"""Reading and writing the files a user names on the command line (plans, data, previews).

Every failure becomes a ReconcilerError naming the file and the reason, so a missing
directory, a binary file or a permission problem is a one-line message, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.errors import ReconcilerError, UsageError


def read_text(
    path: Path, what: str, *, hint: str | None = None, error: type[ReconcilerError] = UsageError
) -> str:
    """The UTF-8 text of ``path``; ``what`` names the file in the message ("the plan file")."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise error(f"cannot read {what} {path}: it is a directory", hint=hint) from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}", hint=hint) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            f"cannot read {what} {path}: not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start})",
            hint=hint,
        ) from None


def write_text(path: Path, text: str, what: str) -> None:
    """Write ``text`` to ``path`` (UTF-8); a missing directory or no permission is a UsageError."""
    try:
        # newline="": the text is written as is (\r\n stays \r\n on every OS).
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        hint = "Create the directory first." if isinstance(exc, FileNotFoundError) else None
        raise UsageError(f"cannot write {what} {path}: {exc.strerror or exc}", hint=hint) from None


__all__ = ["read_text", "write_text"]
