"""`sesctl alerts check`: the manifests' AlertPolicy thresholds (the documents `sesctl apply`
turns into CloudWatch alarms) evaluated over a window of the event store or of CloudWatch.

Without a project, or a project with no AlertPolicy, the defaults apply (one definition, in
reconciler/kinds/specs/alert_policy.py). Thresholds given on the command line win over both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.errors import UsageError
from reconciler.events.alerts import Alert, Thresholds, evaluate
from reconciler.events.analytics import Query, Result, store_analytics
from reconciler.events.store import EventStore
from reconciler.events.timerange import parse_moment
from reconciler.kinds.specs.alert_policy import AlertPolicySpec
from reconciler.settings import Settings


@dataclass(frozen=True)
class AlertsRequest:
    store: Path
    source: str = "store"  # "store" | "cloudwatch"
    since: str = "24h"
    until: str = "now"
    filters: Mapping[str, str] = field(default_factory=dict)
    overrides: Mapping[str, Any] = field(default_factory=dict)  # Thresholds fields from flags (None: not given)
    min_sends: int = 1
    check_quota: bool = False
    record: bool = True
    project: Path | None = None  # where to look for sesctl.yaml (None: the working directory)
    policy: str | None = None  # only this AlertPolicy


@dataclass(frozen=True)
class AlertsOutcome:
    result: Result
    alerts: list[Alert]
    policies: list[str]  # the AlertPolicy documents evaluated (empty: the defaults)

    @property
    def fired(self) -> list[Alert]:
        return [a for a in self.alerts if a.fired]

    def to_dict(self) -> dict[str, Any]:
        return {
            "fired": bool(self.fired),
            "source": self.result.source,
            "start": self.result.start,
            "end": self.result.end,
            "alerts": [a.to_dict() for a in self.alerts],
        }


def policies(project: Path | None, env: str | None) -> dict[str, Thresholds]:
    """name -> thresholds of every AlertPolicy in the project's manifests ({} without a project).
    Broken manifests raise ManifestInvalid (every problem with file:line), as for plan."""
    from reconciler.manifest import load_manifests
    from reconciler.manifest.project import find_project_file

    if find_project_file(project or Path.cwd()) is None:
        return {}
    state = load_manifests(project or Path.cwd(), env)
    return {
        str(r.ses_name): Thresholds.from_policy(r.spec)
        for r in state.resources
        if isinstance(r.spec, AlertPolicySpec)
    }


def _selected(request: AlertsRequest, env: str | None) -> dict[str | None, Thresholds]:
    found = policies(request.project, env)
    if request.policy is not None:
        if request.policy not in found:
            known = ", ".join(sorted(found)) or "none"
            raise UsageError(f"--policy {request.policy}: no AlertPolicy of that name in the manifests (policies: {known})")
        found = {request.policy: found[request.policy]}
    chosen: dict[str | None, Thresholds] = {None: Thresholds()}
    if found:
        chosen = {name: thresholds for name, thresholds in found.items()}
    return {
        name: thresholds.overridden(**request.overrides, min_sends=request.min_sends)
        for name, thresholds in chosen.items()
    }


def _analytics(settings: Settings, request: AlertsRequest, query: Query) -> Result:
    if request.source == "store":
        with EventStore.open(request.store, readonly=True) as store:
            return store_analytics(store, query, reasons=0)
    from reconciler.app.connect import connect
    from reconciler.events.cloudwatch import cloudwatch_analytics

    with connect(settings) as conn:
        return cloudwatch_analytics(conn.aws.client("cloudwatch"), query)


def check(settings: Settings, request: AlertsRequest) -> AlertsOutcome:
    """Every selected policy's alerts over the window; fired ones recorded in the store (source
    store, unless ``record`` is off) for the report."""
    now = datetime.now(UTC)
    start, end = parse_moment(request.since, "--since", now), parse_moment(request.until, "--until", now)
    if end <= start:
        raise UsageError(f"--until ({end.isoformat()}) is not after --since ({start.isoformat()})")
    selected = _selected(request, settings.env)
    query = Query(start=start, end=end, group_by="total", filters=dict(request.filters))
    result = _analytics(settings, request, query)
    quota = None
    if request.check_quota:
        from reconciler.app.quota import quota as read_quota

        quota = read_quota(settings)
    alerts = [a for name, thresholds in selected.items() for a in evaluate(result, thresholds, quota, name)]
    outcome = AlertsOutcome(result, alerts, [n for n in selected if n is not None])
    if outcome.fired and request.record and request.source == "store":
        with EventStore.open(request.store) as store:
            for alert in outcome.fired:
                store.record_alert(alert.label, alert.value, alert.threshold, alert.message)
    return outcome
