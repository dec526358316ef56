"""``s3://bucket/prefix`` URLs as commands take them (events consume, suppression import)."""

from __future__ import annotations

from reconciler.errors import UsageError


def parse_s3_url(url: str) -> tuple[str, str]:
    """(bucket, key or prefix) of ``url``; a UsageError for anything else."""
    if not url.startswith("s3://") or len(url) <= 5:
        raise UsageError(f"{url!r} is not an s3://bucket/prefix URL")
    bucket, _, prefix = url[5:].partition("/")
    if not bucket:
        raise UsageError(f"{url!r} names no bucket")
    return bucket, prefix


__all__ = ["parse_s3_url"]
