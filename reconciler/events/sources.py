"""Where event records come from: an SQS queue, Firehose objects in S3, files. Each source
yields batches of raw records and is told when a batch is committed (SQS messages are deleted
only then).

A batch also names the objects it finishes (S3 key and ETag), which the store records in the
same transaction as their events: a consumer stopped at any point reads no object twice, and
loses none.
"""

from __future__ import annotations

import gzip
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.aws.gateway import map_error
from reconciler.aws.s3url import parse_s3_url as parse_s3_url  # re-exported: the CLI imports it from here
from reconciler.errors import UsageError
from reconciler.events.records import documents
from reconciler.files import MAX_NAMED_FILE_BYTES

GZIP_MAGIC = b"\x1f\x8b"
# Records per commit. A queue's batch stays small (its lag grows while it fills); S3 objects and
# files commit in larger ones: a commit costs about as much as 800 inserts (measured, WAL).
QUEUE_BATCH_SIZE = 100
BULK_BATCH_SIZE = 5000
# An S3 object or file above what sesctl reads of any file named to it (1 GiB, decompressed) is
# refused, not read.
MAX_OBJECT_BYTES = MAX_NAMED_FILE_BYTES
Stop = Callable[[], bool]


@dataclass(frozen=True)
class Item:
    raw: bytes
    origin: str  # where it came from, for the quarantine: queue and message id, key and line


@dataclass
class Batch:
    origin: str
    items: list[Item] = field(default_factory=list)
    objects: list[tuple[str, str]] = field(default_factory=list)  # finished: (location, etag)
    receipts: list[str] = field(default_factory=list)  # SQS receipt handles, deleted after commit


class Source(Protocol):
    @property
    def origin(self) -> str: ...

    def batches(self) -> Iterator[Batch]: ...

    def acknowledge(self, batch: Batch) -> int:
        """The batch is committed; returns how many acknowledgements failed (they come back
        and are counted once)."""
        ...


def _call(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    try:
        response: dict[str, Any] = getattr(client, operation)(**params)
    except (ClientError, BotoCoreError) as exc:
        raise map_error(exc, operation, params, client) from exc
    return response


def decompress(data: bytes, origin: str) -> bytes:
    """Gzip is recognised by its magic bytes, whatever the name or Content-Encoding say."""
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        inflater = zlib.decompressobj(wbits=31)
        out = inflater.decompress(data, MAX_OBJECT_BYTES + 1)
        while inflater.unused_data.startswith(GZIP_MAGIC):  # concatenated gzip members
            rest = inflater.unused_data
            inflater = zlib.decompressobj(wbits=31)
            out += inflater.decompress(rest, MAX_OBJECT_BYTES + 1 - len(out))
    except zlib.error as exc:
        raise UsageError(f"{origin}: not valid gzip: {exc}") from None
    if len(out) > MAX_OBJECT_BYTES:
        raise UsageError(f"{origin}: more than {MAX_OBJECT_BYTES:,} bytes decompressed; refused")
    if not inflater.eof:  # a cut-off upload: what is missing would be lost without a word
        raise UsageError(f"{origin}: not valid gzip: the data ends before the compressed stream does")
    return out


def _chunks(origin: str, data: bytes, size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for line, raw in documents(data):
        chunk.append(Item(raw, f"{origin}:{line}"))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    yield chunk


# ---- SQS -------------------------------------------------------------------------------------


@dataclass
class SqsSource:
    """Long-polls a queue. A batch closes at ``batch_size`` messages, after ``max_batch_seconds``
    or when the queue answers empty. Without ``follow`` the source ends at the first empty
    answer."""

    client: Any
    queue_url: str
    batch_size: int = QUEUE_BATCH_SIZE
    follow: bool = False
    wait_seconds: int = 20
    visibility_timeout: int | None = None
    max_batch_seconds: float = 1.0
    stop: Stop = lambda: False

    @property
    def origin(self) -> str:
        return "sqs:" + self.queue_url.rstrip("/").rsplit("/", 1)[-1]

    def batches(self) -> Iterator[Batch]:
        while not self.stop():
            batch = Batch(self.origin)
            started = time.monotonic()
            empty = False
            while len(batch.items) < self.batch_size and not self.stop():
                waited = time.monotonic() - started
                if batch.items and waited >= self.max_batch_seconds:
                    break
                # While a batch is open, poll briefly: its lag grows while we wait.
                wait = 0 if batch.items else (self.wait_seconds if self.follow else 1)
                params: dict[str, Any] = {
                    "QueueUrl": self.queue_url,
                    "MaxNumberOfMessages": min(10, self.batch_size - len(batch.items)),
                    "WaitTimeSeconds": wait,
                }
                if self.visibility_timeout is not None:
                    params["VisibilityTimeout"] = self.visibility_timeout
                messages = _call(self.client, "receive_message", **params).get("Messages", [])
                if not messages:
                    empty = True
                    break
                for message in messages:
                    body = message.get("Body", "")
                    batch.items.append(Item(body.encode(), f"{self.origin} {message.get('MessageId', '?')}"))
                    batch.receipts.append(message["ReceiptHandle"])
            if batch.items:
                yield batch
            if empty and not self.follow:
                return

    def acknowledge(self, batch: Batch) -> int:
        failed = 0
        for start in range(0, len(batch.receipts), 10):
            entries = [
                {"Id": str(index), "ReceiptHandle": handle}
                for index, handle in enumerate(batch.receipts[start : start + 10])
            ]
            answer = _call(self.client, "delete_message_batch", QueueUrl=self.queue_url, Entries=entries)
            failed += len(answer.get("Failed", []))
        return failed


def queue_url(client: Any, queue: str) -> str:
    """A queue URL from a URL or a name."""
    if queue.startswith(("https://", "http://")):
        return queue
    return str(_call(client, "get_queue_url", QueueName=queue)["QueueUrl"])


# ---- S3 (Firehose) --------------------------------------------------------------------------


@dataclass
class S3Source:
    """Firehose objects under ``s3://bucket/prefix``, oldest key first, whose LastModified is in
    [since, until). Objects already recorded in the store (same ETag) are skipped; with
    ``follow`` the prefix is listed again every ``poll_seconds``."""

    client: Any
    bucket: str
    prefix: str
    processed: Callable[[str], str | None]
    since: datetime | None = None
    until: datetime | None = None
    batch_size: int = BULK_BATCH_SIZE
    follow: bool = False
    poll_seconds: float = 10.0
    stop: Stop = lambda: False

    @property
    def origin(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _listing(self) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix}
            if token:
                params["ContinuationToken"] = token
            page = _call(self.client, "list_objects_v2", **params)
            yield from page.get("Contents", [])
            token = page.get("NextContinuationToken")
            if not token:
                return

    def batches(self) -> Iterator[Batch]:
        while not self.stop():
            for entry in self._listing():
                if self.stop():
                    return
                key = str(entry["Key"])
                etag = str(entry.get("ETag", "")).strip('"')
                modified = entry.get("LastModified")
                if isinstance(modified, datetime):
                    if (self.since and modified < self.since) or (self.until and modified >= self.until):
                        continue
                location = f"s3://{self.bucket}/{key}"
                if self.processed(location) == etag:
                    continue
                if int(entry.get("Size", 0)) > MAX_OBJECT_BYTES:
                    raise UsageError(f"{location}: larger than {MAX_OBJECT_BYTES:,} bytes; refused")
                body = _call(self.client, "get_object", Bucket=self.bucket, Key=key)["Body"].read()
                data = decompress(body, location)
                chunks = list(_chunks(location, data, self.batch_size))
                for index, chunk in enumerate(chunks):
                    batch = Batch(self.origin, items=chunk)
                    if index == len(chunks) - 1:
                        batch.objects.append((location, etag))
                    yield batch
            if not self.follow:
                return
            deadline = time.monotonic() + self.poll_seconds
            while time.monotonic() < deadline and not self.stop():
                time.sleep(min(0.2, self.poll_seconds))

    def acknowledge(self, batch: Batch) -> int:
        return 0


# ---- files ------------------------------------------------------------------------------------


@dataclass
class FileSource:
    """Newline-delimited JSON files (gzip or not), ``-`` for standard input. Files are not
    remembered: reading one again adds nothing, because every event has its key."""

    paths: list[str]
    batch_size: int = BULK_BATCH_SIZE
    stop: Stop = lambda: False

    @property
    def origin(self) -> str:
        return "files"

    def batches(self) -> Iterator[Batch]:
        for name in self.paths:
            if self.stop():
                return
            if name == "-":
                data, label = sys.stdin.buffer.read(MAX_OBJECT_BYTES + 1), "stdin"
            else:
                path = Path(name)
                label = str(path)
                try:
                    if path.is_dir():
                        raise UsageError(f"{path} is a directory; give the files in it")
                    if path.stat().st_size > MAX_OBJECT_BYTES:
                        raise UsageError(f"{path}: larger than {MAX_OBJECT_BYTES:,} bytes; refused")
                    with path.open("rb") as handle:  # bounded: /dev/zero has no size to check
                        data = handle.read(MAX_OBJECT_BYTES + 1)
                except OSError as exc:
                    raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
            if len(data) > MAX_OBJECT_BYTES:
                raise UsageError(f"{label}: larger than {MAX_OBJECT_BYTES:,} bytes; refused")
            data = decompress(data, label)
            for chunk in _chunks(f"file:{label}", data, self.batch_size):
                if chunk:
                    yield Batch(f"file:{label}", items=chunk)

    def acknowledge(self, batch: Batch) -> int:
        return 0


def gzip_lines(lines: list[bytes]) -> bytes:
    """Newline-delimited, gzip-compressed: what a Firehose stream with GZIP compression writes."""
    return gzip.compress(b"".join(line.rstrip(b"\n") + b"\n" for line in lines))
