"""Email templates: Create/Get/Update/Delete/ListEmailTemplates and TestRenderEmailTemplate."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from reconciler.emulator.errors import BadRequestException
from reconciler.emulator.lookups import find_template
from reconciler.emulator.operations.common import (
    check_name,
    check_new,
    check_no_nul,
    check_tags,
    json_object,
    listing,
    paginate,
    parse,
    tag_list,
)
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.state import EmailTemplate, EmailTemplateContent
from reconciler.templates import RenderError, TemplateError, parse_template, render_email

MAX_TEMPLATES = 20_000
MAX_TEMPLATE_BYTES = 500 * 1024  # subject + html + text, UTF-8


def _content(params: Params) -> EmailTemplateContent:
    content = parse(EmailTemplateContent, params.get("TemplateContent"), "TemplateContent")
    for member in ("Subject", "Html", "Text"):
        check_no_nul(getattr(content, member), f"TemplateContent.{member}")
    size = sum(len(part.encode()) for part in (content.Subject, content.Html, content.Text) if part)
    if size > MAX_TEMPLATE_BYTES:
        raise BadRequestException(
            f"Template content is {size} bytes; the maximum is {MAX_TEMPLATE_BYTES} bytes (500 KB)."
        )
    for part, source in (("subject", content.Subject), ("html", content.Html), ("text", content.Text)):
        if source is not None:
            try:
                parse_template(source, part=part)  # checked only: sends compile it when used
            except TemplateError as exc:
                raise BadRequestException(f"Template contains invalid syntax: {exc}") from None
    return content


@operation("CreateEmailTemplate")
def create_email_template(ctx: OperationContext, params: Params) -> Result:
    name = check_name(params.get("TemplateName", ""), "TemplateName")
    content = _content(params)
    tags = check_tags(params.get("Tags"))
    check_new(ctx.state.templates, name, f"Template {name} already exists.", MAX_TEMPLATES, "email templates")
    ctx.state.templates[name] = EmailTemplate(name=name, content=content, created=ctx.now(), tags=tags)
    return {}


@operation("GetEmailTemplate")
def get_email_template(ctx: OperationContext, params: Params) -> Result:
    template = find_template(ctx.state, params["TemplateName"])
    return {
        "TemplateName": template.name,
        "TemplateContent": template.content.out(),
        "Tags": tag_list(template.tags),
    }


@operation("UpdateEmailTemplate")
def update_email_template(ctx: OperationContext, params: Params) -> Result:
    template = find_template(ctx.state, params["TemplateName"])
    template.content = _content(params)
    return {}


@operation("DeleteEmailTemplate")
def delete_email_template(ctx: OperationContext, params: Params) -> Result:
    find_template(ctx.state, params["TemplateName"])
    del ctx.state.templates[params["TemplateName"]]
    return {}


@operation("ListEmailTemplates")
def list_email_templates(ctx: OperationContext, params: Params) -> Result:
    names, token = paginate(ctx.state.templates, params, default=10, low=1, high=100)
    metadata = [{"TemplateName": n, "CreatedTimestamp": ctx.state.templates[n].created} for n in names]
    return listing("TemplatesMetadata", metadata, token)


@operation("TestRenderEmailTemplate")
def test_render_email_template(ctx: OperationContext, params: Params) -> Result:
    template = find_template(ctx.state, params["TemplateName"])
    raw = params.get("TemplateData", "")
    if len(raw) > 262_144:
        raise BadRequestException("TemplateData must be at most 262,144 characters.")
    data = json_object(raw, "Invalid TemplateData: it must be a JSON object.")
    content = template.content
    try:
        rendered = render_email(content.Subject or "", content.Html, content.Text, data)
    except RenderError as exc:
        raise BadRequestException(f"Template rendering failed: {exc.reason}") from None
    except TemplateError as exc:
        raise BadRequestException(f"Template contains invalid syntax: {exc}") from None
    return {"RenderedTemplate": _mime(rendered.subject, rendered.html, rendered.text)}


def _mime(subject: str, html: str | None, text: str | None) -> str:
    """The rendered template as SES shows it: a MIME message (headers + alternative parts)."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    if text is not None:
        message.set_content(text, charset="utf-8")
        if html is not None:
            message.add_alternative(html, subtype="html", charset="utf-8")
    elif html is not None:
        message.set_content(html, subtype="html", charset="utf-8")
    return message.as_string()
