"""Import jobs: CreateImportJob, GetImportJob, ListImportJobs.

A job reads one S3 object and puts or deletes each record in the account suppression list or
a contact list. The file formats are SES's (docs/emulator.md, "Import and export jobs"):

    suppression list, PUT     CSV ``address,REASON`` (no header)  JSON ``{"emailAddress", "reason"}``
    suppression list, DELETE  CSV ``address``                     JSON ``{"emailAddress"}``
    contact list              CSV ``address``                     JSON ``{"emailAddress",
                              "topicPreferences": [{"topicName", "subscriptionStatus"}],
                              "unsubscribeAll", "attributesData"}``

JSON means JSON Lines, one object per line. A record that cannot be applied is counted in
FailedRecordsCount and listed (line, record, error) in the JSON Lines object that
FailureInfo.FailedRecordsS3Url names; the job still COMPLETEs. A job FAILs as a whole (with
FailureInfo.ErrorMessage) when its object cannot be read, is not UTF-8, holds no record, or
holds more than SES takes in one object (100,000 records to put, 10,000 to delete).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime
from typing import Any

from reconciler.emulator.errors import BadRequestException, NotFoundException
from reconciler.emulator.job_storage import JobStorageError, own_url, read_object, write_object
from reconciler.emulator.jobs_state import ImportJob, advance
from reconciler.emulator.lookups import find_in, record_suppression
from reconciler.emulator.operations.common import EMAIL, listing, paginate
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.state import Contact, ContactList, SesState, TopicPreference

MAX_PUT_RECORDS = 100_000
MAX_DELETE_RECORDS = 10_000
REASONS = ("BOUNCE", "COMPLAINT")


class RecordError(Exception):
    """One record that cannot be applied; the message goes to the failed-records report."""


def _destination_type(destination: dict[str, Any]) -> str:
    return "SUPPRESSION_LIST" if "SuppressionListDestination" in destination else "CONTACT_LIST"


def _action(destination: dict[str, Any]) -> str:
    if "SuppressionListDestination" in destination:
        return str(destination["SuppressionListDestination"]["SuppressionListImportAction"])
    return str(destination["ContactListDestination"]["ContactListImportAction"])


@operation("CreateImportJob")
def create_import_job(ctx: OperationContext, params: Params) -> Result:
    destination = params["ImportDestination"]
    given = [k for k in ("SuppressionListDestination", "ContactListDestination") if destination.get(k) is not None]
    if len(given) != 1:
        raise BadRequestException(
            "ImportDestination must have exactly one of SuppressionListDestination and ContactListDestination."
        )
    if given == ["SuppressionListDestination"] and not ctx.state.account.production_access_enabled:
        raise BadRequestException(
            "Bulk changes to the suppression list need production access: this account is in the sandbox."
        )
    if given == ["ContactListDestination"]:
        name = destination["ContactListDestination"]["ContactListName"]
        if name not in ctx.state.contact_lists:
            raise BadRequestException(f"List with name {name} does not exist.")
    job = ImportJob(
        job_id=str(uuid.uuid4()),
        created=ctx.now(),
        destination={given[0]: destination[given[0]]},
        source=dict(params["ImportDataSource"]),
    )
    ctx.state.jobs.import_jobs[job.job_id] = job
    return {"JobId": job.job_id}


def _run(ctx: OperationContext, job: ImportJob) -> None:
    try:
        data = read_object(ctx, job.source["S3Url"])
    except JobStorageError as exc:
        job.finish(ctx.now(), str(exc))
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        job.finish(ctx.now(), f"{job.source['S3Url']} is not UTF-8 text.")
        return
    records = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    action = _action(job.destination)
    limit = MAX_DELETE_RECORDS if action == "DELETE" else MAX_PUT_RECORDS
    if not records:
        job.finish(ctx.now(), f"{job.source['S3Url']} holds no records.")
        return
    if len(records) > limit:
        job.finish(ctx.now(), f"{job.source['S3Url']} holds {len(records)} records; one import job takes at most {limit} to {action.lower()}.")
        return
    failed: list[dict[str, Any]] = []
    for number, line in records:
        try:
            fields = _fields(line, job.source["DataFormat"])
            _apply(ctx, job.destination, action, fields, ctx.now())
        except RecordError as exc:
            failed.append({"lineNumber": number, "record": line, "error": str(exc)})
    job.processed = len(records)
    job.failed = len(failed)
    if failed:
        url = own_url(ctx, f"import-jobs/{job.job_id}/failed-records.jsonl")
        write_object(ctx, url, "".join(json.dumps(f) + "\n" for f in failed).encode())
        job.failed_records_url = url
    job.finish(ctx.now())


def _fields(line: str, data_format: str) -> dict[str, Any]:
    """One record as ``{"emailAddress": ..., ...}``, whichever the format."""
    if data_format == "JSON":
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            raise RecordError("not a JSON object") from None
        if not isinstance(value, dict):
            raise RecordError("not a JSON object")
        return value
    row = next(csv.reader(io.StringIO(line)), [])
    fields: dict[str, Any] = {"emailAddress": row[0].strip() if row else ""}
    if len(row) > 1:
        fields["reason"] = row[1].strip()
    return fields


def _address(fields: dict[str, Any]) -> str:
    address = fields.get("emailAddress")
    if not isinstance(address, str) or not EMAIL.match(address.strip()) or len(address) > 320:
        raise RecordError("emailAddress is missing or not a valid email address")
    return address.strip()


def _apply(ctx: OperationContext, destination: dict[str, Any], action: str, fields: dict[str, Any], now: datetime) -> None:
    address = _address(fields)
    state = ctx.state
    if "SuppressionListDestination" in destination:
        if action == "DELETE":
            state.suppressed.pop(address.lower(), None)
            return
        reason = str(fields.get("reason") or "").strip().upper()
        if reason not in REASONS:
            raise RecordError("reason must be BOUNCE or COMPLAINT")
        record_suppression(state, address, reason, now)  # type: ignore[arg-type]
        return
    contact_list = _contact_list(state, destination["ContactListDestination"]["ContactListName"])
    if action == "DELETE":
        contact_list.contacts.pop(address.lower(), None)
        return
    contact_list.contacts[address.lower()] = _contact(contact_list, address, fields, now)


def _contact_list(state: SesState, name: str) -> ContactList:
    try:
        return find_in(state.contact_lists, name, f"List with name {name} does not exist.")
    except NotFoundException as exc:  # deleted after the job was created
        raise RecordError(exc.message) from None


def _contact(contact_list: ContactList, address: str, fields: dict[str, Any], now: datetime) -> Contact:
    topics = {t.TopicName for t in contact_list.topics}
    preferences: list[TopicPreference] = []
    for item in fields.get("topicPreferences") or []:
        if not isinstance(item, dict):
            raise RecordError("topicPreferences must be a list of objects")
        topic, status = item.get("topicName"), item.get("subscriptionStatus")
        if topic not in topics:
            raise RecordError(f"topic {topic} does not exist in list {contact_list.name}")
        if status not in ("OPT_IN", "OPT_OUT"):
            raise RecordError("subscriptionStatus must be OPT_IN or OPT_OUT")
        preferences.append(TopicPreference(TopicName=str(topic), SubscriptionStatus=status))
    unsubscribe_all = fields.get("unsubscribeAll", False)
    if not isinstance(unsubscribe_all, bool):
        raise RecordError("unsubscribeAll must be true or false")
    attributes = fields.get("attributesData")
    if attributes is not None:
        try:
            parsed = json.loads(attributes) if isinstance(attributes, str) else None
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise RecordError("attributesData must be a JSON object in a string")
    old = contact_list.contacts.get(address.lower())
    return Contact(
        email=address,
        topic_preferences=preferences,
        unsubscribe_all=unsubscribe_all,
        attributes_data=attributes,
        created=old.created if old else now,
        updated=now,
    )


def _summary(job: ImportJob) -> Result:
    summary: Result = {
        "JobId": job.job_id,
        "ImportDestination": job.destination,
        "JobStatus": job.status,
        "CreatedTimestamp": job.created,
    }
    if job.finished:
        summary["ProcessedRecordsCount"] = job.processed
        summary["FailedRecordsCount"] = job.failed
    return summary


def _job(state: SesState, job_id: str) -> ImportJob:
    return find_in(state.jobs.import_jobs, job_id, f"Import job {job_id} does not exist.")


@operation("GetImportJob")
def get_import_job(ctx: OperationContext, params: Params) -> Result:
    job = advance(ctx, _job(ctx.state, params["JobId"]), _run)
    result = {**_summary(job), "ImportDataSource": job.source}
    if job.completed is not None:
        result["CompletedTimestamp"] = job.completed
    info = job.failure_info()
    if info:
        result["FailureInfo"] = info
    return result


@operation("ListImportJobs")
def list_import_jobs(ctx: OperationContext, params: Params) -> Result:
    wanted = params.get("ImportDestinationType")
    jobs = {
        f"{job.created.isoformat()}|{job.job_id}": job
        for job in ctx.state.jobs.import_jobs.values()
        if wanted is None or _destination_type(job.destination) == wanted
    }
    page, token = paginate(jobs, params)
    return listing("ImportJobs", [_summary(advance(ctx, jobs[key], _run)) for key in page], token)
