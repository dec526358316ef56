"""get_email_analytics: counts and rates from the local event store or from CloudWatch.

``source``: ``store`` (the SQLite store `sesctl events consume` fills; its path is
``SESCTL_EVENTS_STORE`` or .sesctl/events.db), ``cloudwatch`` (the metrics SES event
destinations publish), or ``auto``: the store when it holds events in the range, else
CloudWatch. The answer names the source that answered. The queries themselves live in
reconciler/events (analytics.py, cloudwatch.py), shared with `sesctl analytics`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from reconciler.events.analytics import AnalyticsError, Query, Result, Row, has_events, store_analytics
from reconciler.events.cloudwatch import cloudwatch_analytics
from reconciler.events.store import DEFAULT_STORE, EventStore, StoreError
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
    query.check()
    path = store_path()
    if source == "store" or (source == "auto" and path.is_file()):
        try:
            with EventStore.open(path, readonly=True) as store:
                if source == "store" or has_events(store, query.start, query.end):
                    return store_analytics(store, query)
        except StoreError:
            if source == "store":
                raise
    return cloudwatch_analytics(app.cloudwatch(), query)
