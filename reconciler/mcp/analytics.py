"""get_email_analytics: counts and rates from the local event store, CloudWatch or VDM.

``source``: ``store`` (the SQLite store `sesctl events consume` fills; its path is
``SESCTL_EVENTS_STORE`` or .sesctl/events.db), ``cloudwatch`` (the metrics SES event
destinations publish), ``vdm`` (Virtual Deliverability Manager's BatchGetMetricData), or
``auto``: the store when it holds events in the range, else CloudWatch. The answer names the
source that answered. Which source answers is app/analytics.py's, shared with `sesctl analytics`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from reconciler.app.analytics import from_aws, from_store
from reconciler.events.analytics import AnalyticsError, Query, Result, Row
from reconciler.events.store import DEFAULT_STORE, StoreError
from reconciler.mcp.app import McpApp
from reconciler.mcp.guardrails import Refused
from reconciler.mcp.models import Analytics, AnalyticsInput, AnalyticsRow

STORE_ENV = "SESCTL_EVENTS_STORE"


def store_path() -> Path:
    return Path(os.environ.get(STORE_ENV) or DEFAULT_STORE)


def _row(row: Row) -> AnalyticsRow:
    return AnalyticsRow(key=row.key, counts=row.counts, rates=row.rates)


def email_analytics(app: McpApp, request: AnalyticsInput) -> Analytics:
    if request.end < request.start:
        raise Refused("end is before start")
    query = Query(
        start=datetime.combine(request.start, time(0), tzinfo=UTC),
        end=datetime.combine(request.end + timedelta(days=1), time(0), tzinfo=UTC),
        group_by=request.group_by,
        tag=request.tag,
        filters=dict(request.filters),
        metrics=tuple(request.metrics) if request.metrics else None,
    )
    try:
        result = _answer(app, request.source, query)
    except (AnalyticsError, StoreError) as exc:
        raise Refused(str(exc)) from None
    return Analytics(
        source=result.source,
        start=result.start,
        end=result.end,
        group_by=result.group_by,
        rows=[_row(row) for row in result.rows],
        totals=_row(result.totals),
        series_read=result.series_read,
        bounce_reasons=result.bounce_reasons,
        warnings=result.warnings,
    )


def _answer(app: McpApp, source: str, query: Query) -> Result:
    found = from_store(source, query, store_path())
    if found is not None:
        return found
    return from_aws(source, query, gateway=app.gateway, cloudwatch=app.cloudwatch())
