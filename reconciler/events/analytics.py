"""Analytics over the event store: counts and rates by day, hour, tag, configuration set,
template, variant or recipient domain, over a time range, with tag filters; top bounce reasons.

The result model (Query, Row, Result) is shared with the CloudWatch source (cloudwatch.py), so
`sesctl analytics` and the MCP tool get_email_analytics print either the same way.

Rates (see docs/events.md, "Reading the numbers"):
- ``bounce_rate`` = bounces / sends, every bounce (what the CloudWatch Bounce metric counts);
- ``reputation_bounce_rate`` = hard bounces / sends, as SES's reputation metric counts them:
  bounceType Permanent, not those SES did not even try because the address is on the account's
  suppression list (OnAccountSuppressionList); store only;
- ``complaint_rate`` = complaints / sends; ``delivery_rate``, ``reject_rate``,
  ``rendering_failure_rate`` per send; ``open_rate`` and ``click_rate`` per delivery.
Sends are per recipient (a message to three people is three sends), as SES counts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from reconciler.errors import UsageError
from reconciler.events.store import DAY_MS, HARD_BOUNCE, HOUR_MS, EventStore
from reconciler.events.timerange import to_ms

METRICS: tuple[str, ...] = (
    "send",
    "delivery",
    "bounce",
    "complaint",
    "reject",
    "open",
    "click",
    "rendering_failure",
)
STORE_ONLY_METRICS: tuple[str, ...] = ("delivery_delay", "subscription")
RATES: dict[str, tuple[str, str]] = {  # rate -> (numerator, denominator)
    "delivery_rate": ("delivery", "send"),
    "bounce_rate": ("bounce", "send"),
    "complaint_rate": ("complaint", "send"),
    "reject_rate": ("reject", "send"),
    "rendering_failure_rate": ("rendering_failure", "send"),
    "open_rate": ("open", "delivery"),
    "click_rate": ("click", "delivery"),
}
GROUPS: tuple[str, ...] = (
    "day",
    "hour",
    "tag",
    "configuration_set",
    "template",
    "variant",
    "recipient_domain",
    "total",
)
_COLUMN_GROUPS = {"configuration_set", "template", "variant", "recipient_domain"}
NONE_KEY = "(none)"
MAX_GROUP_ROWS = 10_000


class AnalyticsError(UsageError):
    """A query that cannot be answered as asked (a range backwards, group by tag without a tag)."""


@dataclass(frozen=True)
class Query:
    start: datetime  # inclusive
    end: datetime  # exclusive
    group_by: str = "day"
    tag: str | None = None
    filters: dict[str, str] = field(default_factory=dict)
    metrics: tuple[str, ...] | None = None

    def check(self) -> None:
        if self.end <= self.start:
            raise AnalyticsError("end is before start")
        if self.group_by not in GROUPS:
            raise AnalyticsError(f"group by {self.group_by!r}: expected one of {', '.join(GROUPS)}")
        if self.group_by == "tag" and not self.tag:
            raise AnalyticsError("group_by=tag needs tag (the message tag, e.g. campaign)")


@dataclass
class Row:
    key: str
    counts: dict[str, int]
    rates: dict[str, float | None]


@dataclass
class Result:
    source: str  # "store" or "cloudwatch"
    start: str
    end: str
    group_by: str
    rows: list[Row]
    totals: Row
    bounce_reasons: list[dict[str, Any]] = field(default_factory=list)
    series_read: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rates_for(
    counts: dict[str, int], wanted: list[str], hard_bounces: int | None = None
) -> dict[str, float | None]:
    rates: dict[str, float | None] = {}
    for rate, (top, bottom) in RATES.items():
        if top in wanted and bottom in wanted:
            rates[rate] = round(counts[top] / counts[bottom], 6) if counts[bottom] else None
    if hard_bounces is not None and "bounce" in wanted and "send" in wanted:
        rates["reputation_bounce_rate"] = round(hard_bounces / counts["send"], 6) if counts["send"] else None
    return rates


def _filters(query: Query) -> tuple[str, list[Any]]:
    sql = ""
    params: list[Any] = []
    for name, value in sorted(query.filters.items()):
        sql += " AND e.tagset_id IN (SELECT tagset_id FROM tagset_tags WHERE name = ? AND value = ?)"
        params += [name, value]
    return sql, params


def _label(group_by: str, key: Any) -> str:
    if key is None:
        return NONE_KEY
    if group_by == "day":
        return datetime.fromtimestamp(int(key) * 86400, UTC).strftime("%Y-%m-%d")
    if group_by == "hour":
        return datetime.fromtimestamp(int(key) * 3600, UTC).strftime("%Y-%m-%dT%H:00Z")
    return str(key)


def _counts(store: EventStore, query: Query) -> Iterator[tuple[Any, str, int, int]]:
    """(group key, event type, events, hard bounces) over the query's range and filters.

    Day, hour, tag and total groupings read the hourly rollup for the whole hours in the range
    and the events themselves only for the partial hours at its ends; the other groupings
    (columns of the events) read the daily rollup for the whole days and the events for the
    partial days at the ends."""
    group = query.group_by
    where, filter_params = _filters(query)
    start, end = to_ms(query.start), to_ms(query.end)
    event_key = {
        "day": "e.event_time / 86400000",
        "hour": f"e.event_time / {HOUR_MS}",
        "tag": "e.tagset_id",
        "total": "NULL",
    }.get(group, f"e.{group}")

    def from_events(low: int, high: int) -> Iterator[tuple[Any, str, int, int]]:
        if low >= high:
            return
        params = [low, high, *filter_params]
        counts = store.conn.execute(
            f"SELECT {event_key} AS k, e.event_type, count(*) FROM events e"
            f" WHERE e.event_time >= ? AND e.event_time < ?{where} GROUP BY k, e.event_type",
            params,
        )
        for key, kind, count in counts:
            yield key, kind, int(count), 0
        # Hard bounces as SES's reputation counts them: few rows, found through (event_type, event_time).
        hard = store.conn.execute(
            f"SELECT {event_key} AS k, count(*) FROM events e WHERE e.event_type = 'bounce'"
            f" AND e.event_time >= ? AND e.event_time < ?{where} AND {HARD_BOUNCE}"
            " GROUP BY k",
            params,
        )
        for key, count in hard:
            yield key, "bounce", 0, int(count)

    if group not in ("day", "hour", "tag", "total"):
        # A column of the events: the daily rollup for the whole days, the events for the rest.
        first_day = -(-start // DAY_MS)
        last_day = end // DAY_MS
        if first_day >= last_day:
            yield from from_events(start, end)
            return
        yield from from_events(start, first_day * DAY_MS)
        yield from from_events(last_day * DAY_MS, end)
        rows = store.conn.execute(
            f"SELECT k.value, e.event_type, sum(e.events), sum(e.hard_bounces) FROM rollup_daily e"
            f" LEFT JOIN dims k ON k.id = e.{group}_id"
            f" WHERE e.day >= ? AND e.day < ?{where} GROUP BY e.{group}_id, e.event_type",
            [first_day, last_day, *filter_params],
        )
        for key, kind, count, hard in rows:
            yield key, kind, int(count), int(hard)
        return
    first_hour = -(-start // HOUR_MS)
    last_hour = end // HOUR_MS
    if first_hour >= last_hour:
        yield from from_events(start, end)
        return
    yield from from_events(start, first_hour * HOUR_MS)
    yield from from_events(last_hour * HOUR_MS, end)
    rollup_key = {"day": "e.hour / 24", "hour": "e.hour", "tag": "e.tagset_id", "total": "NULL"}[group]
    rows = store.conn.execute(
        f"SELECT {rollup_key} AS k, e.event_type, sum(e.events), sum(e.hard_bounces) FROM rollup e"
        f" WHERE e.hour >= ? AND e.hour < ?{where} GROUP BY k, e.event_type",
        [first_hour, last_hour, *filter_params],
    )
    for key, kind, count, hard in rows:
        yield key, kind, int(count), int(hard)


def _tag_values(store: EventStore, tag: str) -> dict[int, str]:
    """tag set id -> the value of ``tag`` in it, for the sets that carry the tag."""
    rows = store.conn.execute("SELECT tagset_id, value FROM tagset_tags WHERE name = ?", (tag,))
    return {int(tagset_id): str(value) for tagset_id, value in rows}


def has_events(store: EventStore, start: datetime | None = None, end: datetime | None = None) -> bool:
    sql = "SELECT 1 FROM events WHERE event_time >= ? AND event_time < ? LIMIT 1"
    low = to_ms(start) if start else -(2**62)
    high = to_ms(end) if end else 2**62
    return store.conn.execute(sql, (low, high)).fetchone() is not None


def store_analytics(store: EventStore, query: Query, *, reasons: int = 10) -> Result:
    """Counts and rates from the store (one GROUP BY over the time range)."""
    query.check()
    wanted = list(query.metrics or METRICS)
    unknown = [m for m in wanted if m not in METRICS + STORE_ONLY_METRICS]
    if unknown:
        raise AnalyticsError(
            f"unknown metric(s) {', '.join(unknown)}: expected {', '.join(METRICS + STORE_ONLY_METRICS)}"
        )
    group = query.group_by
    labels = _tag_values(store, query.tag) if group == "tag" and query.tag else {}

    def label_of(raw_key: Any) -> str:
        if group == "total":
            return "total"
        if group == "tag":
            return labels.get(raw_key, NONE_KEY)
        return _label(group, raw_key)

    grouped: dict[str, dict[str, int]] = {}
    totals = dict.fromkeys(wanted, 0)
    hard_by_key: dict[str, int] = {}
    for raw_key, event_type, count, hard in _counts(store, query):
        label = label_of(raw_key)
        counts = grouped.setdefault(label, dict.fromkeys(wanted, 0))
        if event_type in counts:
            counts[event_type] += int(count)
            totals[event_type] += int(count)
        if hard:
            hard_by_key[label] = hard_by_key.get(label, 0) + int(hard)
    hard_total = sum(hard_by_key.values())
    warnings: list[str] = []
    keys = sorted(grouped)
    if len(keys) > MAX_GROUP_ROWS:
        warnings.append(
            f"{len(keys)} groups; only the first {MAX_GROUP_ROWS} are listed (the totals count all)"
        )
        keys = keys[:MAX_GROUP_ROWS]
    if group == "tag" and query.tag and not any(k != NONE_KEY for k in keys) and keys:
        warnings.append(f"no event in the range carries the tag {query.tag!r}")
    rows = [Row(k, grouped[k], rates_for(grouped[k], wanted, hard_by_key.get(k, 0))) for k in keys]
    return Result(
        source="store",
        start=query.start.isoformat(),
        end=query.end.isoformat(),
        group_by=f"tag:{query.tag}" if group == "tag" else group,
        rows=rows if group != "total" else [],
        totals=Row("total", totals, rates_for(totals, wanted, hard_total)),
        bounce_reasons=bounce_reasons(store, query, limit=reasons) if reasons else [],
        warnings=warnings,
    )


def bounce_reasons(store: EventStore, query: Query, limit: int = 10) -> list[dict[str, Any]]:
    """The most frequent bounces by type, subtype and SMTP status, each with an example
    diagnostic (addresses in it masked)."""
    where, params = _filters(query)
    sql = (
        "SELECT e.bounce_type, e.bounce_subtype, e.status, count(*) AS n, min(e.diagnostic) FROM events e"
        f" WHERE e.event_type = 'bounce' AND e.event_time >= ? AND e.event_time < ?{where}"
        " GROUP BY e.bounce_type, e.bounce_subtype, e.status ORDER BY n DESC, 1, 2, 3 LIMIT ?"
    )
    out = []
    for bounce_type, subtype, status, count, example in store.conn.execute(
        sql, [to_ms(query.start), to_ms(query.end), *params, limit]
    ):
        out.append(
            {
                "bounce_type": bounce_type,
                "bounce_subtype": subtype,
                "status": status,
                "count": int(count),
                "example": example,
            }
        )
    return out
