"""Analytics from the CloudWatch metrics SES event destinations publish (the source for an
account that outgrew one machine's store, or that has no consumer).

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
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.aws.gateway import map_error
from reconciler.events.analytics import METRICS, AnalyticsError, Query, Result, Row, rates_for

NAMESPACE = "AWS/SES"
METRIC_NAMES: dict[str, str] = {  # our name -> CloudWatch metric name
    "send": "Send",
    "delivery": "Delivery",
    "bounce": "Bounce",
    "complaint": "Complaint",
    "reject": "Reject",
    "open": "Open",
    "click": "Click",
    "rendering_failure": "RenderingFailure",
    "delivery_delay": "DeliveryDelay",
    "subscription": "Subscription",
}
# Grouping by a store column means grouping by the dimension that carries it, if any.
GROUP_TAGS = {
    "configuration_set": "ses:configuration-set",
    "variant": "sesctl-variant",
    "template": "sesctl-template",
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


def _period(query: Query, group_by: str) -> int:
    seconds = (query.end - query.start).total_seconds()
    if group_by == "hour":
        if seconds > MAX_HOURS * 3600:
            raise AnalyticsError(
                f"group_by=hour covers at most {MAX_HOURS // 24} days; narrow start..end or group by day"
            )
        return 3600
    if seconds > MAX_DAYS * 86400:
        raise AnalyticsError(f"at most {MAX_DAYS} days (CloudWatch's retention of hourly data)")
    if group_by == "day":
        return 86400
    return max(60, -(-int(seconds) // 60) * 60)


def _key(group_by: str, stamp: datetime) -> str:
    stamp = stamp.astimezone(UTC)
    return stamp.strftime("%Y-%m-%d") if group_by == "day" else stamp.strftime("%Y-%m-%dT%H:00Z")


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


def cloudwatch_analytics(client: Any, query: Query) -> Result:
    query.check()
    group_by, tag = query.group_by, query.tag
    if group_by == "recipient_domain":
        raise AnalyticsError(
            "CloudWatch has no recipient domain dimension: use the event store (--source store)"
        )
    if group_by in GROUP_TAGS:
        group_by, tag = "tag", GROUP_TAGS[group_by]
    wanted = list(query.metrics or METRICS)
    unknown = [m for m in wanted if m not in METRIC_NAMES]
    if unknown:
        raise AnalyticsError(f"unknown metric(s) {', '.join(unknown)}")
    period = _period(query, group_by)
    start, end = query.start, query.end
    needed = set(query.filters) | ({tag} if group_by == "tag" and tag else set())
    queries: list[dict[str, Any]] = []
    meta: dict[str, tuple[str, str]] = {}  # query id -> (metric, tag value for grouping)
    schemas: set[frozenset[str]] = set()
    seen_names: set[str] = set()
    for name in wanted:
        for dims in _series(client, METRIC_NAMES[name]):
            seen_names.update(dims)
            if not needed <= set(dims):
                continue
            if any(dims[k] != v for k, v in query.filters.items()):
                continue
            schemas.add(frozenset(dims))
            query_id = f"q{len(queries)}"
            meta[query_id] = (name, dims.get(tag or "", "") if group_by == "tag" else "")
            queries.append(
                {
                    "Id": query_id,
                    "MetricStat": {
                        "Metric": {
                            "Namespace": NAMESPACE,
                            "MetricName": METRIC_NAMES[name],
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
                    if group_by == "tag":
                        key = tag_value
                    elif group_by == "total":
                        key = "total"
                    else:
                        key = _key(group_by, stamp)
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
    return Result(
        source="cloudwatch",
        start=start.isoformat(),
        end=end.isoformat(),
        group_by=f"tag:{tag}" if group_by == "tag" else group_by,
        rows=[Row(key, counts, rates_for(counts, wanted)) for key, counts in sorted(grouped.items())]
        if group_by != "total"
        else [],
        totals=Row("total", totals, rates_for(totals, wanted)),
        series_read=len(queries),
        warnings=warnings,
    )
