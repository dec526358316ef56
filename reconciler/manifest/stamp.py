"""Whether a project's manifests changed, without reading them: a stamp of sesctl.yaml and of
every manifest file the loader would read (its path, inode, size and modification time).

    before = stamp(project_file, project.manifest_paths)
    ...
    if stamp(project_file, project.manifest_paths) != before: reload

A stat per file, nothing parsed: for 5,000 template manifests 0.12-0.29 s, against 8.6 s to load
them (measured on a shared, busy 2-core machine: the ratio, about 30x, is the point).
A file rewritten within the file system's timestamp granularity (a few milliseconds) with the
same size keeps its stamp: ``Stamp.settled`` says whether the newest file is older than that,
so that a caller keeps what it loaded only once nothing can still change unseen (as git does
with its "racily clean" index entries).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.manifest.loader import discover

SETTLE_NS = 1_000_000_000  # well above any file system's timestamp granularity


@dataclass(frozen=True)
class Stamp:
    files: tuple[tuple[str, int, int, int], ...]  # (path, inode, size, mtime_ns); a missing file: zeros
    taken_ns: int = field(compare=False)  # when: two stamps of the same files are equal

    @property
    def settled(self) -> bool:
        """No file changed so recently that a change within the same timestamp could be missed."""
        newest = max((mtime for *_, mtime in self.files), default=0)
        return newest < self.taken_ns - SETTLE_NS


def _entry(path: Path) -> tuple[str, int, int, int]:
    try:
        found = path.stat()
    except OSError:
        return (str(path), 0, 0, 0)
    return (str(path), found.st_ino, found.st_size, found.st_mtime_ns)


def stamp(project_file: Path | None, manifest_paths: Iterable[Path]) -> Stamp:
    taken = time.time_ns()
    files = [_entry(project_file)] if project_file is not None else []
    for root in manifest_paths:
        if not root.exists():
            files.append(_entry(root))  # appears later: a change
            continue
        files.extend(_entry(path) for path in discover(root))
    return Stamp(tuple(files), taken)


__all__ = ["SETTLE_NS", "Stamp", "stamp"]
