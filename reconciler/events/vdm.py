"""Analytics from Virtual Deliverability Manager (SES's own aggregation: BatchGetMetricData),
for an account whose mail no local store sees, with VDM enabled (a paid option).

VDM counts per UTC day, by the sending identity, the configuration set and the recipient's ISP,
and leaves out mail to the mailbox simulator, mail to several recipients and bounces caused by
the account's suppression list (the API reference's definitions). Our metrics map onto its:

    send SEND, delivery DELIVERY, bounce PERMANENT_BOUNCE + TRANSIENT_BOUNCE, complaint
    COMPLAINT, open OPEN, click CLICK (VDM counts unique opens and clicks: one per message)

and ``reputation_bounce_rate`` is PERMANENT_BOUNCE per send, which is what SES's reputation
counts. VDM has no reject, rendering failure, delay or subscription counts, no tags and no
hours. Grouping by configuration set asks for each set ListConfigurationSets names; grouping by
recipient domain asks for each ISP of ses_types.VDM_ISPS. What the named groups do not cover
(mail without a configuration set, other ISPs) is the rest of the total, shown as its own row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.aws.gateway import SesGateway
from reconciler.errors import AwsError
from reconciler.events.analytics import NONE_KEY, AnalyticsError, Query, Result, Row, rates_for
from reconciler.ses_types import VDM_ISPS

# our metric -> the VDM metrics whose sum it is
VDM_METRICS: dict[str, tuple[str, ...]] = {
    "send": ("SEND",),
    "delivery": ("DELIVERY",),
    "bounce": ("PERMANENT_BOUNCE", "TRANSIENT_BOUNCE"),
    "complaint": ("COMPLAINT",),
    "open": ("OPEN",),
    "click": ("CLICK",),
}
GROUPS = {"day": None, "total": None, "configuration_set": "CONFIGURATION_SET", "recipient_domain": "ISP"}
# --filter NAME=VALUE that VDM can answer: the tag SES puts on every message of a configuration set
FILTERS = {"ses:configuration-set": "CONFIGURATION_SET"}
MAX_QUERIES = 10  # per BatchGetMetricData call
OTHER_ISP = "(other)"
_DAY = timedelta(days=1)


def _floor_day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def whole_days(query: Query) -> tuple[datetime, datetime]:
    """The query's range widened to whole UTC days (VDM counts per day)."""
    start = _floor_day(query.start)
    end = _floor_day(query.end)
    if end < query.end:
        end += _DAY
    return start, end


def _check(query: Query) -> list[str]:
    query.check()
    if query.group_by not in GROUPS:
        raise AnalyticsError(
            f"VDM cannot group by {query.group_by}: its dimensions are the sending identity, the configuration "
            "set and the recipient's ISP (group by day, configuration-set, recipient-domain or total; or use "
            "--source store or cloudwatch)"
        )
    for name in query.filters:
        if name not in FILTERS:
            raise AnalyticsError(
                f"VDM cannot filter by the tag {name!r}: only {', '.join(FILTERS)} (the configuration set); "
                "use --source store or cloudwatch"
            )
    wanted = list(query.metrics or VDM_METRICS)
    unknown = [m for m in wanted if m not in VDM_METRICS]
    if unknown:
        raise AnalyticsError(
            f"VDM has no {', '.join(unknown)} count: it has {', '.join(VDM_METRICS)} (use --source store)"
        )
    return wanted


def _slices(gateway: SesGateway, query: Query, base: dict[str, str]) -> list[tuple[str | None, dict[str, str]]]:
    """(group key, dimensions) to ask for; the key None is the total (everything ``base`` selects)."""
    dimension = GROUPS[query.group_by]
    if dimension is None:
        return [(None, base)]
    if dimension in base:  # grouped by what the filter already fixes: one group
        return [(None, base), (base[dimension], base)]
    if dimension == "ISP":
        values = list(VDM_ISPS)
    else:
        values = sorted(str(name) for name in gateway.paginate("ListConfigurationSets", "ConfigurationSets", cached=False))
    return [(None, base), *((value, {**base, dimension: value}) for value in values)]


def _ask(gateway: SesGateway, queries: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Query id -> {day (YYYY-MM-DD): value}, ten queries a call."""
    found: dict[str, dict[str, int]] = {}
    for first in range(0, len(queries), MAX_QUERIES):
        answer = gateway.call("BatchGetMetricData", Queries=queries[first : first + MAX_QUERIES])
        for error in answer.get("Errors") or []:
            hint = (
                " (allow ses:BatchGetMetricData, and enable VDM: PutAccountVdmAttributes)"
                if error.get("Code") == "ACCESS_DENIED"
                else ""
            )
            raise AnalyticsError(
                f"VDM could not answer query {error.get('Id')}: {error.get('Code')}: {error.get('Message')}{hint}"
            )
        for result in answer.get("Results") or []:
            days = found.setdefault(str(result["Id"]), {})
            for stamp, value in zip(result.get("Timestamps") or [], result.get("Values") or [], strict=False):
                day = _floor_day(stamp).strftime("%Y-%m-%d")
                days[day] = days.get(day, 0) + int(value)
    return found


def _vdm_warning(gateway: SesGateway) -> str | None:
    try:
        account = gateway.call("GetAccount")
    except AwsError:
        return None  # no permission to look: the counts speak for themselves
    if (account.get("VdmAttributes") or {}).get("VdmEnabled") != "ENABLED":
        return (
            "VDM is not enabled on this account: it counts nothing until it is "
            "(PutAccountVdmAttributes VdmEnabled=ENABLED, a paid option)"
        )
    return None


class _Answers:
    """The answers, by (slice index, VDM metric) -> {day: value}, read as our metrics."""

    def __init__(self, per_slice: dict[tuple[int, str], dict[str, int]], wanted: list[str]) -> None:
        self.per_slice = per_slice
        self.wanted = wanted

    def _value(self, index: int, metric: str, day: str | None) -> int:
        days = self.per_slice.get((index, metric), {})
        return days.get(day, 0) if day is not None else sum(days.values())

    def row(self, key: str, index: int, day: str | None = None) -> tuple[Row, int]:
        """The row of slice ``index`` (on ``day``, else over the range), and its hard bounces."""
        counts = {name: sum(self._value(index, m, day) for m in VDM_METRICS[name]) for name in self.wanted}
        hard = self._value(index, "PERMANENT_BOUNCE", day)
        return Row(key, counts, rates_for(counts, self.wanted, hard)), hard

    def days(self) -> list[str]:
        return sorted({day for (index, _), values in self.per_slice.items() if index == 0 for day in values})


def _rows(query: Query, slices: list[tuple[str | None, dict[str, str]]], answers: _Answers, total: Row, hard_total: int) -> list[Row]:
    wanted = answers.wanted
    if query.group_by == "total":
        return []
    if query.group_by == "day":
        # VDM answers every day of the range; list the days with mail, as the store does.
        return [row for row, _ in (answers.row(day, 0, day) for day in answers.days()) if any(row.counts.values())]
    rows: list[Row] = []
    rest = dict(total.counts)
    rest_hard = hard_total
    for index, (key, _) in enumerate(slices):
        if key is None:
            continue
        row, hard = answers.row(key, index)
        if any(row.counts.values()):
            rows.append(row)
            rest = {name: rest[name] - row.counts[name] for name in wanted}
            rest_hard -= hard
    if any(rest.values()):  # what no named group covers: no configuration set, another ISP
        label = OTHER_ISP if GROUPS[query.group_by] == "ISP" else NONE_KEY
        rows.append(Row(label, rest, rates_for(rest, wanted, rest_hard)))
    return sorted(rows, key=lambda row: row.key)


def vdm_analytics(gateway: SesGateway, query: Query) -> Result:
    """Counts and rates from BatchGetMetricData, in the shape the store and CloudWatch answer."""
    wanted = _check(query)
    start, end = whole_days(query)
    warnings: list[str] = []
    if (start, end) != (query.start, query.end):
        warnings.append(
            f"VDM counts whole UTC days: the range is {start:%Y-%m-%d} to {end - _DAY:%Y-%m-%d} inclusive"
        )
    enabled = _vdm_warning(gateway)
    if enabled:
        warnings.append(enabled)
    base = {FILTERS[name]: value for name, value in query.filters.items()}
    slices = _slices(gateway, query, base)
    needed = sorted({m for name in wanted for m in VDM_METRICS[name]} | {"PERMANENT_BOUNCE"})
    queries: list[dict[str, Any]] = []
    meta: dict[str, tuple[int, str]] = {}  # query id -> (slice index, VDM metric)
    for index, (_, dimensions) in enumerate(slices):
        for metric in needed:
            query_id = f"q{len(queries)}"
            meta[query_id] = (index, metric)
            item: dict[str, Any] = {"Id": query_id, "Namespace": "VDM", "Metric": metric, "StartDate": start, "EndDate": end}
            if dimensions:
                item["Dimensions"] = dict(dimensions)
            queries.append(item)
    answers = _Answers({meta[qid]: days for qid, days in _ask(gateway, queries).items()}, wanted)
    totals, hard_total = answers.row("total", 0)
    return Result(
        source="vdm",
        start=start.isoformat(),
        end=end.isoformat(),
        group_by="isp" if query.group_by == "recipient_domain" else query.group_by,
        rows=_rows(query, slices, answers, totals, hard_total),
        totals=totals,
        series_read=len(queries),
        warnings=warnings,
    )
