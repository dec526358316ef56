"""The read-only tools' work: quota, templates, rendering, suppression and drift."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from reconciler.app import templates
from reconciler.app.suppression import suppression_entry
from reconciler.mcp.app import McpApp
from reconciler.mcp.guardrails import Refused
from reconciler.mcp.models import (
    Drift,
    DriftChange,
    DriftInput,
    ExperimentInput,
    ExperimentResults,
    GetTemplateInput,
    ListTemplatesInput,
    RenderProblem,
    RenderResult,
    RenderTemplateInput,
    SendQuota,
    ServerLimits,
    SuppressionResults,
    SuppressionStatus,
    TemplateDetail,
    TemplateList,
    TemplateSummary,
    VariantResult,
)
from reconciler.templates import RenderError, TemplateError


def server_limits(app: McpApp) -> ServerLimits:
    config = app.config
    return ServerLimits(
        max_recipients_per_call=config.limits.max_recipients_per_call,
        max_recipients_per_hour=config.limits.max_recipients_per_hour,
        remaining_this_hour=app.guardrails.budget.remaining(),
        simulator_only=config.simulator_only,
        senders=config.senders,
        configuration_sets=config.configuration_sets,
    )


def send_quota(app: McpApp) -> SendQuota:
    from reconciler.app.quota import read_quota

    summary = read_quota(app.gateway)
    return SendQuota(**summary, server_limits=server_limits(app))


def list_templates(app: McpApp, request: ListTemplatesInput) -> TemplateList:
    page = templates.list_templates(app.gateway, prefix=request.prefix, limit=request.limit)
    return TemplateList(
        templates=[
            TemplateSummary(name=t.name, created=t.created.isoformat() if t.created else None)
            for t in page.templates
        ],
        truncated=page.truncated,
    )


def fetch_template(app: McpApp, name: str) -> dict[str, Any]:
    """TemplateContent of a stored template, or Refused saying it does not exist."""
    content = templates.stored_content(app.gateway, name)
    if content is None:
        raise Refused(
            f"template {name!r} does not exist in this account and region",
            hint="list_templates shows the stored templates; templates are created through git (sesctl apply).",
        )
    return content


def get_template(app: McpApp, request: GetTemplateInput) -> TemplateDetail:
    content = fetch_template(app, request.name)
    required, optional = templates.variables(content)
    return TemplateDetail(
        name=request.name,
        subject=content.get("Subject"),
        html=content.get("Html"),
        text=content.get("Text"),
        required_variables=sorted(required),
        optional_variables=sorted(optional),
    )


def render_template(app: McpApp, request: RenderTemplateInput) -> RenderResult:
    inline = request.subject is not None or request.html is not None or request.text is not None
    if request.name and inline:
        raise Refused("give either name (a stored template) or subject/html/text (inline), not both")
    if request.name:
        content = fetch_template(app, request.name)
    elif inline:
        content = {"Subject": request.subject, "Html": request.html, "Text": request.text}
    else:
        raise Refused("give name (a stored template) or subject/html/text to render")
    try:
        rendered = templates.render(content, request.data)
    except RenderError as exc:
        return RenderResult(ok=False, error=_problem(exc, exc.variable or None))
    except TemplateError as exc:
        return RenderResult(ok=False, error=_problem(exc, None))
    return RenderResult(ok=True, subject=rendered.subject, html=rendered.html, text=rendered.text)


def _problem(exc: TemplateError, variable: str | None) -> RenderProblem:
    return RenderProblem(
        message=str(exc),
        variable=variable,
        part=exc.part or None,
        line=exc.line or None,
        column=exc.column or None,
    )


def check_suppression(app: McpApp, addresses: list[str]) -> SuppressionResults:
    results = []
    for address in addresses:
        entry = suppression_entry(app.gateway, address.strip())
        updated = entry.get("LastUpdateTime") if entry else None
        results.append(
            SuppressionStatus(
                email=address,
                suppressed=entry is not None,
                reason=entry.get("Reason") if entry else None,
                last_update=updated.isoformat() if isinstance(updated, datetime) else None,
                allowed_by_server=app.guardrails.recipient_allowed(address),
            )
        )
    return SuppressionResults(results=results)


def drift(app: McpApp, request: DriftInput) -> Drift:
    from reconciler.app.drift import drift as plan_drift

    environment = request.environment or app.settings.env or app.config.environment
    data = plan_drift(app.settings, app.config.project, environment, app.rates).to_dict()
    changes = [
        DriftChange(
            address=str(change["address"]),
            actions=[str(a) for a in change["actions"]],
            reason=change.get("reason"),
            fields=[str(f["path"]) for f in change.get("fields", [])],
            risks=[f"{r['severity']}: {r['message']}" for r in change.get("risks", [])],
        )
        for change in data["changes"]
    ]
    in_sync = not data["has_changes"]
    return Drift(
        in_sync=in_sync,
        stack=str(data["stack"]),
        environment=str(data["environment"]),
        region=str(data["region"]),
        summary={str(k): int(v) for k, v in data["summary"].items()},
        changes=changes,
        unmanaged=list(data["unmanaged"]),
        pending_prune=list(data["pending_prune"]),
        checksum=str(data["checksum"]),
        hint="Live SES matches git."
        if in_sync
        else "Live SES differs from git. Changes go through a pull request (sesctl plan / apply); "
        "this server never changes infrastructure.",
    )


def experiment_results(app: McpApp, request: ExperimentInput) -> ExperimentResults:
    from reconciler.app.experiments import status

    environment = request.environment or app.settings.env or app.config.environment
    project = Path(app.config.project)
    result = status(project, environment, request.name, project / ".sesctl" / "events.db")
    verdict = result.verdict
    return ExperimentResults(
        experiment=result.name,
        metric=result.spec.metric,
        confidence=result.spec.confidence,
        variants=[
            VariantResult(
                name=c.name, sends=c.sends, deliveries=c.deliveries, opens=c.opens, clicks=c.clicks,
                conversions=c.conversions, rate=arm.rate, low=arm.low, high=arm.high,
            )
            for c, arm in zip(result.counts, verdict.arms, strict=True)
        ],
        state=verdict.state,
        verdict=verdict.message,
        p_value=verdict.p_value,
        winner=verdict.winner,
        promoted=result.spec.winner,
    )
