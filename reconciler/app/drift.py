"""The drift use case: a full plan of a project against live SES, as data (nothing changes).

The MCP server's get_drift reads it; `sesctl github drift` takes a saved full plan instead."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reconciler.app.plan import PlanRequest, plan
from reconciler.aws.ratelimit import RatesInput
from reconciler.engine.plan import Plan
from reconciler.settings import Settings


def drift(settings: Settings, project: Path, environment: str | None, rate: RatesInput = None) -> Plan:
    return plan(replace(settings, color=False), PlanRequest(path=project, env=environment, rate=rate)).plan
