"""Bounce and complaint rates judged against the alert thresholds, for whoever must stop
sending when they are too high: the campaign circuit breaker (`sesctl send`) and the MCP send
tools.

The thresholds are the alerts' (``alerts.Thresholds``: bounce over 5 %, complaint over 0.1 %)
and so is the judgement (``alerts.evaluate``): one definition of "too high" for `sesctl alerts
check`, the report, the dashboard, the breaker and the MCP server. Only the bounce and complaint
rates are judged here; a minimum sample (``min_sends``) keeps two bounces out of three test
messages from stopping anything.

Sources: the event store (hard bounces, as SES's reputation counts them) or CloudWatch (the
metrics a CloudWatch event destination publishes: every bounce). A campaign is the messages
tagged ``sesctl-campaign=<run id>`` (sending/tags.py) sent since a moment (this session's start:
after a `--resume`, what the human accepted is not judged again).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.events.alerts import Thresholds, evaluate
from reconciler.events.analytics import Query, Result, Row, has_events, rates_for, store_analytics
from reconciler.events.cloudwatch import cloudwatch_analytics
from reconciler.events.store import HARD_BOUNCE, EventStore, StoreError
from reconciler.events.timerange import to_ms
from reconciler.sending.breaker import RateReading
from reconciler.sending.tags import CAMPAIGN_TAG

WATCHED = ("send", "bounce", "complaint")


def rate_thresholds(thresholds: Thresholds) -> Thresholds:
    """Only the rate thresholds of an alert policy (no rendering, quota or volume alerts)."""
    return replace(thresholds, rendering_failures=None, quota_use=None, daily_volume=None, daily_cost=None)


def judge(result: Result, thresholds: Thresholds) -> RateReading:
    """The bounce and complaint rates of ``result`` and the thresholds they cross."""
    alerts = evaluate(result, rate_thresholds(thresholds))
    sends = int(result.totals.counts.get("send", 0))
    note = None
    if sends < thresholds.min_sends:
        note = f"{sends} sends, below the minimum sample of {thresholds.min_sends}: rates not judged yet"
    return RateReading(
        source=result.source,
        sends=sends,
        rates={alert.name: alert.value for alert in alerts},
        over=tuple(alert.message for alert in alerts if alert.fired),
        note=note,
    )


def _result(source: str, counts: dict[str, int], hard: int | None, start: datetime, end: datetime) -> Result:
    totals = Row("total", counts, rates_for(counts, list(WATCHED), hard))
    return Result(source, start.isoformat(), end.isoformat(), "total", [], totals)


def campaign_counts(store: EventStore, campaign: str, sent_since: datetime) -> Result:
    """Sends, bounces and complaints of the campaign's messages sent since ``sent_since``
    (events are matched by their message's send time, so a late bounce of mail sent before
    a pause does not count against the mail sent after the resume)."""
    since = to_ms(sent_since)
    counts = dict.fromkeys(WATCHED, 0)
    hard = 0
    rows = store.conn.execute(
        f"SELECT event_type, count(*), sum({HARD_BOUNCE}) FROM events"
        " WHERE event_type IN ('send', 'bounce', 'complaint') AND event_time >= ?"
        " AND coalesce(sent_time, event_time) >= ?"
        " AND tagset_id IN (SELECT tagset_id FROM tagset_tags WHERE name = ? AND value = ?)"
        " GROUP BY event_type",
        (since, since, CAMPAIGN_TAG, campaign),
    )
    for kind, count, hard_count in rows:
        counts[str(kind)] = int(count)
        hard += int(hard_count or 0)
    return _result("store", counts, hard, sent_since, datetime.now(UTC))


class StoreCampaignRates:
    """A campaign's rates from the store, read afresh (read-only) at each call, so a consumer
    writing beside the send is seen at once."""

    source = "store"

    def __init__(self, path: Path, thresholds: Thresholds) -> None:
        self.path = path
        self.thresholds = thresholds

    def __call__(self, campaign: str, sent_since: datetime) -> RateReading:
        if not self.path.is_file():
            empty = _result("store", dict.fromkeys(WATCHED, 0), 0, sent_since, datetime.now(UTC))
            return judge(empty, self.thresholds)
        with EventStore.open(self.path, readonly=True) as store:
            return judge(campaign_counts(store, campaign, sent_since), self.thresholds)


class CloudWatchCampaignRates:
    """A campaign's rates from CloudWatch: the event destination must publish the
    ``sesctl-campaign`` tag as a dimension (value source MESSAGE_TAG). CloudWatch counts every
    bounce (it has no bounce type) and by event time."""

    source = "cloudwatch"

    def __init__(self, client: Any, thresholds: Thresholds) -> None:
        self.client = client
        self.thresholds = thresholds

    def __call__(self, campaign: str, sent_since: datetime) -> RateReading:
        query = Query(
            start=sent_since.replace(second=0, microsecond=0),
            end=datetime.now(UTC) + timedelta(minutes=1),
            group_by="total",
            filters={CAMPAIGN_TAG: campaign},
            metrics=WATCHED,
        )
        return judge(cloudwatch_analytics(self.client, query), self.thresholds)


def account_rates(
    store_path: Path | None, cloudwatch: Any | None, thresholds: Thresholds, *, hours: int = 24
) -> RateReading | None:
    """The account's rates over the last ``hours`` (whole hours, the current one included): from
    the store when it holds events in that window, else from CloudWatch; None when neither has
    anything to say."""
    # Whole hours (CloudWatch keeps hourly data; its buckets start at the range's start): the
    # last ``hours`` hours and the one in progress.
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours + 1)
    query = Query(start=start, end=end, group_by="total", metrics=WATCHED)
    if store_path is not None and store_path.is_file():
        try:
            with EventStore.open(store_path, readonly=True) as store:
                if has_events(store, start, end):
                    return judge(store_analytics(store, query, reasons=0), thresholds)
        except StoreError:
            pass  # not a readable store: CloudWatch may still answer
    if cloudwatch is None:
        return None
    result = cloudwatch_analytics(cloudwatch, query)
    if not result.totals.counts.get("send"):
        return None
    return judge(result, thresholds)
