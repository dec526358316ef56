"""BatchGetMetricData (VDM) on the emulator through boto3: what each metric counts (and leaves
out: the simulator, mail to several recipients, suppression-list bounces, repeated opens), the
three dimensions, one value per UTC day, and the model's and the API reference's limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from reconciler.ses_types import VDM_METRICS
from reconciler.testing import LocalEmulator, local_emulator

TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
SET = "vdm-set"
HTML = {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Html": {"Data": "<p><a href='https://example.com/a'>a</a></p>"}}}}


@pytest.fixture(scope="module")
def emu() -> Iterator[LocalEmulator]:
    with local_emulator() as running:
        running.admin("verify_identity", identity="example.com")
        running.admin("verify_identity", identity="other.example.net")
        running.admin("configure_account", max_send_rate=1000.0)
        ses = running.client("sesv2")
        ses.create_configuration_set(ConfigurationSetName=SET)
        yield running


def send(ses: Any, to: list[str], sender: str = "news@example.com", config_set: str | None = SET) -> str:
    params: dict[str, Any] = {
        "FromEmailAddress": sender,
        "Destination": {"ToAddresses": to},
        "Content": HTML,
    }
    if config_set:
        params["ConfigurationSetName"] = config_set
    return str(ses.send_email(**params)["MessageId"])


def values(ses: Any, metric: str, dimensions: dict[str, str] | None = None, days: int = 1) -> list[int]:
    query: dict[str, Any] = {
        "Id": "q",
        "Namespace": "VDM",
        "Metric": metric,
        "StartDate": TODAY,
        "EndDate": TODAY + timedelta(days=days),
    }
    if dimensions:
        query["Dimensions"] = dimensions
    answer = ses.batch_get_metric_data(Queries=[query])
    assert answer["Errors"] == []
    [result] = answer["Results"]
    return [int(v) for v in result["Values"]]


def test_nothing_is_counted_while_vdm_is_disabled(emu: LocalEmulator) -> None:
    ses = emu.client("sesv2")
    send(ses, ["early@example.org"])
    assert values(ses, "SEND") == [0]


def test_each_metric_counts_what_the_api_reference_says(emu: LocalEmulator) -> None:
    ses = emu.client("sesv2")
    ses.put_account_vdm_attributes(
        VdmAttributes={"VdmEnabled": "ENABLED", "DashboardAttributes": {"EngagementMetrics": "ENABLED"}}
    )
    ses.put_suppressed_destination(EmailAddress="gone@example.org", Reason="BOUNCE")
    ada = send(ses, ["ada@gmail.com"])
    bob = send(ses, ["bob@yahoo.com"])
    cy = send(ses, ["cy@example.org"])
    dee = send(ses, ["dee@outlook.com"], config_set=None)
    send(ses, ["gone@example.org"])  # sent, then bounced by the account's suppression list
    send(ses, ["success@simulator.amazonses.com"])  # the simulator: never counted
    both = send(ses, ["two@example.org", "three@example.org"])  # several recipients: never counted
    emu.admin("bounce", message_id=bob)
    emu.admin("bounce", message_id=cy, bounce_type="Transient", sub_type="MailboxFull")
    emu.admin("complaint", message_id=dee)
    emu.admin("complaint", message_id=both)
    for _ in range(2):  # VDM counts unique opens and clicks
        emu.admin("open", message_id=ada)
        emu.admin("click", message_id=ada, link="https://example.com/a")
    # One call for all ten (SES allows 16 calls a second)
    answer = ses.batch_get_metric_data(Queries=[_query(Id=metric, Metric=metric) for metric in VDM_METRICS])
    assert answer["Errors"] == []
    counts = {result["Id"]: sum(result["Values"]) for result in answer["Results"]}
    assert counts == {
        "SEND": 5,
        "DELIVERY": 4,
        "PERMANENT_BOUNCE": 1,
        "TRANSIENT_BOUNCE": 1,
        "COMPLAINT": 1,
        "OPEN": 1,
        "CLICK": 1,
        "DELIVERY_OPEN": 4,  # engagement tracking on, every message has HTML
        "DELIVERY_CLICK": 4,
        "DELIVERY_COMPLAINT": 3,  # Gmail has no feedback loop
    }
    # The later bounce and complaint put the addresses on the suppression list, as SES does.
    listed = {d["EmailAddress"] for d in ses.list_suppressed_destinations()["SuppressedDestinationSummaries"]}
    assert {"bob@yahoo.com", "dee@outlook.com"} <= listed and "cy@example.org" not in listed


def test_dimensions_filter_by_identity_configuration_set_and_isp(emu: LocalEmulator) -> None:
    ses = emu.client("sesv2")
    send(ses, ["eve@gmail.com"], sender="hello@other.example.net", config_set=None)
    assert values(ses, "SEND", {"EMAIL_IDENTITY": "other.example.net"}) == [1]
    assert values(ses, "SEND", {"ISP": "Gmail"}) == [2]  # ada and eve
    assert values(ses, "SEND", {"ISP": "Gmail", "EMAIL_IDENTITY": "example.com"}) == [1]
    assert values(ses, "SEND", {"CONFIGURATION_SET": SET}) == [4]  # ada, bob, cy, gone
    assert values(ses, "DELIVERY", {"CONFIGURATION_SET": SET, "ISP": "Other"}) == [1]  # cy
    assert values(ses, "SEND", {"CONFIGURATION_SET": "no-such-set"}) == [0]


def test_one_value_per_utc_day_of_the_range(emu: LocalEmulator) -> None:
    ses = emu.client("sesv2")
    answer = ses.batch_get_metric_data(
        Queries=[
            {
                "Id": "week",
                "Namespace": "VDM",
                "Metric": "SEND",
                "StartDate": TODAY - timedelta(days=2),
                "EndDate": TODAY + timedelta(days=1),
            },
            {
                "Id": "past",
                "Namespace": "VDM",
                "Metric": "SEND",
                "StartDate": TODAY - timedelta(days=3),
                "EndDate": TODAY - timedelta(hours=12),
            },
        ]
    )
    week, past = answer["Results"]
    assert [t.astimezone(UTC) for t in week["Timestamps"]] == [TODAY - timedelta(days=d) for d in (2, 1, 0)]
    assert week["Values"][:2] == [0, 0] and week["Values"][2] == 6
    assert week["Id"] == "week" and len(past["Values"]) == 3 and sum(past["Values"]) == 0


def _query(**changes: Any) -> dict[str, Any]:
    query: dict[str, Any] = {
        "Id": "q",
        "Namespace": "VDM",
        "Metric": "SEND",
        "StartDate": TODAY,
        "EndDate": TODAY + timedelta(days=1),
    }
    query.update(changes)
    return query


@pytest.mark.parametrize(
    ("queries", "message"),
    [
        ([], "Queries"),
        ([_query(Id=f"q{i}") for i in range(11)], "Queries"),
        ([_query(), _query()], "used twice"),
        ([_query(EndDate=TODAY)], "EndDate must be after StartDate"),
        ([_query(StartDate=TODAY - timedelta(days=400))], "366 days"),
        ([_query(Dimensions={})], "Dimensions"),
        ([_query(Dimensions={"ISP": ""})], "must not be empty"),
        ([_query(Id="")], "Id"),
    ],
)
def test_requests_outside_the_limits_are_bad_requests(emu: LocalEmulator, queries: Any, message: str) -> None:
    raw = emu.client("sesv2", parameter_validation=False)
    with pytest.raises(ClientError) as caught:
        raw.batch_get_metric_data(Queries=queries)
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
    assert message in caught.value.response["Error"]["Message"]


def test_enumerations_are_checked(emu: LocalEmulator) -> None:
    raw = emu.client("sesv2", parameter_validation=False)
    for query in (_query(Namespace="AWS/SES"), _query(Metric="BOUNCE"), _query(Dimensions={"TAG": "x"})):
        with pytest.raises(ClientError) as caught:
            raw.batch_get_metric_data(Queries=[query])
        assert caught.value.response["Error"]["Code"] == "BadRequestException"


def test_more_than_160_queries_a_second_are_throttled(emu: LocalEmulator) -> None:
    ses = emu.client("sesv2")
    batch = [_query(Id=f"q{i}") for i in range(10)]
    throttled = 0
    for _ in range(40):  # 400 queries in far less than the 2.5 s they may take
        try:
            ses.batch_get_metric_data(Queries=batch)
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "TooManyRequestsException"
            throttled += 1
    assert throttled > 0
