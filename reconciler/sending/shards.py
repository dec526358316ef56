"""Sharding a campaign across processes: which process sends which recipient, and the layout of
a sharded checkpoint.

    shard_of("Ada@Example.org ", 3)        # 0, 1 or 2: the same for every spelling of the address
    shard_rows(read_recipients(path), 1, 3)  # the rows the second of three processes sends
    journal_path(Path("welcome.ckpt"), 1, 3) # welcome.ckpt.shard-2-of-3

**The partition.** A recipient's shard is ``sha256("sesctl-shard\\0" + address)``, its first 8
bytes as a big-endian integer, modulo the number of processes, where the address is normalized
the way the duplicate set, the suppression set and the A/B hash compare it
(addresses.normalized). So every row of one address lands in one shard, and each shard's
duplicate set is exact for the whole file; the variant and the holdout depend on the address
alone, not on the shard, so they do not change with the number of processes. The hash is fixed
(not keyed per process) because a resume must find every row in the shard that journaled it.

**The checkpoint.** With N processes, ``--checkpoint FILE`` holds a manifest (one JSON line:
the number of processes, the partition, the campaign's run id) and each shard journals into its
own file beside it, ``FILE.shard-K-of-N``, exactly as one process journals into FILE
(checkpoint.py). Rows keep their position in the whole file, and every shard carries the one run
id, so the idempotency tags (``<run id>-<row>``) are those a single process would use. A resume
with another N is refused: it would move recipients to shards whose journals never saw them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reconciler.sending.addresses import normalized
from reconciler.sending.checkpoint import CheckpointError, CheckpointLock
from reconciler.sending.recipients import Recipient

MAX_PROCESSES = 32
PARTITION = "sha256(sesctl-shard\\0 + lower(strip(address)))[:8] mod N"
MANIFEST = "shards"  # the manifest line's type


def shard_of(address: str, shards: int) -> int:
    """The shard (0 .. shards-1) of the recipient ``address``."""
    if shards <= 1:
        return 0
    digest = hashlib.sha256(b"sesctl-shard\0" + normalized(address).encode()).digest()
    return int.from_bytes(digest[:8], "big") % shards


def shard_rows(rows: Iterable[Recipient], shard: int, shards: int) -> Iterator[Recipient]:
    """The rows of ``shard``, in file order, with their positions in the whole file."""
    return (row for row in rows if shard_of(row.email, shards) == shard)


def journal_path(checkpoint: Path, shard: int, shards: int) -> Path:
    """Where shard ``shard`` (from 0) of a run of ``shards`` processes journals."""
    return checkpoint.with_name(f"{checkpoint.name}.shard-{shard + 1}-of-{shards}")


def check_shards_idle(checkpoint: Path, shards: int) -> None:
    """Refuse (CheckpointLock's "in use" error) while a worker of an earlier run still holds a
    shard's journal: the workers of a killed sesctl finish their calls in flight before they
    exit. Checked before the preview, so a resume is refused as a whole, not shard by shard."""
    for shard in range(shards):
        with CheckpointLock(journal_path(checkpoint, shard, shards)):
            pass


@dataclass(frozen=True)
class Manifest:
    processes: int
    run_id: str
    partition: str = PARTITION


def _first_line(path: Path) -> dict[str, object] | None:
    """The checkpoint's first line as JSON, None when there is no checkpoint yet or it is not a
    JSON object (Journal.replay names such a file with its line)."""
    try:
        with path.open("rb") as handle:
            line = handle.readline(1 << 16)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        entry = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return entry if isinstance(entry, dict) else None


def read_manifest(checkpoint: Path) -> Manifest | None:
    """The manifest of a sharded checkpoint; None when ``checkpoint`` is not one (yet)."""
    entry = _first_line(checkpoint)
    if entry is None or entry.get("type") != MANIFEST:
        return None
    processes, run_id = entry.get("processes"), entry.get("run_id")
    if not isinstance(processes, int) or not isinstance(run_id, str) or not 2 <= processes <= MAX_PROCESSES:
        raise CheckpointError(f"{checkpoint}:1: not a sesctl send checkpoint manifest")
    return Manifest(processes, run_id, str(entry.get("partition", PARTITION)))


def check_layout(checkpoint: Path, processes: int) -> None:
    """Refuse to resume a checkpoint with another number of processes than it was started with,
    before anything is read or sent."""
    entry = _first_line(checkpoint)
    if entry is None:
        return
    kind = entry.get("type")
    if kind == MANIFEST:
        manifest = read_manifest(checkpoint)
        assert manifest is not None
        if manifest.partition != PARTITION:
            raise CheckpointError(
                f"{checkpoint} was sharded by another partition ({manifest.partition}) than this sesctl's",
                hint="Resume it with the sesctl version that started it, or pass a new --checkpoint.",
            )
        if manifest.processes != processes:
            raise CheckpointError(
                f"{checkpoint} was started with --processes {manifest.processes}, this run has "
                f"--processes {processes}: the recipients are split among the processes by a hash of "
                "their address, and each shard's journal knows only its own recipients, so another "
                "number would send some of them again",
                hint=f"Resume with --processes {manifest.processes}, or pass a new --checkpoint for a new run.",
            )
    elif kind == "run" and processes > 1:
        raise CheckpointError(
            f"{checkpoint} was started by one process (without --processes), this run has "
            f"--processes {processes}: a checkpoint is resumed with the processes it was started with",
            hint="Resume without --processes (or with --processes 1), or pass a new --checkpoint for a new run.",
        )


def write_manifest(checkpoint: Path, processes: int, run_id: str) -> Manifest:
    """The checkpoint's manifest: the one already there (checked against ``processes``), or a
    new one written atomically and durably (a crash leaves either no manifest or a whole one)."""
    check_layout(checkpoint, processes)
    found = read_manifest(checkpoint)
    if found is not None:
        return found
    if checkpoint.exists() and checkpoint.stat().st_size > 0:
        raise CheckpointError(
            f"{checkpoint}:1: not a sesctl send checkpoint",
            hint="Pass a new --checkpoint path, or the file of the run you want to resume.",
        )
    manifest = Manifest(processes, run_id)
    line = {
        "type": MANIFEST,
        "processes": processes,
        "partition": PARTITION,
        "run_id": run_id,
        "journals": [journal_path(checkpoint, k, processes).name for k in range(processes)],
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    handle, temporary = tempfile.mkstemp(prefix=f".{checkpoint.name}.", dir=checkpoint.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(json.dumps(line, separators=(",", ":")) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, checkpoint)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(checkpoint.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return manifest


class AnyOf:
    """Rows in any of several sets: the rows a sharded checkpoint's journals finished."""

    def __init__(self, parts: Sequence[Container[int]]) -> None:
        self.parts = parts

    def __contains__(self, row: object) -> bool:
        return any(row in part for part in self.parts)
