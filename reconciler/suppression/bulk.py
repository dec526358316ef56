"""Bulk suppression-list changes through SES's import jobs (docs/compliance.md).

The entries are written in SES's import format (CSV ``address,REASON``, no header; ``address``
alone to delete) to S3, at most SES's per-object limit to a job, and one CreateImportJob is
started per object; each job is then polled until it finishes. The objects hold addresses in
clear (SES must read them): they are deleted once their job has finished unless the caller
keeps them. Addresses never appear in what this module returns or raises.

SES has no export job for the suppression list (its export jobs cover VDM metrics and message
insights only), so exports stay with the paged ListSuppressedDestinations (entries.py).
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.aws.gateway import SesGateway, map_error
from reconciler.aws.s3url import parse_s3_url
from reconciler.errors import AwsError, UsageError
from reconciler.sending.masking import mask_text
from reconciler.suppression.entries import Entry

# SES's limits per import object: 100,000 addresses to add, 10,000 to remove.
MAX_PUT_RECORDS = 100_000
MAX_DELETE_RECORDS = 10_000
# Above this many entries `suppression import` uses import jobs when it has an S3 URL: the
# per-address API runs at about one request per second per operation.
BULK_THRESHOLD = 1_000
FINISHED = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
S3_HINT = (
    "sesctl needs s3:PutObject (and s3:DeleteObject) on the S3 URL; SES needs a bucket policy "
    "letting ses.amazonaws.com s3:GetObject there (docs/compliance.md, 'Migrating a suppression list')."
)


@dataclass
class JobOutcome:
    """One import job as reported to the user: no addresses, no pre-signed query string."""

    job_id: str
    object_url: str
    records: int
    status: str = "CREATED"
    processed: int = 0
    failed: int = 0
    error: str | None = None
    failed_records: str | None = None  # where SES put them, without the URL's signature
    uploaded_kept: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class BulkReport:
    jobs: list[JobOutcome] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return sum(j.processed for j in self.jobs)

    @property
    def failed(self) -> int:
        return sum(j.failed for j in self.jobs)

    @property
    def ok(self) -> bool:
        return all(j.status == "COMPLETED" for j in self.jobs)


def object_body(items: Sequence[Entry], action: str) -> bytes:
    """``items`` in SES's CSV import format (no header)."""
    out = io.StringIO()
    for item in items:
        out.write(f"{item.address},{item.reason}\n" if action == "PUT" else f"{item.address}\n")
    return out.getvalue().encode("utf-8")


def object_urls(url: str, parts: int, stamp: str) -> list[str]:
    """Where the ``parts`` objects go: under a prefix (``url`` ending in "/") one object per part
    named by ``stamp``; a key of its own is taken as given for one part, numbered for more."""
    bucket, key = parse_s3_url(url)
    if not key or key.endswith("/"):
        return [f"s3://{bucket}/{key}sesctl-suppression-{stamp}-{n + 1}.csv" for n in range(parts)]
    if parts == 1:
        return [url]
    stem, dot, ext = key.rpartition(".")
    base, suffix = (stem, f".{ext}") if dot else (key, "")
    return [f"s3://{bucket}/{base}-{n + 1}{suffix}" for n in range(parts)]


def public_url(url: str | None) -> str | None:
    """A pre-signed URL without its query string (the signature and any session token)."""
    if not url:
        return None
    return url.split("?", 1)[0] + (" (pre-signed; query string not shown)" if "?" in url else "")


def _s3(s3: Any, operation: str, **params: Any) -> Any:
    try:
        return getattr(s3, operation)(**params)
    except (ClientError, BotoCoreError) as exc:
        error = map_error(exc, operation, {k: v for k, v in params.items() if k != "Body"}, s3)
        raise AwsError(f"S3 {error}", code=error.code, operation=operation, hint=S3_HINT) from exc


def run_import(
    gateway: SesGateway,
    s3: Any,
    url: str,
    items: Sequence[Entry],
    *,
    action: str = "PUT",
    keep_upload: bool = False,
    timeout: float = 3600.0,
    poll_seconds: float = 2.0,
    on_progress: Callable[[JobOutcome], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> BulkReport:
    """Upload ``items`` and run one import job per object until each has finished."""
    if action not in ("PUT", "DELETE"):
        raise UsageError(f"unknown import action {action}")
    if not items:
        raise UsageError("nothing to import")
    limit = MAX_PUT_RECORDS if action == "PUT" else MAX_DELETE_RECORDS
    chunks = [items[i : i + limit] for i in range(0, len(items), limit)]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
    report = BulkReport()
    for chunk, object_url in zip(chunks, object_urls(url, len(chunks), stamp), strict=True):
        bucket, key = parse_s3_url(object_url)
        _s3(s3, "put_object", Bucket=bucket, Key=key, Body=object_body(chunk, action), ContentType="text/csv")
        started = gateway.call(
            "CreateImportJob",
            ImportDestination={"SuppressionListDestination": {"SuppressionListImportAction": action}},
            ImportDataSource={"S3Url": object_url, "DataFormat": "CSV"},
        )
        outcome = JobOutcome(str(started["JobId"]), object_url, len(chunk))
        report.jobs.append(outcome)
        _wait(gateway, outcome, timeout, poll_seconds, on_progress, sleep, clock)
        if keep_upload:
            outcome.uploaded_kept = True
        else:
            try:
                _s3(s3, "delete_object", Bucket=bucket, Key=key)
            except AwsError:
                outcome.uploaded_kept = True  # reported: the caller says to delete it by hand
        if outcome.status != "COMPLETED":
            break  # the next objects would most likely fail the same way
    return report


def _wait(
    gateway: SesGateway,
    outcome: JobOutcome,
    timeout: float,
    poll_seconds: float,
    on_progress: Callable[[JobOutcome], None] | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> None:
    deadline = clock() + timeout
    interval = poll_seconds
    while True:
        job = gateway.call("GetImportJob", JobId=outcome.job_id)
        outcome.status = str(job.get("JobStatus", "CREATED"))
        outcome.processed = int(job.get("ProcessedRecordsCount") or 0)
        outcome.failed = int(job.get("FailedRecordsCount") or 0)
        info = job.get("FailureInfo") or {}
        outcome.error = mask_text(str(info["ErrorMessage"])) if info.get("ErrorMessage") else None
        outcome.failed_records = public_url(info.get("FailedRecordsS3Url"))
        if on_progress is not None:
            on_progress(outcome)
        if outcome.status in FINISHED:
            return
        if clock() >= deadline:
            raise AwsError(
                f"import job {outcome.job_id} is still {outcome.status} after {timeout:.0f} s",
                code="Timeout",
                operation="GetImportJob",
                hint=f"SES goes on with it: `sesctl suppression jobs {outcome.job_id}` shows how it ends.",
            )
        sleep(interval)
        interval = min(interval * 1.5, 30.0)


def job_outcome(gateway: SesGateway, job_id: str) -> dict[str, Any]:
    """One import job as `sesctl suppression jobs JOB_ID` shows it (no addresses, no signature)."""
    job = gateway.call("GetImportJob", JobId=job_id)
    info = job.get("FailureInfo") or {}
    destination = job.get("ImportDestination") or {}
    spec = destination.get("SuppressionListDestination") or destination.get("ContactListDestination") or {}
    return {
        "job_id": job_id,
        "status": job.get("JobStatus"),
        "destination": "suppression list" if "SuppressionListDestination" in destination else "contact list",
        "action": spec.get("SuppressionListImportAction") or spec.get("ContactListImportAction"),
        "source": (job.get("ImportDataSource") or {}).get("S3Url"),
        "created": _iso(job.get("CreatedTimestamp")),
        "completed": _iso(job.get("CompletedTimestamp")),
        "processed": job.get("ProcessedRecordsCount"),
        "failed": job.get("FailedRecordsCount"),
        "error": mask_text(str(info["ErrorMessage"])) if info.get("ErrorMessage") else None,
        "failed_records": public_url(info.get("FailedRecordsS3Url")),
    }


def list_jobs(gateway: SesGateway) -> list[dict[str, Any]]:
    """The suppression-list import jobs SES knows, oldest first."""
    found = gateway.paginate("ListImportJobs", "ImportJobs", cached=False, ImportDestinationType="SUPPRESSION_LIST")
    return [
        {
            "job_id": job.get("JobId"),
            "status": job.get("JobStatus"),
            "action": ((job.get("ImportDestination") or {}).get("SuppressionListDestination") or {}).get(
                "SuppressionListImportAction"
            ),
            "created": _iso(job.get("CreatedTimestamp")),
            "processed": job.get("ProcessedRecordsCount"),
            "failed": job.get("FailedRecordsCount"),
        }
        for job in found
    ]


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (str(value) if value else None)


__all__ = [
    "BULK_THRESHOLD",
    "MAX_DELETE_RECORDS",
    "MAX_PUT_RECORDS",
    "BulkReport",
    "JobOutcome",
    "job_outcome",
    "list_jobs",
    "object_body",
    "object_urls",
    "public_url",
    "run_import",
]
