"""The draft tools: an assistant proposes a template or event-destination change as a commit on
a new git branch of the server's project (reconciler/versions/drafts.py); SES is never touched.
Offered only when the server's configuration turns drafts on."""

from __future__ import annotations

from pathlib import Path

from reconciler.mcp.app import McpApp
from reconciler.mcp.models import DraftEventDestinationInput, DraftResult, DraftTemplateInput
from reconciler.versions.drafts import Draft, DraftSettings, event_destination_edit, propose, template_edit
from reconciler.versions.publish import PublishSettings, publish

NEXT_STEP = "Open a pull request from the branch: the plan comment shows the change, and a human merges it."
REVIEW_STEP = "A human reviews the pull request (its plan comment shows the change) and merges it; nothing is applied before."


def _settings(app: McpApp) -> DraftSettings:
    drafts = app.config.drafts
    return DraftSettings(**drafts.model_dump(include={"branch_prefix", "author_name", "author_email"}), kinds=tuple(drafts.kinds))


def _publish_settings(app: McpApp) -> PublishSettings:
    return PublishSettings(
        **app.config.drafts.model_dump(include={"push", "remote", "pull_request", "repository", "base_branch"})
    )


def _result(app: McpApp, draft: Draft, title: str) -> DraftResult:
    published = publish(Path(app.config.project), draft, title, _publish_settings(app))
    if published.pull_request_url:
        step = REVIEW_STEP
    elif published.pushed:
        step = f"The branch is on {app.config.drafts.remote}. " + NEXT_STEP
    else:
        step = NEXT_STEP
    return DraftResult(
        branch=draft.branch, commit=draft.commit, base=draft.base, files=list(draft.files), diff=draft.diff,
        pushed=published.pushed, pull_request_url=published.pull_request_url, publish_error=published.error,
        next_step=step,
    )


def _environment(app: McpApp) -> str | None:
    return app.settings.env or app.config.environment


def template(app: McpApp, request: DraftTemplateInput) -> DraftResult:
    edit = template_edit({"subject": request.subject, "html": request.html, "text": request.text})
    draft = propose(
        Path(app.config.project), _settings(app), "EmailTemplate", request.name, request.message, edit,
        _environment(app),
    )
    return _result(app, draft, request.message)


def event_destination(app: McpApp, request: DraftEventDestinationInput) -> DraftResult:
    edit = event_destination_edit(request.enabled, request.matching_event_types)
    name = f"{request.configuration_set}/{request.name}"
    draft = propose(
        Path(app.config.project), _settings(app), "EventDestination", name, request.message, edit,
        _environment(app),
    )
    return _result(app, draft, request.message)


__all__ = ["event_destination", "template"]
