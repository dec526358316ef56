"""S3 objects for import and export jobs, read from and written to moto's S3 in this process
(the same buckets the emulator serves over HTTP).

SES reads an import job's source and writes an export's result with its own service
principal; the emulator does not check bucket policies, so a job fails here only for an object
or bucket that does not exist (which SES reports the same way as one it may not read).
Failed-record reports and exports without an S3Url go to a bucket of the emulator's own,
where SES would hand out a pre-signed URL to one of its own buckets.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.emulator.registry import OperationContext

_URL = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")


class JobStorageError(Exception):
    """The job's S3 object could not be read or written; the message is the job's ErrorMessage."""


def split_url(url: str) -> tuple[str, str]:
    match = _URL.match(url)
    if match is None:
        raise JobStorageError(f"{url} is not an S3 URL of the form s3://bucket/key.")
    return match["bucket"], match["key"]


def _backend(ctx: OperationContext) -> Any:
    services = ctx.services
    if services is None:
        raise JobStorageError("S3 is not reachable from this emulator (run it as a server: sesctl local serve).")
    return services.moto_backend("s3", ctx.region)


def read_object(ctx: OperationContext, url: str) -> bytes:
    from moto.s3.exceptions import MissingBucket

    bucket, key = split_url(url)
    try:
        found = _backend(ctx).get_object(bucket, key)
    except MissingBucket:
        found = None
    if found is None:
        raise JobStorageError(
            f"Unable to read {url}: the object does not exist, or SES is not allowed to read it "
            "(the bucket policy must let ses.amazonaws.com s3:GetObject it)."
        )
    value: bytes = found.value
    return value


def write_object(ctx: OperationContext, url: str, data: bytes) -> None:
    from moto.s3.exceptions import MissingBucket

    bucket, key = split_url(url)
    try:
        _backend(ctx).put_object(bucket, key, data)
    except MissingBucket:
        raise JobStorageError(
            f"Unable to write {url}: the bucket does not exist, or SES is not allowed to write to it "
            "(the bucket policy must let ses.amazonaws.com s3:PutObject there)."
        ) from None


def own_url(ctx: OperationContext, key: str) -> str:
    """An s3:// URL in the emulator's own bucket (made on first use) for ``key``."""
    from moto.s3.exceptions import MissingBucket

    bucket = f"sesctl-emulator-ses-jobs-{ctx.account_id}"
    backend = _backend(ctx)
    try:
        backend.get_bucket(bucket)
    except MissingBucket:
        backend.create_bucket(bucket, ctx.region)
    return f"s3://{bucket}/{key}"


__all__ = ["JobStorageError", "own_url", "read_object", "split_url", "write_object"]
