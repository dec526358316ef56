"""Custom verification email templates (Create/Get/Update/Delete/List) and
SendCustomVerificationEmail.

Sending one adds the address as an EMAIL_ADDRESS identity in the region's default status
(PENDING unless configure_identities changed it), as SES does; the mail itself goes nowhere:
the admin action ``verify_identity`` plays the recipient clicking the link.
"""

from __future__ import annotations

import re
import uuid

from reconciler.emulator.errors import (
    BadRequestException,
    MessageRejected,
    SendingPausedException,
)
from reconciler.emulator.lookups import check_mail_from, find_configuration_set, find_in, is_verified_sender
from reconciler.emulator.operations.common import (
    check_email,
    check_name,
    check_new,
    check_no_nul,
    check_tags,
    listing,
    paginate,
    tag_list,
)
from reconciler.emulator.operations.identities import create_email_identity
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.state import CustomVerificationTemplate, SesState

MAX_TEMPLATES = 50
MAX_CONTENT_BYTES = 10 * 1024 * 1024  # "the total size of the email must be less than 10 MB"
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def _find(state: SesState, name: str) -> CustomVerificationTemplate:
    return find_in(
        state.custom_verification_templates,
        name,
        f"Custom verification email template {name} does not exist.",
    )


def _template(params: Params) -> CustomVerificationTemplate:
    name = check_name(params["TemplateName"], "TemplateName")
    check_email(params["FromEmailAddress"], "FromEmailAddress")
    check_no_nul(params["TemplateSubject"], "TemplateSubject")
    check_no_nul(params["TemplateContent"], "TemplateContent")
    if len(params["TemplateContent"].encode()) >= MAX_CONTENT_BYTES:
        raise BadRequestException("TemplateContent must be less than 10 MB.")
    for member in ("SuccessRedirectionURL", "FailureRedirectionURL"):
        if not URL.match(params[member]):
            raise BadRequestException(f"{member} '{params[member]}' is not an http(s) URL.")
    return CustomVerificationTemplate(
        name=name,
        from_address=params["FromEmailAddress"],
        subject=params["TemplateSubject"],
        content=params["TemplateContent"],
        success_url=params["SuccessRedirectionURL"],
        failure_url=params["FailureRedirectionURL"],
    )


@operation("CreateCustomVerificationEmailTemplate")
def create_custom_verification_email_template(ctx: OperationContext, params: Params) -> Result:
    state = ctx.state
    template = _template(params)
    template.tags = check_tags(params.get("Tags"))
    check_new(
        state.custom_verification_templates,
        template.name,
        f"Custom verification email template {template.name} already exists.",
        MAX_TEMPLATES,
        "custom verification email templates",
    )
    state.custom_verification_templates[template.name] = template
    return {}


@operation("GetCustomVerificationEmailTemplate")
def get_custom_verification_email_template(ctx: OperationContext, params: Params) -> Result:
    template = _find(ctx.state, params["TemplateName"])
    return {
        "TemplateName": template.name,
        "FromEmailAddress": template.from_address,
        "TemplateSubject": template.subject,
        "TemplateContent": template.content,
        "Tags": tag_list(template.tags),
        "SuccessRedirectionURL": template.success_url,
        "FailureRedirectionURL": template.failure_url,
    }


@operation("UpdateCustomVerificationEmailTemplate")
def update_custom_verification_email_template(ctx: OperationContext, params: Params) -> Result:
    current = _find(ctx.state, params["TemplateName"])
    updated = _template(params)
    updated.tags = current.tags
    ctx.state.custom_verification_templates[current.name] = updated
    return {}


@operation("DeleteCustomVerificationEmailTemplate")
def delete_custom_verification_email_template(ctx: OperationContext, params: Params) -> Result:
    template = _find(ctx.state, params["TemplateName"])
    del ctx.state.custom_verification_templates[template.name]
    return {}


@operation("ListCustomVerificationEmailTemplates")
def list_custom_verification_email_templates(ctx: OperationContext, params: Params) -> Result:
    templates = ctx.state.custom_verification_templates
    names, token = paginate(templates, params, default=50, low=1, high=50)
    summaries = [
        {
            "TemplateName": t.name,
            "FromEmailAddress": t.from_address,
            "TemplateSubject": t.subject,
            "SuccessRedirectionURL": t.success_url,
            "FailureRedirectionURL": t.failure_url,
        }
        for t in (templates[name] for name in names)
    ]
    return listing("CustomVerificationEmailTemplates", summaries, token)


@operation("SendCustomVerificationEmail")
def send_custom_verification_email(ctx: OperationContext, params: Params) -> Result:
    state = ctx.state
    address = check_email(params["EmailAddress"])
    template = _find(state, params["TemplateName"])
    if params.get("ConfigurationSetName"):
        find_configuration_set(state, params["ConfigurationSetName"])
    if not state.account.sending_enabled:
        raise SendingPausedException("Sending is paused for this account.")
    if not is_verified_sender(state, template.from_address):
        raise MessageRejected(
            f"Email address is not verified. The following identities failed the check: {template.from_address}"
        )
    check_mail_from(state, template.from_address)
    if address.lower() not in state.identities:
        create_email_identity(ctx, {"EmailIdentity": address})
    return {"MessageId": f"{uuid.uuid4()}-000000"}
