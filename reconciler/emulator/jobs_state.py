"""The import and export jobs of one region's SES state (operations/import_jobs.py,
operations/export_jobs.py).

A job runs when it is observed: the first GetImportJob/ListImportJobs (GetExportJob,
ListExportJobs) at or after ``created + delay_seconds`` reads its source, applies or writes it
and leaves it COMPLETED or FAILED. Before that it is CREATED (never observed) or PROCESSING.
``delay_seconds`` is 0 unless a test sets it (admin action ``configure_jobs``) to watch a job
in flight or cancel one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from reconciler.emulator.registry import OperationContext

JobStatus = Literal["CREATED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"]
FINISHED: frozenset[str] = frozenset({"COMPLETED", "FAILED", "CANCELLED"})


class Job(BaseModel):
    job_id: str
    status: JobStatus = "CREATED"
    created: datetime
    completed: datetime | None = None
    # FailureInfo: ErrorMessage for a job that failed as a whole, FailedRecordsS3Url for the
    # records that failed one by one (the job itself may still be COMPLETED).
    error_message: str | None = None
    failed_records_url: str | None = None
    processed: int = 0

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def due(self, now: datetime, delay_seconds: float) -> bool:
        """Observed at ``now``: True when the job should run now; else it is (still) in flight."""
        if self.finished:
            return False
        if (now - self.created).total_seconds() >= delay_seconds:
            return True
        self.status = "PROCESSING"
        return False

    def finish(self, now: datetime, error: str | None = None) -> None:
        self.status = "FAILED" if error else "COMPLETED"
        self.error_message = error
        self.completed = now

    def failure_info(self) -> dict[str, str] | None:
        info = {
            k: v
            for k, v in (("ErrorMessage", self.error_message), ("FailedRecordsS3Url", self.failed_records_url))
            if v
        }
        return info or None


class ImportJob(Job):
    destination: dict[str, Any]  # ImportDestination as given
    source: dict[str, Any]  # ImportDataSource as given
    failed: int = 0


class ExportJob(Job):
    source_type: Literal["METRICS_DATA", "MESSAGE_INSIGHTS"]
    source: dict[str, Any]  # ExportDataSource, timestamps as ISO strings
    destination: dict[str, Any]  # ExportDestination (S3Url filled in when SES chose it)
    exported: int = 0


J = TypeVar("J", bound=Job)


def advance(ctx: OperationContext, job: J, run: Callable[[OperationContext, J], None]) -> J:
    """``job`` observed now: ``run`` it when it is due (it then finishes), else leave it in flight."""
    if job.due(ctx.now(), ctx.state.jobs.delay_seconds):
        run(ctx, job)
    return job


class JobsState(BaseModel):
    import_jobs: dict[str, ImportJob] = Field(default_factory=dict)
    export_jobs: dict[str, ExportJob] = Field(default_factory=dict)
    delay_seconds: float = 0.0


__all__ = ["FINISHED", "ExportJob", "ImportJob", "Job", "JobStatus", "JobsState", "advance"]
