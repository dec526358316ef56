"""AccountStatus: GetAccount parsed once, with one meaning for every member SES leaves out."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.app.connect import connect
from reconciler.app.quota import quota_summary
from reconciler.aws.account import SANDBOX_SEND_RATE, UNLIMITED, AccountStatus, account_status
from reconciler.errors import AwsError
from reconciler.manifest.project import Environment
from reconciler.settings import Settings

NO_ENV = Environment(name=None)  # whatever sesctl.yaml the tests run beside


def test_missing_members_take_the_documented_defaults() -> None:
    status = AccountStatus.parse({})
    assert status.sending_enabled is True  # paused only when SES says false
    assert status.production_access is False  # the sandbox until SES says otherwise
    assert status.quota.max_24_hour_send is None and status.quota.remaining is None  # unlimited
    assert status.quota.max_send_rate == SANDBOX_SEND_RATE
    assert status.quota.sent_last_24_hours == 0.0
    assert status.enforcement_status is None and status.vdm_enabled is None
    assert status.suppressed_reasons == ()


def test_minus_one_is_unlimited_and_a_zero_rate_paces_at_the_sandbox_rate() -> None:
    status = AccountStatus.parse(
        {"SendQuota": {"Max24HourSend": -1.0, "MaxSendRate": 0, "SentLast24Hours": 7}}
    )
    assert status.quota.max_24_hour_send is None and status.quota.used_percent is None
    assert status.quota.max_send_rate == SANDBOX_SEND_RATE
    assert quota_summary(status)["max_24_hour_send"] == UNLIMITED


@pytest.mark.parametrize(
    ("response", "enabled"),
    [({"SendingEnabled": False}, False), ({"SendingEnabled": True}, True), ({}, True)],
)
def test_sending_is_paused_only_when_ses_says_so(response: dict[str, Any], enabled: bool) -> None:
    assert AccountStatus.parse(response).sending_enabled is enabled


def test_a_spent_quota_has_nothing_left() -> None:
    quota = AccountStatus.parse({"SendQuota": {"Max24HourSend": 200, "SentLast24Hours": 250}}).quota
    assert quota.remaining == 0.0 and quota.used_percent == 125.0


def test_parsed_from_the_emulator(emulator: Any) -> None:
    emulator.admin(
        "configure_account",
        production_access_enabled=True,
        max_24_hour_send=50_000.0,
        max_send_rate=14.0,
        sent_last_24_hours=1_234.0,
        sending_enabled=False,
        enforcement_status="PROBATION",
    )
    settings = Settings(endpoint_url=emulator.endpoint_url, region="us-east-1")
    with connect(settings, NO_ENV) as conn:
        status = account_status(conn.gateway)
        assert conn.gateway.calls["GetAccount"] == 1
    assert status.sending_enabled is False and status.production_access is True
    assert status.enforcement_status == "PROBATION"
    assert (status.quota.max_24_hour_send, status.quota.max_send_rate) == (50_000.0, 14.0)
    assert status.quota.remaining == 50_000.0 - 1_234.0
    assert status.suppressed_reasons == ("BOUNCE", "COMPLAINT")


def test_get_or_none_answers_none_for_a_missing_object_and_raises_the_rest(emulator: Any) -> None:
    settings = Settings(endpoint_url=emulator.endpoint_url, region="us-east-1")
    with connect(settings, NO_ENV) as conn:
        assert conn.gateway.get_or_none("GetEmailTemplate", TemplateName="nope") is None
        conn.gateway.call(
            "CreateEmailTemplate", TemplateName="yes", TemplateContent={"Subject": "s", "Text": "t"}
        )
        found = conn.gateway.get_or_none("GetEmailTemplate", TemplateName="yes")
        assert found is not None and found["TemplateContent"]["Subject"] == "s"
        with pytest.raises(AwsError) as info:
            conn.gateway.get_or_none("GetEmailTemplate", TemplateName="")
        assert info.value.code != "NotFoundException"
