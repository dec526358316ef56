"""Import and export jobs through boto3 over HTTP, reading and writing the emulator's S3."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import ops_support
import pytest
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses


@pytest.fixture
def s3(emulator):
    client = emulator.client("s3")
    client.create_bucket(Bucket="migration")
    return client


def _put(s3, key: str, text: str) -> str:
    s3.put_object(Bucket="migration", Key=key, Body=text.encode())
    return f"s3://migration/{key}"


def _import(ses, url: str, fmt: str = "CSV", action: str = "PUT") -> dict:
    job_id = ses.create_import_job(
        ImportDestination={"SuppressionListDestination": {"SuppressionListImportAction": action}},
        ImportDataSource={"S3Url": url, "DataFormat": fmt},
    )["JobId"]
    return ses.get_import_job(JobId=job_id)


def _suppressed(ses) -> dict[str, str]:
    found = ses.list_suppressed_destinations()["SuppressedDestinationSummaries"]
    return {s["EmailAddress"]: s["Reason"] for s in found}


def test_suppression_put_and_delete_from_csv_and_json(ses, s3):
    url = _put(s3, "in/list.csv", "ada@example.com,BOUNCE\nbob@example.com, complaint\n\nnot-an-address,BOUNCE\ncy@example.com,SPAM\n")
    job = _import(ses, url)
    assert job["JobStatus"] == "COMPLETED"
    assert (job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == (4, 2)
    assert job["ImportDataSource"] == {"S3Url": url, "DataFormat": "CSV"}
    assert job["CompletedTimestamp"] >= job["CreatedTimestamp"]
    assert _suppressed(ses) == {"ada@example.com": "BOUNCE", "bob@example.com": "COMPLAINT"}
    # the failed records, with their line and why, in the object FailureInfo names
    bucket, key = job["FailureInfo"]["FailedRecordsS3Url"].removeprefix("s3://").split("/", 1)
    failed = [json.loads(line) for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()]
    assert [(f["lineNumber"], f["record"]) for f in failed] == [(4, "not-an-address,BOUNCE"), (5, "cy@example.com,SPAM")]
    assert "reason" in failed[1]["error"]

    deleted = _import(ses, _put(s3, "in/delete.jsonl", '{"emailAddress": "ada@example.com"}\n'), "JSON", "DELETE")
    assert (deleted["JobStatus"], deleted["ProcessedRecordsCount"], deleted["FailedRecordsCount"]) == ("COMPLETED", 1, 0)
    assert "FailureInfo" not in deleted
    assert _suppressed(ses) == {"bob@example.com": "COMPLAINT"}


def test_a_job_that_cannot_read_its_object_fails_with_a_message(ses, s3):
    job = _import(ses, "s3://migration/missing.csv")
    assert job["JobStatus"] == "FAILED"
    assert "missing.csv" in job["FailureInfo"]["ErrorMessage"]
    assert "ProcessedRecordsCount" in job and job["ProcessedRecordsCount"] == 0
    assert _import(ses, "s3://no-such-bucket/x.csv")["JobStatus"] == "FAILED"
    empty = _import(ses, _put(s3, "empty.csv", "\n\n"))
    assert empty["JobStatus"] == "FAILED" and "no records" in empty["FailureInfo"]["ErrorMessage"]


def test_more_records_than_one_job_takes_fails_the_job(ses, s3):
    url = _put(s3, "big.csv", "".join(f"u{i}@example.com\n" for i in range(10_001)))
    job = _import(ses, url, action="DELETE")
    assert job["JobStatus"] == "FAILED" and "10000" in job["FailureInfo"]["ErrorMessage"]


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        ({}, "exactly one"),
        (
            {
                "SuppressionListDestination": {"SuppressionListImportAction": "PUT"},
                "ContactListDestination": {"ContactListName": "news", "ContactListImportAction": "PUT"},
            },
            "exactly one",
        ),
        ({"ContactListDestination": {"ContactListName": "nope", "ContactListImportAction": "PUT"}}, "nope"),
    ],
)
def test_create_refuses_bad_destinations(ses, destination, message):
    text = expect_error(
        lambda: ses.create_import_job(
            ImportDestination=destination, ImportDataSource={"S3Url": "s3://b/k.csv", "DataFormat": "CSV"}
        ),
        "BadRequestException",
        400,
    )
    assert message in text


def test_model_validation(emulator):
    raw = emulator.client("sesv2", parameter_validation=False)
    for source in ({"S3Url": "https://example.com/x", "DataFormat": "CSV"}, {"S3Url": "s3://b/k", "DataFormat": "XML"}):
        expect_error(
            lambda source=source: raw.create_import_job(
                ImportDestination={"SuppressionListDestination": {"SuppressionListImportAction": "PUT"}},
                ImportDataSource=source,
            ),
            "BadRequestException",
            400,
        )
    expect_error(lambda: raw.get_import_job(JobId="nope"), "NotFoundException", 404)


def test_sandbox_accounts_cannot_bulk_change_the_suppression_list(emulator, ses):
    emulator.admin("configure_account", production_access_enabled=False)
    text = expect_error(lambda: _import(ses, "s3://migration/x.csv"), "BadRequestException", 400)
    assert "production access" in text


def test_contact_list_import(ses, s3):
    ses.create_contact_list(
        ContactListName="news",
        Topics=[{"TopicName": "weekly", "DisplayName": "Weekly", "DefaultSubscriptionStatus": "OPT_OUT"}],
    )
    lines = [
        {"emailAddress": "ada@example.com", "topicPreferences": [{"topicName": "weekly", "subscriptionStatus": "OPT_IN"}]},
        {"emailAddress": "bob@example.com", "unsubscribeAll": True, "attributesData": '{"plan": "pro"}'},
        {"emailAddress": "cy@example.com", "topicPreferences": [{"topicName": "daily", "subscriptionStatus": "OPT_IN"}]},
    ]
    url = _put(s3, "contacts.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    job_id = ses.create_import_job(
        ImportDestination={"ContactListDestination": {"ContactListName": "news", "ContactListImportAction": "PUT"}},
        ImportDataSource={"S3Url": url, "DataFormat": "JSON"},
    )["JobId"]
    job = ses.get_import_job(JobId=job_id)
    assert (job["JobStatus"], job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == ("COMPLETED", 3, 1)
    contacts = {c["EmailAddress"]: c for c in ses.list_contacts(ContactListName="news")["Contacts"]}
    assert sorted(contacts) == ["ada@example.com", "bob@example.com"]
    ada = ses.get_contact(ContactListName="news", EmailAddress="ada@example.com")
    assert ada["TopicPreferences"] == [{"TopicName": "weekly", "SubscriptionStatus": "OPT_IN"}]
    assert ses.get_contact(ContactListName="news", EmailAddress="bob@example.com")["UnsubscribeAll"] is True
    listed = ses.list_import_jobs(ImportDestinationType="CONTACT_LIST")["ImportJobs"]
    assert [j["JobId"] for j in listed] == [job_id]
    assert ses.list_import_jobs(ImportDestinationType="SUPPRESSION_LIST")["ImportJobs"] == []


def test_jobs_stay_in_flight_until_their_delay_and_list_in_pages(emulator, ses, s3):
    emulator.admin("configure_jobs", delay_seconds=3600)
    url = _put(s3, "one.csv", "ada@example.com,BOUNCE\n")
    ids = [
        ses.create_import_job(
            ImportDestination={"SuppressionListDestination": {"SuppressionListImportAction": "PUT"}},
            ImportDataSource={"S3Url": url, "DataFormat": "CSV"},
        )["JobId"]
        for _ in range(3)
    ]
    first = ses.list_import_jobs(PageSize=2)
    assert [j["JobStatus"] for j in first["ImportJobs"]] == ["PROCESSING", "PROCESSING"]
    rest = ses.list_import_jobs(PageSize=2, NextToken=first["NextToken"])
    assert sorted(j["JobId"] for j in first["ImportJobs"] + rest["ImportJobs"]) == sorted(ids)
    assert "NextToken" not in rest
    assert _suppressed(ses) == {}  # nothing applied while in flight
    emulator.set_clock(lambda: datetime.now(UTC) + timedelta(hours=2))
    try:
        assert ses.get_import_job(JobId=ids[0])["JobStatus"] == "COMPLETED"
    finally:
        emulator.set_clock(None)
    assert _suppressed(ses) == {"ada@example.com": "BOUNCE"}


def _insights(start: datetime, end: datetime, **extra) -> dict:
    return {"MessageInsightsDataSource": {"StartDate": start, "EndDate": end, **extra}}


def _send(emulator, ses, to: str, subject: str = "Hi") -> None:
    emulator.admin("verify_identity", identity="example.com")
    ses.send_email(
        FromEmailAddress="news@example.com",
        Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": subject}, "Body": {"Text": {"Data": "x"}}}},
    )


def test_message_insights_export_to_s3(emulator, ses, s3):
    _send(emulator, ses, "success@simulator.amazonses.com", "Hello")
    _send(emulator, ses, "bounce@simulator.amazonses.com", "Other")
    now = datetime.now(UTC)
    job_id = ses.create_export_job(
        ExportDataSource=_insights(now - timedelta(hours=1), now + timedelta(hours=1), Include={"Subject": ["Hello"]}),
        ExportDestination={"DataFormat": "JSON", "S3Url": "s3://migration/exports/"},
    )["JobId"]
    job = ses.get_export_job(JobId=job_id)
    assert (job["JobStatus"], job["ExportSourceType"]) == ("COMPLETED", "MESSAGE_INSIGHTS")
    assert job["Statistics"] == {"ProcessedRecordsCount": 1, "ExportedRecordsCount": 1}
    body = s3.get_object(Bucket="migration", Key=f"exports/{job_id}.jsonl")["Body"].read().decode()
    (record,) = [json.loads(line) for line in body.splitlines()]
    assert record["subject"] == "Hello" and record["destination"] == ["success@simulator.amazonses.com"]
    assert job["ExportDataSource"]["MessageInsightsDataSource"]["Include"] == {"Subject": ["Hello"]}


def test_metrics_export_without_s3_url_goes_to_the_emulators_bucket(emulator, ses, s3):
    # VDM's counts (as BatchGetMetricData's): collected while VDM is on, no simulator mail
    ses.put_account_vdm_attributes(VdmAttributes={"VdmEnabled": "ENABLED"})
    _send(emulator, ses, "ada@example.org")
    _send(emulator, ses, "success@simulator.amazonses.com")
    now = datetime.now(UTC)
    job_id = ses.create_export_job(
        ExportDataSource={
            "MetricsDataSource": {
                "Dimensions": {"EMAIL_IDENTITY": ["example.com"]},
                "Namespace": "VDM",
                "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}, {"Name": "DELIVERY", "Aggregation": "RATE"}],
                "StartDate": now - timedelta(hours=1),
                "EndDate": now + timedelta(hours=1),
            }
        },
        ExportDestination={"DataFormat": "CSV"},
    )["JobId"]
    job = ses.get_export_job(JobId=job_id)
    bucket, key = job["ExportDestination"]["S3Url"].removeprefix("s3://").split("/", 1)
    rows = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()
    assert rows == ["dimension,value,SEND_VOLUME,DELIVERY_RATE", "EMAIL_IDENTITY,example.com,1,1.0"]


def test_export_validation_rate_cancel_and_listing(emulator, ses):
    now = datetime.now(UTC)
    bad = [
        ({}, "exactly one"),
        (_insights(now, now - timedelta(days=1)), "after"),
    ]
    for source, message in bad:
        text = expect_error(
            lambda source=source: ses.create_export_job(ExportDataSource=source, ExportDestination={"DataFormat": "CSV"}),
            "BadRequestException",
            400,
        )
        assert message in text
    emulator.admin("configure_jobs", delay_seconds=3600)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = [start]
    emulator.set_clock(lambda: clock[0])
    try:
        first = ses.create_export_job(ExportDataSource=_insights(start - timedelta(days=1), start), ExportDestination={"DataFormat": "CSV"})["JobId"]
        expect_error(
            lambda: ses.create_export_job(ExportDataSource=_insights(start - timedelta(days=1), start), ExportDestination={"DataFormat": "CSV"}),
            "TooManyRequestsException",
            429,
        )
        clock[0] = start + timedelta(seconds=2)
        second = ses.create_export_job(ExportDataSource=_insights(start - timedelta(days=1), start), ExportDestination={"DataFormat": "CSV"})["JobId"]
        assert ses.get_export_job(JobId=first)["JobStatus"] == "PROCESSING"
        ses.cancel_export_job(JobId=first)
        assert ses.get_export_job(JobId=first)["JobStatus"] == "CANCELLED"
        expect_error(lambda: ses.cancel_export_job(JobId=first), "BadRequestException", 400)
        expect_error(lambda: ses.cancel_export_job(JobId="nope"), "NotFoundException", 404)
        listed = ses.list_export_jobs(JobStatus="CANCELLED")["ExportJobs"]
        assert [j["JobId"] for j in listed] == [first]
        clock[0] = start + timedelta(hours=2)
        assert [j["JobId"] for j in ses.list_export_jobs(JobStatus="COMPLETED")["ExportJobs"]] == [second]
        assert ses.list_export_jobs(ExportSourceType="METRICS_DATA")["ExportJobs"] == []
    finally:
        emulator.set_clock(None)


def test_export_to_a_missing_bucket_fails(emulator, ses):
    now = datetime.now(UTC)
    job_id = ses.create_export_job(
        ExportDataSource=_insights(now - timedelta(hours=1), now),
        ExportDestination={"DataFormat": "CSV", "S3Url": "s3://no-such-bucket/out.csv"},
    )["JobId"]
    job = ses.get_export_job(JobId=job_id)
    assert job["JobStatus"] == "FAILED" and "no-such-bucket" in job["FailureInfo"]["ErrorMessage"]
