"""get_email_analytics: counts and rates from the CloudWatch metrics SES event destinations publish.

A CloudWatch event destination publishes each event as metric ``AWS/SES <Type>`` (Send,
Delivery, Bounce, ...) with the destination's configured dimensions (message tags such as
``campaign`` or ``ses:configuration-set``). CloudWatch only returns a series for an exact
dimension set, so this module lists the series (ListMetrics), keeps those whose dimensions
match the tag filters (and carry the grouping tag), and sums them with GetMetricData
``MetricStat`` queries (Sum), per day, per hour, or over the whole range per tag value. No
metric math: it is computed here (and moto's CloudWatch does not implement it).

Caveat, reported as a warning: when two CloudWatch destinations publish the same events with
different dimension sets, both sets are summed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.aws.gateway import map_error
from reconciler.mcp.app import McpApp
from reconciler.mcp.guardrails import Refused
from reconciler.mcp.models import Analytics, AnalyticsInput, AnalyticsRow

NAMESPACE = "AWS/SES"
METRICS: dict[str, str] = {  # tool name -> CloudWatch metric name
    "send": "Send",
    "delivery": "Delivery",
    "bounce": "Bounce",
    "complaint": "Complaint",
    "reject": "Reject",
    "open": "Open",
    "click": "Click",
    "rendering_failure": "RenderingFailure",
}
RATES: dict[str, tuple[str, str]] = {  # rate -> (numerator, denominator)
    "delivery_rate": ("delivery", "send"),
    "bounce_rate": ("bounce", "send"),
    "complaint_rate": ("complaint", "send"),
    "reject_rate": ("reject", "send"),
    "rendering_failure_rate": ("rendering_failure", "send"),
    "open_rate": ("open", "delivery"),
    "click_rate": ("click", "delivery"),
}
MAX_QUERIES = 500  # GetMetricData's limit per call
MAX_DAYS = 455  # CloudWatch keeps hourly data 455 days
MAX_HOURS = 24 * 14


def _call(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    try:
        response: dict[str, Any] = getattr(client, operation)(**params)
    except (ClientError, BotoCoreError) as exc:
        raise map_error(exc, operation, params, client) from exc
    return response


def _series(client: Any, metric: str) -> list[dict[str, str]]:
    """The dimension sets of every series of ``metric`` (as {name: value})."""
    found: list[dict[str, str]] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"Namespace": NAMESPACE, "MetricName": metric}
        if token:
            params["NextToken"] = token
        page = _call(client, "list_metrics", **params)
        for item in page.get("Metrics", []):
            dims = {str(d["Name"]): str(d["Value"]) for d in item.get("Dimensions", [])}
            if dims and dims not in found:
                found.append(dims)
        token = page.get("NextToken")
        if not token:
            return found


def _window(request: AnalyticsInput) -> tuple[datetime, datetime, int]:
    if request.end < request.start:
        raise Refused("end is before start")
    start = datetime.combine(request.start, time(0), tzinfo=UTC)
    end = datetime.combine(request.end + timedelta(days=1), time(0), tzinfo=UTC)
    days = (end - start).days
    if request.group_by == "hour":
        if days * 24 > MAX_HOURS:
            raise Refused(
                f"group_by=hour covers at most {MAX_HOURS // 24} days; narrow start..end or group by day"
            )
        return start, end, 3600
    if days > MAX_DAYS:
        raise Refused(f"at most {MAX_DAYS} days (CloudWatch's retention of hourly data)")
    if request.group_by == "day":
        return start, end, 86400
    return start, end, int((end - start).total_seconds())


def _key(group_by: str, stamp: datetime) -> str:
    stamp = stamp.astimezone(UTC)
    return stamp.strftime("%Y-%m-%d") if group_by == "day" else stamp.strftime("%Y-%m-%dT%H:00Z")


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


def _row(key: str, counts: dict[str, int], wanted: list[str]) -> AnalyticsRow:
    rates: dict[str, float | None] = {}
    for rate, (top, bottom) in RATES.items():
        if top in wanted and bottom in wanted:
            rates[rate] = round(counts[top] / counts[bottom], 6) if counts[bottom] else None
    return AnalyticsRow(key=key, counts=counts, rates=rates)


def email_analytics(app: McpApp, request: AnalyticsInput) -> Analytics:
    if request.group_by == "tag" and not request.tag:
        raise Refused("group_by=tag needs tag (the message tag, e.g. campaign)")
    wanted = list(request.metrics or METRICS)
    start, end, period = _window(request)
    client = app.cloudwatch()
    needed = set(request.filters) | ({request.tag} if request.group_by == "tag" and request.tag else set())
    queries: list[dict[str, Any]] = []
    meta: dict[str, tuple[str, str]] = {}  # query id -> (tool metric, tag value for grouping)
    schemas: set[frozenset[str]] = set()
    seen_names: set[str] = set()
    for name in wanted:
        for dims in _series(client, METRICS[name]):
            seen_names.update(dims)
            if not needed <= set(dims):
                continue
            if any(dims[k] != v for k, v in request.filters.items()):
                continue
            schemas.add(frozenset(dims))
            query_id = f"q{len(queries)}"
            meta[query_id] = (name, dims.get(request.tag or "", "") if request.group_by == "tag" else "")
            queries.append(
                {
                    "Id": query_id,
                    "MetricStat": {
                        "Metric": {
                            "Namespace": NAMESPACE,
                            "MetricName": METRICS[name],
                            "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(dims.items())],
                        },
                        "Period": period,
                        "Stat": "Sum",
                    },
                    "ReturnData": True,
                }
            )
    totals: dict[str, int] = dict.fromkeys(wanted, 0)
    grouped: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(wanted, 0))
    for chunk in _chunks(queries, MAX_QUERIES):
        token: str | None = None
        while True:
            params: dict[str, Any] = {"MetricDataQueries": chunk, "StartTime": start, "EndTime": end}
            if token:
                params["NextToken"] = token
            page = _call(client, "get_metric_data", **params)
            for result in page.get("MetricDataResults", []):
                name, tag_value = meta[str(result["Id"])]
                for stamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                    count = round(float(value))
                    if stamp < start or stamp >= end:
                        continue
                    key = tag_value if request.group_by == "tag" else _key(request.group_by, stamp)
                    grouped[key][name] += count
                    totals[name] += count
            token = page.get("NextToken")
            if not token:
                break
    warnings: list[str] = []
    missing = sorted(needed - seen_names)
    if missing:
        warnings.append(
            f"no SES metric carries the dimension(s) {', '.join(missing)}: add them to the CloudWatch event "
            "destination's dimensionConfigurations (value source MESSAGE_TAG)"
        )
    if len(schemas) > 1:
        warnings.append(
            "series with different dimension sets were summed; if two CloudWatch destinations publish the "
            "same events, counts are doubled (use one CloudWatch destination per configuration set)"
        )
    if not queries and not missing:
        warnings.append("no SES metrics in CloudWatch: is a CloudWatch event destination configured?")
    return Analytics(
        start=start.isoformat(),
        end=end.isoformat(),
        group_by=request.group_by if request.group_by != "tag" else f"tag:{request.tag}",
        rows=[_row(key, counts, wanted) for key, counts in sorted(grouped.items())],
        totals=_row("total", totals, wanted),
        series_read=len(queries),
        warnings=warnings,
    )
