"""The read-only tools' work: quota, templates, rendering, suppression and drift."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reconciler.mcp.app import McpApp
from reconciler.mcp.guardrails import Refused
from reconciler.mcp.models import (
    Drift,
    DriftChange,
    DriftInput,
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
)
from reconciler.templates import RenderError, TemplateError, analyze, render_email


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
    found: list[TemplateSummary] = []
    token: str | None = None
    truncated = False
    while True:
        page = app.gateway.call("ListEmailTemplates", PageSize=100, **({"NextToken": token} if token else {}))
        for item in page.get("TemplatesMetadata") or []:
            name = str(item.get("TemplateName", ""))
            if request.prefix and not name.startswith(request.prefix):
                continue
            if len(found) == request.limit:
                truncated = True
                break
            created = item.get("CreatedTimestamp")
            found.append(
                TemplateSummary(
                    name=name, created=created.isoformat() if isinstance(created, datetime) else None
                )
            )
        token = page.get("NextToken")
        if truncated or not token:
            return TemplateList(templates=found, truncated=truncated)


def fetch_template(app: McpApp, name: str) -> dict[str, Any]:
    """TemplateContent of a stored template, or Refused saying it does not exist."""
    found = app.gateway.get_or_none("GetEmailTemplate", TemplateName=name)
    if found is None:
        raise Refused(
            f"template {name!r} does not exist in this account and region",
            hint="list_templates shows the stored templates; templates are created through git (sesctl apply).",
        )
    content: dict[str, Any] = found["TemplateContent"]
    return content


def get_template(app: McpApp, request: GetTemplateInput) -> TemplateDetail:
    content = fetch_template(app, request.name)
    required: set[str] = set()
    optional: set[str] = set()
    for key in ("Subject", "Html", "Text"):
        source = content.get(key)
        if source is None:
            continue
        try:
            contract = analyze(source)
        except TemplateError:
            continue  # render_template reports the syntax error with its position
        required |= contract.required
        optional |= contract.optional
    return TemplateDetail(
        name=request.name,
        subject=content.get("Subject"),
        html=content.get("Html"),
        text=content.get("Text"),
        required_variables=sorted(required),
        optional_variables=sorted(optional - required),
    )


def render_template(app: McpApp, request: RenderTemplateInput) -> RenderResult:
    inline = request.subject is not None or request.html is not None or request.text is not None
    if request.name and inline:
        raise Refused("give either name (a stored template) or subject/html/text (inline), not both")
    if request.name:
        content = fetch_template(app, request.name)
        subject, html, text = content.get("Subject"), content.get("Html"), content.get("Text")
    elif inline:
        subject, html, text = request.subject, request.html, request.text
    else:
        raise Refused("give name (a stored template) or subject/html/text to render")
    try:
        rendered = render_email(subject or "", html, text, request.data)
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


def suppression_entry(app: McpApp, address: str) -> dict[str, Any] | None:
    """The account suppression list's entry for ``address``, or None."""
    found = app.gateway.get_or_none("GetSuppressedDestination", EmailAddress=address)
    entry: dict[str, Any] | None = None if found is None else found["SuppressedDestination"]
    return entry


def check_suppression(app: McpApp, addresses: list[str]) -> SuppressionResults:
    results = []
    for address in addresses:
        entry = suppression_entry(app, address.strip())
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
