"""Stored templates, read: list them, fetch one, the variables it prints, a preview render.

The MCP server's list_templates, get_template and render_template call these; they return
data and never decide how a refusal is worded (the adapter does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reconciler.aws.gateway import SesGateway
from reconciler.templates import RenderedEmail, TemplateError, analyze, render_email

PARTS = ("Subject", "Html", "Text")


@dataclass(frozen=True)
class StoredTemplate:
    name: str
    created: datetime | None = None


@dataclass
class TemplatePage:
    templates: list[StoredTemplate] = field(default_factory=list)
    truncated: bool = False  # more matched than the limit


def list_templates(gateway: SesGateway, *, prefix: str | None, limit: int) -> TemplatePage:
    """The account's templates whose names start with ``prefix``, at most ``limit`` of them."""
    page = TemplatePage()
    token: str | None = None
    while True:
        answer = gateway.call("ListEmailTemplates", PageSize=100, **({"NextToken": token} if token else {}))
        for item in answer.get("TemplatesMetadata") or []:
            name = str(item.get("TemplateName", ""))
            if prefix and not name.startswith(prefix):
                continue
            if len(page.templates) == limit:
                page.truncated = True
                return page
            created = item.get("CreatedTimestamp")
            page.templates.append(StoredTemplate(name, created if isinstance(created, datetime) else None))
        token = answer.get("NextToken")
        if not token:
            return page


def stored_content(gateway: SesGateway, name: str) -> dict[str, Any] | None:
    """The stored template's TemplateContent (Subject, Html, Text), or None when there is none."""
    found = gateway.get_or_none("GetEmailTemplate", TemplateName=name)
    content: dict[str, Any] | None = None if found is None else found["TemplateContent"]
    return content


def variables(content: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(required, optional-only) variables over the parts; a part that does not parse is left
    out (rendering it reports the syntax error with its position)."""
    required: set[str] = set()
    optional: set[str] = set()
    for key in PARTS:
        source = content.get(key)
        if source is None:
            continue
        try:
            contract = analyze(source)
        except TemplateError:
            continue
        required |= contract.required
        optional |= contract.optional
    return required, optional - required


def render(content: dict[str, Any], data: dict[str, Any]) -> RenderedEmail:
    """Render the parts with ``data`` as SES would; raises RenderError/TemplateError."""
    return render_email(content.get("Subject") or "", content.get("Html"), content.get("Text"), data)
