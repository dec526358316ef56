"""The circuit breaker's decisions (sending/breaker.py) and the campaign rates it reads from a
real store file (events/watch.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sending_support import gateway_for, write_csv

from reconciler.errors import ReconcilerError
from reconciler.events.alerts import Thresholds
from reconciler.events.records import facts, sent_fact
from reconciler.events.store import EventStore
from reconciler.events.watch import CloudWatchCampaignRates, StoreCampaignRates, campaign_counts, judge
from reconciler.sending import CheckpointError, SendEngine, SendJob, file_digest, read_recipients
from reconciler.sending.breaker import BreakerLimits, CircuitBreaker, Pause, RateReading
from reconciler.testing import LocalEmulator

CAMPAIGN = "r0123456789ab"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def quiet(campaign: str, since: datetime) -> RateReading:
    return RateReading("store", 0, {"bounce_rate": None, "complaint_rate": None})


def test_failed_recipients_in_a_row_trip_and_a_success_resets() -> None:
    breaker = CircuitBreaker(BreakerLimits(consecutive_failures=5, failure_sample=1000), None)
    breaker.after_batch(0, 4)
    breaker.after_batch(1, 0)  # a success: the count starts again
    breaker.after_batch(0, 4)
    with pytest.raises(Pause) as paused:
        breaker.after_batch(0, 1)
    assert paused.value.details["trigger"] == "errors" and "5 recipients in a row" in paused.value.reason


def test_failure_share_counts_only_after_the_sample() -> None:
    breaker = CircuitBreaker(
        BreakerLimits(failure_ratio=0.2, failure_sample=50, consecutive_failures=99), None
    )
    breaker.after_batch(30, 15)  # 33 % failed, but 45 answered < 50
    with pytest.raises(Pause) as paused:
        breaker.after_batch(5, 0)  # 50 answered, 30 % failed
    assert "15 of the last 50" in paused.value.reason


def test_calls_failing_in_a_row_trip() -> None:
    breaker = CircuitBreaker(BreakerLimits(consecutive_call_errors=3), None)
    breaker.after_call_error("InternalFailure")
    breaker.after_call_error("InternalFailure")
    breaker.after_batch(1, 0)
    breaker.after_call_error("InternalFailure")
    breaker.after_call_error("InternalFailure")
    with pytest.raises(Pause):
        breaker.after_call_error("ServiceUnavailable")


def test_rates_are_read_at_most_every_check_every_seconds_and_trip_when_over() -> None:
    clock = Clock()
    readings = [
        RateReading("store", 3, {"bounce_rate": 0.0}),
        RateReading("store", 40, {"bounce_rate": 0.25}, over=("bounce rate 25.00 % over 5.00 %",)),
    ]
    calls: list[tuple[str, datetime]] = []

    def probe(campaign: str, since: datetime) -> RateReading:
        calls.append((campaign, since))
        return readings[len(calls) - 1]

    breaker = CircuitBreaker(BreakerLimits(check_every=2.0), probe, clock=clock)
    breaker.begin(CAMPAIGN)
    breaker.after_batch(5, 0)
    clock.now = 1.0
    breaker.after_batch(5, 0)  # too soon: not read again
    assert len(calls) == 1 and calls[0][0] == CAMPAIGN
    clock.now = 2.5
    with pytest.raises(Pause) as paused:
        breaker.after_batch(5, 0)
    details = paused.value.details
    assert details["trigger"] == "rates" and details["rates_seen"]["rates"]["bounce_rate"] == 0.25
    assert "bounce rate 25.00 %" in paused.value.reason and "(source: store)" in paused.value.reason


def test_a_probe_that_keeps_failing_pauses_the_campaign() -> None:
    clock = Clock()

    def broken(campaign: str, since: datetime) -> RateReading:
        raise ReconcilerError("CloudWatch: AccessDenied")

    breaker = CircuitBreaker(BreakerLimits(check_every=1.0), broken, clock=clock)
    for step in range(2):
        clock.now = step * 2.0
        breaker.after_batch(1, 0)
    clock.now = 10.0
    with pytest.raises(Pause) as paused:
        breaker.after_batch(1, 0)
    assert "cannot be read" in paused.value.reason and "AccessDenied" in paused.value.reason


def _bounce(store: EventStore, message_id: str, to: str, sent: datetime) -> None:
    stamp = sent.isoformat().replace("+00:00", "Z")
    record = {
        "eventType": "Bounce",
        "mail": {
            "timestamp": stamp,
            "messageId": message_id,
            "source": "news@example.com",
            "destination": [to],
            "tags": {"sesctl-campaign": [CAMPAIGN], "sesctl-idem": [f"{CAMPAIGN}-1"]},
        },
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": to, "status": "5.1.1"}],
            "timestamp": stamp,
        },
    }
    store.commit(facts(record, store.hasher), origin="test")


def test_campaign_rates_from_the_store_count_mail_sent_since_the_session(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    start = datetime.now(UTC) - timedelta(minutes=5)
    resumed = start + timedelta(minutes=2)
    with EventStore.open(path) as store:
        sends = []
        for i in range(20):
            when = start if i < 10 else resumed + timedelta(seconds=1)
            sends.append(
                sent_fact(
                    store.hasher,
                    message_id=f"m{i}",
                    recipient=f"u{i}@example.org",
                    sent_at_ms=int(when.timestamp() * 1000),
                    tags={"sesctl-campaign": CAMPAIGN},
                )
            )
        store.commit(sends, origin="sesctl send", consumed=False)
        for i in range(4):  # bounces of mail from before the resume, arriving late
            _bounce(store, f"m{i}", f"u{i}@example.org", start)
        _bounce(store, "m10", "u10@example.org", resumed + timedelta(seconds=1))
        whole = campaign_counts(store, CAMPAIGN, start)
        assert whole.totals.counts == {"send": 20, "bounce": 5, "complaint": 0}
        since_resume = campaign_counts(store, CAMPAIGN, resumed)
        assert since_resume.totals.counts == {"send": 10, "bounce": 1, "complaint": 0}
        assert campaign_counts(store, "r-other", start).totals.counts["send"] == 0

    thresholds = Thresholds(min_sends=10)
    probe = StoreCampaignRates(path, thresholds)
    reading = probe(CAMPAIGN, start)
    assert reading.sends == 20 and reading.rates["bounce_rate"] == 0.25 and reading.over
    assert "bounce rate 25.00 %" in reading.over[0]
    assert probe(CAMPAIGN, resumed).over  # 1 of 10: 10 % is still over 5 %
    assert not StoreCampaignRates(path, Thresholds(min_sends=11))(CAMPAIGN, resumed).over  # below the sample
    assert not StoreCampaignRates(tmp_path / "none.db", thresholds)(CAMPAIGN, start).over


def test_judge_uses_the_alert_thresholds() -> None:
    defaults = Thresholds()
    assert defaults.bounce_rate == 0.05 and defaults.complaint_rate == 0.001
    from reconciler.events.watch import _result

    now = datetime.now(UTC)
    within = judge(_result("store", {"send": 1000, "bounce": 50, "complaint": 1}, 50, now, now), defaults)
    assert within.over == ()
    over = judge(_result("store", {"send": 1000, "bounce": 51, "complaint": 2}, 51, now, now), defaults)
    assert len(over.over) == 2


def test_campaign_rates_from_cloudwatch(emulator: LocalEmulator) -> None:
    """A CloudWatch event destination publishing the sesctl-campaign dimension (the emulator
    publishes SES's metrics as SES does): the breaker's CloudWatch source reads the campaign."""
    ses = emulator.client("sesv2")
    emulator.admin("verify_identity", identity="example.com")
    ses.create_configuration_set(ConfigurationSetName="watched")
    ses.create_configuration_set_event_destination(
        ConfigurationSetName="watched",
        EventDestinationName="cw",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ["SEND", "BOUNCE", "COMPLAINT"],
            "CloudWatchDestination": {
                "DimensionConfigurations": [
                    {
                        "DimensionName": "sesctl-campaign",
                        "DimensionValueSource": "MESSAGE_TAG",
                        "DefaultDimensionValue": "none",
                    }
                ]
            },
        },
    )
    since = datetime.now(UTC)
    for to, campaign in (
        ("bounce", CAMPAIGN),
        ("success", CAMPAIGN),
        ("success+1", CAMPAIGN),
        ("bounce+2", "r-other"),
    ):
        ses.send_email(
            FromEmailAddress="news@example.com",
            Destination={"ToAddresses": [f"{to}@simulator.amazonses.com"]},
            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
            ConfigurationSetName="watched",
            EmailTags=[{"Name": "sesctl-campaign", "Value": campaign}],
        )
    reading = CloudWatchCampaignRates(emulator.client("cloudwatch"), Thresholds())(CAMPAIGN, since)
    assert reading.source == "cloudwatch" and reading.sends == 3
    assert reading.rates["bounce_rate"] == round(1 / 3, 6) and reading.over


def test_ses_errors_pause_the_engine_cleanly_and_resume_sends_the_rest_once(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    """SES answering TRANSIENT_FAILURE for every entry of the first call: the breaker pauses
    (the failed rows are journaled to retry, nothing in doubt), a rerun without resume is refused,
    and the resumed run sends every row exactly once."""
    emulator.admin("configure_sending", transient_failures=50)
    path = write_csv(
        tmp_path / "r.csv", [{"email": f"u{i}@example.org", "name": "U", "plan": "p"} for i in range(120)]
    )
    job = SendJob(from_address=sender, template="welcome", checkpoint=tmp_path / "ck", concurrency=1)
    breaker = CircuitBreaker(BreakerLimits(consecutive_failures=10, failure_sample=1000), None)
    report = SendEngine(gateway_for(emulator), job, breaker=breaker).run(
        read_recipients(path), source_digest=file_digest(path)
    )
    assert report.paused is not None and report.paused["trigger"] == "errors"
    # One call at a time: the first call's 50 entries all failed, and nothing was sent after it.
    assert "50 recipients in a row failed at SES" in str(report.stopped) and report.sent == 0
    lines = [json.loads(line) for line in (tmp_path / "ck").read_text().splitlines()]
    assert [e["type"] for e in lines][-1] == "pause"
    assert {e["batch"] for e in lines if e["type"] == "begin"} == {
        e["batch"] for e in lines if e["type"] == "end"
    }
    with pytest.raises(CheckpointError, match="circuit breaker paused this campaign"):
        SendEngine(gateway_for(emulator), job).run(read_recipients(path), source_digest=file_digest(path))
    resumed = SendEngine(gateway_for(emulator), replace(job, resume=True)).run(
        read_recipients(path), source_digest=file_digest(path)
    )
    assert resumed.sent == 120 - report.sent and resumed.already_done == report.sent
    assert resumed.paused is None and resumed.stopped is None
    sent = emulator.admin("sent_messages", include_body=False)
    assert sorted(m["to"][0] for m in sent) == sorted(f"u{i}@example.org" for i in range(120))


def test_the_breaker_takes_the_strictest_alert_policy_thresholds(tmp_path: Path) -> None:
    """The manifests' AlertPolicy thresholds pause a campaign as they page (the strictest when
    there are several); sesctl.yaml's breaker: and the flags win over them; defaults below."""
    from reconciler.app.send_watch import configured_breaker, thresholds_of

    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text("apiVersion: sesctl/v1\nkind: Project\nstack: b\nmanifests: manifests\n")
    assert thresholds_of(configured_breaker(tmp_path)).bounce_rate == 0.05  # no policy: the alert default
    (tmp_path / "manifests" / "alerts.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: AlertPolicy\nmetadata: {name: strict}\nspec: {bounceRate: 0.02}\n---\n"
        "apiVersion: sesctl/v1\nkind: AlertPolicy\nmetadata: {name: loose}\n"
        "spec: {bounceRate: 0.04, complaintRate: 0.0005}\n"
    )
    chosen = thresholds_of(configured_breaker(tmp_path))
    assert (chosen.bounce_rate, chosen.complaint_rate) == (0.02, 0.0005)
    assert thresholds_of(configured_breaker(tmp_path, bounce_rate=0.03)).bounce_rate == 0.03  # a flag wins
    (tmp_path / "manifests" / "alerts.yaml").write_text("kind: AlertPolicy\nmetadata: {name: [broken\n")
    assert thresholds_of(configured_breaker(tmp_path)).bounce_rate == 0.05  # unloadable: the defaults
