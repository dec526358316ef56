"""The MCP tools: thin functions over reads/sends/diagnose/analytics, with their annotations.

Tools and resolvers live at module level because the SDK resolves their type hints (including
``Resolve(...)`` markers) from the module's globals; the server's state reaches them through
the lifespan context (``McpApp``).

A send is a chain of resolvers, run again on every confirmation round: ``send_preview``
applies the guardrails and builds the dry-run preview (made once per call and kept between
rounds, see previews.py),
``confirm_send`` puts that preview first in the question to the human. The tool body gets the
very preview the human approved. The SDK only applies a recorded "yes" to the identical
question, so a preview that changed between rounds is asked again, never sent unasked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, cast

from mcp.server import MCPServer
from mcp.server.mcpserver import (
    AcceptedElicitation,
    CancelledElicitation,
    Context,
    DeclinedElicitation,
    Elicit,
    ElicitationResult,
    Resolve,
)
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from reconciler.errors import ReconcilerError
from reconciler.mcp import analytics, diagnose, drafts, reads, sends
from reconciler.mcp.app import McpApp
from reconciler.mcp.audit import note
from reconciler.mcp.models import (
    Analytics,
    AnalyticsInput,
    CheckSuppressionInput,
    Confirm,
    DiagnoseInput,
    Diagnosis,
    DraftEventDestinationInput,
    DraftResult,
    DraftTemplateInput,
    Drift,
    DriftInput,
    ExperimentInput,
    ExperimentResults,
    GetTemplateInput,
    ListTemplatesInput,
    RenderResult,
    RenderTemplateInput,
    SendBulkEmailInput,
    SendEmailInput,
    SendPreview,
    SendQuota,
    SendResult,
    SuppressionResults,
    TemplateDetail,
    TemplateList,
)
from reconciler.sending.masking import mask_text


def _app(ctx: Context) -> McpApp:
    return cast(McpApp, ctx.request_context.lifespan_context)


@contextmanager
def _errors() -> Iterator[None]:
    """sesctl errors become tool errors (is_error results the model can read), masked."""
    try:
        yield
    except ReconcilerError as exc:
        message = mask_text(str(exc))
        if exc.hint:
            message += f" Hint: {mask_text(exc.hint)}"
        raise ToolError(message) from None


# ---- sending ------------------------------------------------------------------------------------


def send_preview(request: SendEmailInput | SendBulkEmailInput, ctx: Context) -> SendPreview:
    app = _app(ctx)
    with _errors():
        shown = sends.preview(app, request)
        if not request.dry_run:
            sends.check_sendable(app, request, shown)
    return shown


def confirm_send(
    request: SendEmailInput | SendBulkEmailInput, shown: Annotated[SendPreview, Resolve(send_preview)]
) -> Confirm | Elicit[Confirm]:
    if request.dry_run:
        return Confirm(send=False)  # a preview only: nothing to confirm
    return Elicit(sends.confirmation_message(shown), Confirm)


_REFUSED_ANSWERS: dict[type, tuple[str, str]] = {
    AcceptedElicitation: ("accepted_without_send", "the user did not tick 'send'"),
    DeclinedElicitation: ("declined", "the user declined"),
    CancelledElicitation: ("cancelled", "the user cancelled"),
}


def _send(
    ctx: Context,
    request: SendEmailInput | SendBulkEmailInput,
    shown: SendPreview,
    confirm: ElicitationResult[Confirm],
) -> SendResult:
    if request.dry_run:
        note(dry_run=True, would_send=shown.would_send)
        return sends.dry_run_result(shown)
    # Fail closed: only an accepted answer with "send" ticked goes on; anything else stops here.
    if not (isinstance(confirm, AcceptedElicitation) and confirm.data.send is True):
        sends.discard(_app(ctx), request)
        outcome, why = _REFUSED_ANSWERS.get(type(confirm), ("unknown", "no confirmation"))
        note(confirmation=outcome)
        raise ToolError(f"Not sent: {why}.")
    note(confirmation="accepted")
    app = _app(ctx)
    with _errors():
        result = sends.execute(app, request, shown)
    note(status=result.status, sent=result.sent, run_id=result.run_id, failed=result.failed_permanent)
    return result


def send_email(
    request: SendEmailInput,
    shown: Annotated[SendPreview, Resolve(send_preview)],
    confirm: Annotated[ElicitationResult[Confirm], Resolve(confirm_send)],
    ctx: Context,
) -> SendResult:
    """Send a stored SES template to a few recipients (each gets their own message; no CC/BCC).

    Sender, configuration set and recipients must be allowed by the server's configuration.
    The human confirms every send after a preview; dry_run=true returns only the preview."""
    return _send(ctx, request, shown, confirm)


def send_bulk_email(
    request: SendBulkEmailInput,
    shown: Annotated[SendPreview, Resolve(send_preview)],
    confirm: Annotated[ElicitationResult[Confirm], Resolve(confirm_send)],
    ctx: Context,
) -> SendResult:
    """Send a stored SES template to recipients with per-recipient data (SendBulkEmail, batches of
    50, suppressed recipients skipped, rows lacking a variable refused before SES sees them).
    Guardrails and confirmation as for send_email."""
    return _send(ctx, request, shown, confirm)


# ---- reads --------------------------------------------------------------------------------------


def get_send_quota(ctx: Context) -> SendQuota:
    """The account's sending quota and status, and this server's own limits (left this hour)."""
    with _errors():
        return reads.send_quota(_app(ctx))


def list_templates(request: ListTemplatesInput, ctx: Context) -> TemplateList:
    """Names of the stored SES email templates."""
    with _errors():
        return reads.list_templates(_app(ctx), request)


def get_template(request: GetTemplateInput, ctx: Context) -> TemplateDetail:
    """A stored template's subject, HTML and text, and the variables it needs."""
    with _errors():
        return reads.get_template(_app(ctx), request)


def render_template(request: RenderTemplateInput, ctx: Context) -> RenderResult:
    """Render a stored (name) or inline template with data exactly as SES would; on failure,
    the missing variable and its part, line and column."""
    with _errors():
        return reads.render_template(_app(ctx), request)


def check_suppression(request: CheckSuppressionInput, ctx: Context) -> SuppressionResults:
    """Whether addresses are on the account suppression list (and why, since when)."""
    with _errors():
        return reads.check_suppression(_app(ctx), request.addresses)


def diagnose_delivery(request: DiagnoseInput, ctx: Context) -> Diagnosis:
    """Why might this address not get our mail? Suppression, account status, recent messages
    and their outcome (where the endpoint can tell), and a recommendation."""
    with _errors():
        return diagnose.diagnose(_app(ctx), request.email)


def get_email_analytics(request: AnalyticsInput, ctx: Context) -> Analytics:
    """Send, delivery, bounce, complaint, reject, open, click and rendering-failure counts and
    rates by day, hour or message tag, from the CloudWatch metrics of SES event destinations."""
    with _errors():
        return analytics.email_analytics(_app(ctx), request)


def get_drift(request: DriftInput, ctx: Context) -> Drift:
    """Does live SES match the manifests in git? The reconciler's plan, read-only, summarised."""
    with _errors():
        return reads.drift(_app(ctx), request)


def get_experiment_results(request: ExperimentInput, ctx: Context) -> ExperimentResults:
    """A TemplateExperiment's results from the event store: per variant the counts and the
    metric with its confidence interval, and the verdict (not enough data, no significant
    difference, or a winner with p). Read-only: promoting a winner is a pull request."""
    with _errors():
        return reads.experiment_results(_app(ctx), request)


def draft_template_change(request: DraftTemplateInput, ctx: Context) -> DraftResult:
    """Propose a new subject, HTML or text for an EmailTemplate as a commit on a new git branch
    of the project (never a change to SES): a human reviews the pull request and merges it."""
    with _errors():
        return drafts.template(_app(ctx), request)


def draft_event_destination_change(request: DraftEventDestinationInput, ctx: Context) -> DraftResult:
    """Propose turning an event destination on or off, or the event types it publishes, as a
    commit on a new git branch (never a change to SES), for a human to review and merge."""
    with _errors():
        return drafts.event_destination(_app(ctx), request)


# ---- the table ----------------------------------------------------------------------------------


def _hints(*, read_only: bool, open_world: bool, idempotent: bool, title: str) -> ToolAnnotations:
    # destructive_hint is false everywhere: no tool deletes or overwrites anything (a send adds
    # mail; infrastructure changes go through git).
    return ToolAnnotations(
        title=title,
        read_only_hint=read_only,
        destructive_hint=False,
        idempotent_hint=idempotent,
        open_world_hint=open_world,
    )


@dataclass(frozen=True)
class ToolSpec:
    fn: Callable[..., Any]
    annotations: ToolAnnotations
    sends: bool = False
    drafts: bool = False  # offered only when the configuration turns drafts on


def _read(fn: Callable[..., Any], title: str) -> ToolSpec:
    return ToolSpec(fn, _hints(read_only=True, open_world=False, idempotent=True, title=title))


TOOLS: tuple[ToolSpec, ...] = (
    # Sends reach people outside the system (open world) and repeat on retry (not idempotent).
    ToolSpec(
        send_email, _hints(read_only=False, open_world=True, idempotent=False, title="Send email"), sends=True
    ),
    ToolSpec(
        send_bulk_email,
        _hints(read_only=False, open_world=True, idempotent=False, title="Send bulk email"),
        sends=True,
    ),
    _read(get_send_quota, "Get send quota"),
    _read(list_templates, "List templates"),
    _read(get_template, "Get template"),
    _read(render_template, "Render template"),
    _read(check_suppression, "Check suppression list"),
    _read(diagnose_delivery, "Diagnose delivery"),
    _read(get_email_analytics, "Get email analytics"),
    _read(get_drift, "Get drift (plan)"),
    _read(get_experiment_results, "Get experiment results"),
    # Drafts write a git branch on this machine (not the open world) and a retry makes another.
    ToolSpec(
        draft_template_change,
        _hints(read_only=False, open_world=False, idempotent=False, title="Draft template change"),
        drafts=True,
    ),
    ToolSpec(
        draft_event_destination_change,
        _hints(read_only=False, open_world=False, idempotent=False, title="Draft event destination change"),
        drafts=True,
    ),
)


def register(server: MCPServer[Any], *, read_only: bool, drafts: bool = False) -> list[str]:
    """Add the tools to ``server`` (without the send tools when ``read_only``, the draft tools
    only with ``drafts``); their names."""
    names = []
    for spec in TOOLS:
        if (read_only and spec.sends) or (spec.drafts and not drafts):
            continue
        server.add_tool(spec.fn, annotations=spec.annotations, structured_output=True)
        names.append(spec.fn.__name__)
    return names
