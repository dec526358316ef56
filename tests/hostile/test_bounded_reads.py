"""Files are read with a bound, so a device or a huge file is refused instead of filling
memory or hanging: a file named on the command line (plans, --data, suppression and address
files) and a file a repository names (manifests, template bodies)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from reconciler import files
from reconciler.errors import UsageError


def test_a_named_file_is_read_at_most_its_bound(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(files, "MAX_NAMED_FILE_BYTES", 1024)
    with pytest.raises(UsageError, match="/dev/zero: larger than"):
        files.read_text(Path("/dev/zero"), "the suppression file")
    small = tmp_path / "ok.csv"
    small.write_text("email\n", encoding="utf-8")
    assert files.read_text(small, "the suppression file") == "email\n"


def test_a_repository_file_must_be_regular_and_bounded(tmp_path: Path) -> None:
    fifo = tmp_path / "body.txt"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):  # no writer: it would block for ever
        files.read_regular_bytes(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        files.read_regular_bytes(Path("/dev/zero"))
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(OSError) as caught:
        files.read_regular_bytes(big, limit=1024)
    assert caught.value.errno == errno.EFBIG
    assert files.read_regular_bytes(big, limit=4096) == b"x" * 2048


def test_real_path_is_none_for_a_loop_or_a_nul(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert files.real_path(loop) is None
    assert files.real_path(tmp_path / "a\0b") is None
    assert files.real_path(tmp_path) == tmp_path.resolve()
