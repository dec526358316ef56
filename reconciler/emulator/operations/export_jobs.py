"""Export jobs: CreateExportJob, GetExportJob, ListExportJobs, CancelExportJob.

SES exports two sources, and only these (there is no export of the suppression list or of
contacts; those are read with ListSuppressedDestinations and ListContacts):

* MessageInsightsDataSource: the messages sent between StartDate and EndDate, filtered by
  Include/Exclude (FromEmailAddress, Destination, Subject, LastDeliveryEvent; the emulator
  records no per-message ISP or engagement, so filters on those match nothing), at most
  MaxResults. One record per message.
* MetricsDataSource: VDM metrics (counts, or rates) for the dimension values asked for, over
  the window, as BatchGetMetricData counts them (vdm.py). One record per dimension value.

Records are written as CSV (header row) or JSON Lines to ExportDestination.S3Url (a URL ending
in "/" is a prefix: ``<prefix><JobId>.csv|.jsonl``), or without one to the emulator's own bucket
(GetExportJob then names it in ExportDestination.S3Url). SES allows one CreateExportJob per
second; a second one within the same second answers TooManyRequestsException.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from reconciler.emulator import vdm
from reconciler.emulator.errors import BadRequestException, TooManyRequestsException
from reconciler.emulator.job_storage import JobStorageError, own_url, write_object
from reconciler.emulator.jobs_state import ExportJob, advance
from reconciler.emulator.lookups import find_in
from reconciler.emulator.operations.common import listing, paginate
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.sending_state import SentMessage
from reconciler.emulator.state import SesState

# The sent-message outcome -> SES's DeliveryEventType of the message's last delivery event.
LAST_DELIVERY_EVENT = {
    "delivered": "DELIVERY",
    "bounced": "PERMANENT_BOUNCE",
    "complained": "COMPLAINT",
}
def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def _window(source: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(source["StartDate"]), datetime.fromisoformat(source["EndDate"])


@operation("CreateExportJob")
def create_export_job(ctx: OperationContext, params: Params) -> Result:
    source = params["ExportDataSource"]
    given = [k for k in ("MetricsDataSource", "MessageInsightsDataSource") if source.get(k) is not None]
    if len(given) != 1:
        raise BadRequestException(
            "ExportDataSource must have exactly one of MetricsDataSource and MessageInsightsDataSource."
        )
    chosen = source[given[0]]
    if chosen["StartDate"] >= chosen["EndDate"]:
        raise BadRequestException("EndDate must be after StartDate.")
    now = ctx.now()
    jobs = ctx.state.jobs.export_jobs
    latest = max((j.created for j in jobs.values()), default=None)
    if latest is not None and (now - latest).total_seconds() < 1:
        raise TooManyRequestsException("Too many requests: CreateExportJob can be called once per second.")
    if given == ["MetricsDataSource"]:
        for metric in chosen["Metrics"]:
            if "Name" not in metric or "Aggregation" not in metric:
                raise BadRequestException("Each ExportMetric needs a Name and an Aggregation.")
    job = ExportJob(
        job_id=str(uuid.uuid4()),
        created=now,
        source_type="METRICS_DATA" if given == ["MetricsDataSource"] else "MESSAGE_INSIGHTS",
        source={given[0]: _iso(chosen)},
        destination=dict(params["ExportDestination"]),
    )
    jobs[job.job_id] = job
    return {"JobId": job.job_id}


def _run(ctx: OperationContext, job: ExportJob) -> None:
    if job.source_type == "MESSAGE_INSIGHTS":
        source = job.source["MessageInsightsDataSource"]
        records = _insights(ctx.state.sending.messages(), source)
    else:
        source = job.source["MetricsDataSource"]
        records = _metrics(ctx.state, source)
    data_format = job.destination["DataFormat"]
    url = job.destination.get("S3Url")
    extension = "csv" if data_format == "CSV" else "jsonl"
    if not url:
        url = own_url(ctx, f"export-jobs/{job.job_id}.{extension}")
        job.destination["S3Url"] = url
    elif url.endswith("/"):
        url = f"{url}{job.job_id}.{extension}"
    try:
        write_object(ctx, url, _serialize(records, data_format))
    except JobStorageError as exc:
        job.finish(ctx.now(), str(exc))
        return
    job.processed = job.exported = len(records)
    job.finish(ctx.now())


def _matches(message: SentMessage, filters: dict[str, Any] | None) -> bool:
    """True when ``message`` matches every filter given (an empty filter set matches all)."""
    return all(_matches_one(message, key, values) for key, values in (filters or {}).items() if values)


def _matches_one(message: SentMessage, key: str, wanted: list[str]) -> bool:
    if key == "FromEmailAddress":
        return message.source.lower() in {w.lower() for w in wanted}
    if key == "Destination":
        return bool({r.lower() for r in message.recipients} & {w.lower() for w in wanted})
    if key == "Subject":
        return (message.subject or "") in wanted
    if key == "LastDeliveryEvent":
        return _last_delivery(message) in wanted
    return False  # Isp, LastEngagementEvent: not recorded per message


def _excluded(message: SentMessage, filters: dict[str, Any] | None) -> bool:
    if not filters:
        return False
    present = {k: v for k, v in filters.items() if v}
    return any(_matches(message, {key: values}) for key, values in present.items())


def _last_delivery(message: SentMessage) -> str:
    outcomes = [LAST_DELIVERY_EVENT.get(o) for o in message.outcomes.values()]
    return next((o for o in outcomes if o), "SEND")


def _insights(messages: Iterable[SentMessage], source: dict[str, Any]) -> list[dict[str, Any]]:
    start, end = _window(source)
    found = []
    for message in messages:
        if not start <= message.timestamp < end:
            continue
        if not _matches(message, source.get("Include")) or _excluded(message, source.get("Exclude")):
            continue
        found.append(
            {
                "messageId": message.message_id,
                "sendTimestamp": message.timestamp.isoformat(),
                "fromEmailAddress": message.source,
                "subject": message.subject or "",
                "destination": message.recipients,
                "lastDeliveryEvent": _last_delivery(message),
            }
        )
    limit = source.get("MaxResults")
    return found[:limit] if limit else found


def _metrics(state: SesState, source: dict[str, Any]) -> list[dict[str, Any]]:
    """One record per dimension value: each metric's VDM count over the window (vdm.py), or
    its rate over its denominator (vdm.RATE_BASE, else SEND)."""
    start, end = _window(source)
    records = []
    for dimension, values in sorted(source["Dimensions"].items()):
        for value in values:
            where = {dimension: value}
            record: dict[str, Any] = {"dimension": dimension, "value": value}
            for metric in source["Metrics"]:
                name, aggregation = metric["Name"], metric["Aggregation"]
                count = vdm.total(state, name, start, end, where)
                if aggregation != "VOLUME":
                    base = vdm.total(state, vdm.RATE_BASE.get(name, "SEND"), start, end, where)
                    record[f"{name}_{aggregation}"] = count / base if base else 0.0
                else:
                    record[f"{name}_{aggregation}"] = count
            records.append(record)
    return records


def _serialize(records: list[dict[str, Any]], data_format: str) -> bytes:
    if data_format == "JSON":
        return "".join(json.dumps(r, sort_keys=True) + "\n" for r in records).encode()
    out = io.StringIO()
    columns = list(dict.fromkeys(k for r in records for k in r))
    writer = csv.writer(out)
    writer.writerow(columns)
    for record in records:
        writer.writerow([";".join(v) if isinstance(v, list) else v for v in (record.get(c, "") for c in columns)])
    return out.getvalue().encode()


def _job(state: SesState, job_id: str) -> ExportJob:
    return find_in(state.jobs.export_jobs, job_id, f"Export job {job_id} does not exist.")


def _source_out(job: ExportJob) -> dict[str, Any]:
    (name, source), = job.source.items()
    out = dict(source)
    out["StartDate"], out["EndDate"] = _window(source)
    return {name: out}


def _summary(job: ExportJob) -> Result:
    summary: Result = {
        "JobId": job.job_id,
        "ExportSourceType": job.source_type,
        "JobStatus": job.status,
        "CreatedTimestamp": job.created,
    }
    if job.completed is not None:
        summary["CompletedTimestamp"] = job.completed
    return summary


@operation("GetExportJob")
def get_export_job(ctx: OperationContext, params: Params) -> Result:
    job = advance(ctx, _job(ctx.state, params["JobId"]), _run)
    result = {**_summary(job), "ExportDestination": job.destination, "ExportDataSource": _source_out(job)}
    if job.status == "COMPLETED":
        result["Statistics"] = {"ProcessedRecordsCount": job.processed, "ExportedRecordsCount": job.exported}
    info = job.failure_info()
    if info:
        result["FailureInfo"] = info
    return result


@operation("ListExportJobs")
def list_export_jobs(ctx: OperationContext, params: Params) -> Result:
    for job in ctx.state.jobs.export_jobs.values():
        advance(ctx, job, _run)
    jobs = {
        f"{job.created.isoformat()}|{job.job_id}": job
        for job in ctx.state.jobs.export_jobs.values()
        if params.get("ExportSourceType") in (None, job.source_type) and params.get("JobStatus") in (None, job.status)
    }
    page, token = paginate(jobs, params)
    return listing("ExportJobs", [_summary(jobs[key]) for key in page], token)


@operation("CancelExportJob")
def cancel_export_job(ctx: OperationContext, params: Params) -> Result:
    job = advance(ctx, _job(ctx.state, params["JobId"]), _run)  # one due has run: too late to cancel
    if job.finished:
        raise BadRequestException(f"Export job {job.job_id} is {job.status} and can no longer be cancelled.")
    job.status = "CANCELLED"
    job.completed = ctx.now()
    return {}
