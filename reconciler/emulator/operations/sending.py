"""SendEmail and SendBulkEmail and the mailbox simulator (the sending test hooks are in
hooks/sending.py).

What happens to an accepted message is decided here at once (the emulator has no queue):
each recipient is delivered, bounced (simulator, or on the account suppression list) or
complained about, and the matching events are published through ``events``. A template that
cannot be rendered still yields a MessageId and then a Rendering Failure event, as on SES.

Checks, in SES's order: the request's shape, the sender identity (MessageRejected), the
configuration set (NotFoundException), sending paused (SendingPausedException), the tenant
named by TenantName (operations/tenants.py: send_through_tenant), recipients and tags, the
daily quota and the send rate. SendEmail answers the last two with
LimitExceededException ("Daily message quota exceeded.") and TooManyRequestsException
("Maximum sending rate exceeded."); SendBulkEmail answers them per entry
(ACCOUNT_DAILY_QUOTA_EXCEEDED, ACCOUNT_THROTTLED), so one call can partly succeed.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import getaddresses
from functools import lru_cache
from typing import Any

from reconciler.emulator import events
from reconciler.emulator.errors import (
    AccountSuspendedException,
    BadRequestException,
    LimitExceededException,
    MessageRejected,
    NotFoundException,
    SendingPausedException,
    TooManyRequestsException,
)
from reconciler.emulator.lookups import (
    check_mail_from,
    default_configuration_set,
    find_configuration_set,
    find_contact_list,
    find_template,
    refresh_sent_last_24_hours,
    sending_identity,
    suppression_entry,
)
from reconciler.emulator.operations.common import EMAIL, check_no_nul
from reconciler.emulator.operations.tenants import send_through_tenant
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.sending_state import SentMessage
from reconciler.emulator.simulator import simulator_mailbox
from reconciler.emulator.state import ConfigurationSet, SesState
from reconciler.templates import (
    CompiledTemplate,
    RenderError,
    TemplateError,
    compile_template,
    merge_template_data,
    parse_template,
)

MAX_RECIPIENTS = 50
MAX_BULK_ENTRIES = 50
TAG_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
TAG_VALUE = re.compile(r"^[A-Za-z0-9_.@-]+$")
UNSUPPORTED_INLINE = "Template contains unsupported operations."
# The EICAR anti-virus test string: a message carrying it is rejected (a Reject event), as SES
# rejects mail with a virus.
# (Split so that scanners do not flag this source file itself.)
EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


# ---- the parts of a send -----------------------------------------------------------------


@dataclass
class Sender:
    source: str  # as given, possibly "Name <address>"
    address: str
    source_arn: str
    config_set: ConfigurationSet | None
    reply_to: list[str] = field(default_factory=list)
    tenant: str | None = None  # TenantName, once the tenant may send this


@dataclass
class Content:
    subject: str | None
    html: str | None
    text: str | None
    headers: list[dict[str, str]] = field(default_factory=list)
    template: str | None = None  # name, or "inline" for TemplateContent
    raw: str | None = None


def _sender(ctx: OperationContext, params: Params, raw_from: str | None = None) -> Sender:
    source = params.get("FromEmailAddress") or raw_from
    if not source:
        raise BadRequestException("Missing required parameter FromEmailAddress.")
    address = events.bare_address(source)
    if not EMAIL.match(address):
        raise BadRequestException(f"Invalid FromEmailAddress: '{source}' is not a valid email address.")
    state = ctx.state
    if state.account.enforcement_status == "SHUTDOWN":
        raise AccountSuspendedException("Your account has been shut down and can no longer send email.")
    identity = sending_identity(state, address)
    if identity is None:
        raise MessageRejected(
            "Email address is not verified. The following identities failed the check in region "
            f"{ctx.region.upper()}: {address}"
        )
    check_mail_from(state, address)
    name = params.get("ConfigurationSetName")
    config_set = find_configuration_set(state, name) if name else default_configuration_set(state, address)
    if not state.account.sending_enabled:
        raise SendingPausedException("Sending is paused for this account.")
    if config_set is not None and config_set.sending.SendingEnabled is False:
        raise SendingPausedException(f"Sending is paused for the configuration set {config_set.name}.")
    reply_to = [str(a) for a in params.get("ReplyToAddresses") or []]
    for reply in reply_to:
        if not EMAIL.match(events.bare_address(reply)):
            raise BadRequestException(f"Invalid ReplyToAddresses: '{reply}' is not a valid email address.")
    return Sender(source, address, ctx.arn(f"identity/{identity.name}"), config_set, reply_to)


def _through_tenant(ctx: OperationContext, params: Params, sender: Sender, content: Content) -> None:
    """With TenantName: the tenant must exist, hold the identity, the configuration set in
    force (named, or the identity's default) and the stored template, and be allowed to send."""
    name = params.get("TenantName")
    if not name:
        return
    resources = [sender.source_arn]
    if sender.config_set is not None:
        resources.append(ctx.arn(f"configuration-set/{sender.config_set.name}"))
    if content.template is not None and content.template != "inline":
        resources.append(ctx.arn(f"template/{content.template}"))
    sender.tenant = send_through_tenant(ctx, str(name), resources).name


def _recipients(destination: Mapping[str, Any] | None) -> tuple[list[str], list[str], list[str]]:
    destination = destination or {}
    lists = tuple(list(destination.get(k) or []) for k in ("ToAddresses", "CcAddresses", "BccAddresses"))
    to, cc, bcc = lists
    everyone = [*to, *cc, *bcc]
    if not everyone:
        raise BadRequestException("Missing required parameter: at least one recipient in Destination.")
    if len(everyone) > MAX_RECIPIENTS:
        raise BadRequestException(f"Recipient count exceeds {MAX_RECIPIENTS}.")
    for address in everyone:
        if not EMAIL.match(events.bare_address(address)):
            raise BadRequestException(f"Invalid email address: '{address}'.")
    return to, cc, bcc


# Names SES reserves and still takes in a message tag: the Feedback-ID parts it puts in the
# header for Gmail's Feedback Loop (LocalStack's AWS-validated test_special_tags_send_email).
RESERVED_TAG_NAMES = frozenset({"ses:feedback-id-a", "ses:feedback-id-b"})
MAX_TAG_LENGTH = 255


def _tag_problem(name: str, value: str) -> str | None:
    """SES's answer for one bad message tag, or None. The name is checked before the value,
    each for presence, then length, then characters, with SES's own messages (LocalStack's
    AWS-recorded test_invalid_tags_send_email snapshots)."""
    if not name:
        return "The tag name must be specified."
    if len(name) > MAX_TAG_LENGTH:
        return f"Tag name cannot exceed {MAX_TAG_LENGTH} characters."
    if not TAG_NAME.match(name) and name not in RESERVED_TAG_NAMES:
        return f"Invalid tag name <{name}>: only alphanumeric ASCII characters, '_',  '-' are allowed."
    if not value:
        return "The tag value must be specified."
    if len(value) > MAX_TAG_LENGTH:
        return f"Tag value cannot exceed {MAX_TAG_LENGTH} characters."
    if not TAG_VALUE.match(value):
        return f"Invalid tag value <{value}>: only alphanumeric ASCII characters, '_',  '-' , '.', '@' are allowed."
    return None


def _tags(tags: Sequence[Mapping[str, Any]] | None) -> dict[str, str]:
    result: dict[str, str] = {}
    for tag in tags or []:
        name, value = str(tag.get("Name", "")), str(tag.get("Value", ""))
        problem = _tag_problem(name, value)
        if problem is not None:
            raise BadRequestException(problem)
        result[name] = value
    return result


def _headers(headers: Sequence[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    return [{"name": str(h["Name"]), "value": str(h["Value"])} for h in headers or []]


def _template_source(ctx: OperationContext, template: Mapping[str, Any]) -> Content:
    name = template.get("TemplateName")
    arn = template.get("TemplateArn")
    inline = template.get("TemplateContent")
    headers = _headers(template.get("Headers"))
    if name or arn:
        if not name:
            name = str(arn).rsplit("/", 1)[-1] if "/" in str(arn) else str(arn).rsplit(":", 1)[-1]
        stored = find_template(ctx.state, name)
        c = stored.content
        return Content(c.Subject, c.Html, c.Text, headers, template=name)
    if inline:
        parts = {"subject": inline.get("Subject"), "html": inline.get("Html"), "text": inline.get("Text")}
        for part, source in parts.items():
            check_no_nul(source, f"TemplateContent.{part.title()}")
            if source is not None:
                try:
                    parse_template(source, part=part, inline=True)
                except TemplateError:
                    raise BadRequestException(UNSUPPORTED_INLINE) from None
        return Content(parts["subject"], parts["html"], parts["text"], headers, template="inline")
    raise BadRequestException("Template requires TemplateName, TemplateArn or TemplateContent.")


def _template_data(text: str | None, member: str) -> Any:
    if text is None or text == "":
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadRequestException(f"Invalid {member}: not valid JSON ({exc}).") from None
    except RecursionError:  # a 400 like any bad data, not a 500 the client would retry
        raise BadRequestException(f"Invalid {member}: nested too deeply.") from None
    if not isinstance(data, dict):
        raise BadRequestException(f"Invalid {member}: a JSON object is required.")
    return data


def _simple(message: Mapping[str, Any]) -> Content:
    body = message.get("Body") or {}
    return Content(
        subject=(message.get("Subject") or {}).get("Data"),
        html=(body.get("Html") or {}).get("Data"),
        text=(body.get("Text") or {}).get("Data"),
        headers=_headers(message.get("Headers")),
    )


def _raw(data: bytes) -> tuple[Content, str | None, list[str]]:
    """The content of a raw MIME message, its From and its To/Cc addresses."""
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    html = text = None
    for part in parsed.walk():
        kind = part.get_content_type()
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        if kind == "text/plain" and text is None:
            text = str(part.get_content())
        elif kind == "text/html" and html is None:
            html = str(part.get_content())
    headers = [{"name": k, "value": str(v)} for k, v in parsed.items()]
    addresses = [
        a for _, a in getaddresses([str(v) for v in parsed.get_all("To", []) + parsed.get_all("Cc", [])])
    ]
    source = parsed.get("From")
    content = Content(str(parsed.get("Subject")) if parsed.get("Subject") else None, html, text, headers)
    content.raw = data.decode("utf-8", errors="replace")
    return content, str(source) if source else None, [a for a in addresses if a]


def _sandbox_check(ctx: OperationContext, recipients: Sequence[str]) -> None:
    if ctx.state.account.production_access_enabled:
        return
    for address in recipients:
        bare = events.bare_address(address)
        if simulator_mailbox(bare) is not None:
            continue
        if sending_identity(ctx.state, bare) is None:
            raise MessageRejected(
                "Email address is not verified. The following identities failed the check in region "
                f"{ctx.region.upper()}: {bare}"
            )


def _quota_count(recipients: Sequence[str]) -> int:
    # Simulator mail counts against the send rate but not the daily quota.
    return sum(1 for r in recipients if simulator_mailbox(r) is None)


def _over_daily_quota(ctx: OperationContext, counted: int) -> bool:
    account = ctx.state.account
    sent = refresh_sent_last_24_hours(ctx.state, ctx.now())
    if account.max_24_hour_send < 0 or counted == 0:
        return False
    return sent + counted > account.max_24_hour_send


# ---- accepting a message -----------------------------------------------------------------


def new_message_id(now: datetime) -> str:
    millis = int(now.timestamp() * 1000)
    return f"0100{millis:012x}-{uuid.uuid4()}-000000"


def _standard_headers(
    sender: Sender, to: list[str], cc: list[str], subject: str | None, mid: str
) -> list[dict[str, str]]:
    headers = [{"name": "From", "value": sender.source}]
    if to:
        headers.append({"name": "To", "value": ", ".join(to)})
    if cc:
        headers.append({"name": "Cc", "value": ", ".join(cc)})
    if sender.reply_to:
        headers.append({"name": "Reply-To", "value": ", ".join(sender.reply_to)})
    headers.append({"name": "Subject", "value": subject or ""})
    headers.append({"name": "Message-ID", "value": f"<{mid}@email.amazonses.com>"})
    headers.append({"name": "MIME-Version", "value": "1.0"})
    return headers


def accept(
    ctx: OperationContext,
    sender: Sender,
    recipients: tuple[list[str], list[str], list[str]],
    content: Content,
    tags: dict[str, str],
    data: Any = None,
    template_data: str | None = None,
    list_management: dict[str, str] | None = None,
    operation: str = "SendEmail",
) -> str:
    """Take one message: render, decide each recipient's fate, publish, count, remember.
    ``operation`` is the ``ses:operation`` tag of its event records (SES names the v1 call a
    v2 send stands for: SendEmail, SendRawEmail, SendTemplatedEmail, SendBulkTemplatedEmail)."""
    now = ctx.now()
    mid = new_message_id(now)
    to, cc, bcc = recipients
    subject, html, text = content.subject, content.html, content.text
    error: str | None = None
    if content.template is not None:
        try:
            values = data if data is not None else {}
            subject = _compiled(subject or "", "subject").render(values)
            html = None if html is None else _compiled(html, "html").render(values)
            text = None if text is None else _compiled(text, "text").render(values)
        except RenderError as exc:
            error = exc.reason
        except TemplateError as exc:
            error = str(exc)
    if content.raw is not None:
        headers = list(content.headers)
    else:
        custom = {h["name"].lower() for h in content.headers}
        headers = [
            h for h in _standard_headers(sender, to, cc, subject, mid) if h["name"].lower() not in custom
        ]
        headers += content.headers
        if list_management is not None:
            headers += _unsubscribe_headers(ctx, mid, list_management)
    # Built from values this function made (no input to check): no validation per message.
    message = SentMessage.model_construct(
        message_id=mid,
        timestamp=now,
        source=sender.source,
        source_arn=sender.source_arn,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=sender.reply_to,
        subject=subject,
        html=html,
        text=text,
        raw=content.raw,
        headers=headers,
        tags=tags,
        configuration_set=sender.config_set.name if sender.config_set else None,
        template=None if content.template == "inline" else content.template,
        template_data=template_data,
        error=error,
        list_management=list_management,
        operation=operation,
        tenant=sender.tenant,
    )
    state = ctx.state.sending
    counted = _quota_count(message.recipients)
    state.count_sent(now, counted)
    ctx.state.account.sent_last_24_hours += counted
    event = events.EventContext(ctx, message, sender.config_set, sender.source_arn)
    if error is not None:
        message.outcomes = dict.fromkeys(message.recipients, "rendering_failure")
        events.publish(event, "Rendering Failure", events.rendering_failure(content.template or "", error))
    elif any(EICAR in part for part in (subject, html, text, content.raw) if part):
        # SES accepts the message, scans it, finds a virus and does not deliver it.
        message.outcomes = dict.fromkeys(message.recipients, "rejected")
        events.publish(event, "Send", {})
        events.publish(event, "Reject", {"reason": "Bad content"})
    else:
        events.publish(event, "Send", {})
        for recipient in message.recipients:
            if list_management is not None and _opted_out(ctx.state, list_management, recipient):
                message.outcomes[recipient] = "unsubscribed"
            else:
                message.outcomes[recipient] = _deliver(ctx, event, recipient)
    state.remember(message)
    return mid


def _list_management(ctx: OperationContext, options: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not options:
        return None
    contact_list = find_contact_list(ctx.state, str(options["ContactListName"]))
    topic = options.get("TopicName")
    if topic and topic not in {t.TopicName for t in contact_list.topics}:
        raise NotFoundException(f"Topic {topic} does not exist in list {contact_list.name}.")
    out = {"ContactListName": contact_list.name}
    if topic:
        out["TopicName"] = str(topic)
    return out


def _unsubscribe_headers(ctx: OperationContext, mid: str, options: Mapping[str, str]) -> list[dict[str, str]]:
    link = f"https://unsubscribe.{ctx.region}.sesctl.invalid/{options['ContactListName']}/{mid}"
    return [
        {"name": "List-Unsubscribe", "value": f"<{link}>"},
        {"name": "List-Unsubscribe-Post", "value": "List-Unsubscribe=One-Click"},
    ]


def _opted_out(state: SesState, options: Mapping[str, str], recipient: str) -> bool:
    """SES honours a contact's opt-out (all topics, or the message's topic) and sends nothing."""
    contact_list = state.contact_lists.get(options["ContactListName"])
    contact = contact_list.contacts.get(events.bare_address(recipient).lower()) if contact_list else None
    if contact_list is None or contact is None:
        return False
    if contact.unsubscribe_all:
        return True
    topic = options.get("TopicName")
    if not topic:
        return False
    for preference in contact.topic_preferences:
        if preference.TopicName == topic:
            return preference.SubscriptionStatus == "OPT_OUT"
    defaults = {t.TopicName: t.DefaultSubscriptionStatus for t in contact_list.topics}
    return defaults.get(topic) == "OPT_OUT"


@lru_cache(maxsize=256)
def _compiled(source: str, part: str) -> CompiledTemplate:
    # Compiling costs far more than rendering; a campaign renders one template thousands of times.
    return compile_template(source, part=part)


def _deliver(ctx: OperationContext, event: events.EventContext, recipient: str) -> str:
    now = ctx.now()
    sent = event.message.timestamp
    bare = events.bare_address(recipient)
    feedback = f"{uuid.uuid4()}-000000"
    if suppression_entry(ctx.state, bare, event.config_set) is not None:
        events.publish(event, "Bounce", events.bounce(now, bare, "OnAccountSuppressionList", feedback))
        return "suppressed"
    mailbox = simulator_mailbox(bare)
    if mailbox == "bounce":
        events.publish(event, "Bounce", events.bounce(now, bare, "General", feedback))
        return "bounced"
    if mailbox == "suppressionlist":
        # The simulator plays SES's global suppression list, not the account's.
        events.publish(event, "Bounce", events.bounce(now, bare, "Suppressed", feedback))
        return "suppressed"
    events.publish(event, "Delivery", events.delivery(now, bare, sent))
    if mailbox == "complaint":
        events.publish(event, "Complaint", events.complaint(now, bare, feedback, sent))
        return "complained"
    return "delivered"


# ---- the operations ------------------------------------------------------------------------


@operation("SendEmail")
def send_email(ctx: OperationContext, params: Params) -> Result:
    content_params = params.get("Content") or {}
    kinds = [k for k in ("Simple", "Raw", "Template") if content_params.get(k)]
    if len(kinds) != 1:
        raise BadRequestException("Content must contain exactly one of Simple, Raw or Template.")
    raw_from: str | None = None
    raw_recipients: list[str] = []
    data: Any = None
    template_data: str | None = None
    if kinds[0] == "Simple":
        content = _simple(content_params["Simple"])
    elif kinds[0] == "Raw":
        content, raw_from, raw_recipients = _raw(content_params["Raw"]["Data"])
    else:
        template = content_params["Template"]
        template_data = template.get("TemplateData")
        data = _template_data(template_data, "TemplateData")
    tags = _tags(params.get("EmailTags"))  # SES checks the tags before the sender
    sender = _sender(ctx, params, raw_from)
    if kinds[0] == "Template":
        content = _template_source(ctx, content_params["Template"])
    _through_tenant(ctx, params, sender, content)
    destination = params.get("Destination")
    if not destination and raw_recipients:
        destination = {"ToAddresses": raw_recipients}
    recipients = _recipients(destination)
    everyone = [*recipients[0], *recipients[1], *recipients[2]]
    _sandbox_check(ctx, everyone)
    if _over_daily_quota(ctx, _quota_count(everyone)):
        raise LimitExceededException("Daily message quota exceeded.")
    if not ctx.state.sending.take_rate(len(everyone), ctx.state.account.max_send_rate):
        raise TooManyRequestsException("Maximum sending rate exceeded.")
    list_management = _list_management(ctx, params.get("ListManagementOptions"))
    operation = {"Simple": "SendEmail", "Raw": "SendRawEmail", "Template": "SendTemplatedEmail"}[kinds[0]]
    mid = accept(ctx, sender, recipients, content, tags, data, template_data, list_management, operation)
    return {"MessageId": mid}


@operation("SendBulkEmail")
def send_bulk_email(ctx: OperationContext, params: Params) -> Result:
    entries = params.get("BulkEmailEntries") or []
    if not 1 <= len(entries) <= MAX_BULK_ENTRIES:
        raise BadRequestException(
            f"BulkEmailEntries must hold 1 to {MAX_BULK_ENTRIES} entries, got {len(entries)}."
        )
    template = (params.get("DefaultContent") or {}).get("Template")
    if not template:
        raise BadRequestException("Missing required parameter DefaultContent.Template.")
    default_data = _template_data(template.get("TemplateData"), "DefaultContent.Template.TemplateData")
    default_tags = _tags(params.get("DefaultEmailTags"))  # SES checks the tags before the sender
    sender = _sender(ctx, params)
    content = _template_source(ctx, template)
    _through_tenant(ctx, params, sender, content)
    return {
        "BulkEmailEntryResults": [
            _bulk_entry(ctx, sender, content, default_data, default_tags, e) for e in entries
        ]
    }


def _bulk_entry(
    ctx: OperationContext,
    sender: Sender,
    content: Content,
    default_data: Any,
    default_tags: dict[str, str],
    entry: Mapping[str, Any],
) -> dict[str, str]:
    state = ctx.state.sending
    if state.take_transient_failure():
        return {"Status": "TRANSIENT_FAILURE", "Error": "Temporary failure (injected by the emulator)."}
    try:
        recipients = _recipients(entry.get("Destination"))
        replacement = ((entry.get("ReplacementEmailContent") or {}).get("ReplacementTemplate") or {}).get(
            "ReplacementTemplateData"
        )
        data = merge_template_data(default_data, _template_data(replacement, "ReplacementTemplateData"))
        tags = {**default_tags, **_tags(entry.get("ReplacementTags"))}
        everyone = [*recipients[0], *recipients[1], *recipients[2]]
        _sandbox_check(ctx, everyone)
    except BadRequestException as exc:
        return {"Status": "INVALID_PARAMETER", "Error": exc.message}
    except MessageRejected as exc:
        return {"Status": "MESSAGE_REJECTED", "Error": exc.message}
    if _over_daily_quota(ctx, _quota_count(everyone)):
        return {"Status": "ACCOUNT_DAILY_QUOTA_EXCEEDED", "Error": "Daily message quota exceeded."}
    if not state.take_rate(len(everyone), ctx.state.account.max_send_rate):
        return {"Status": "ACCOUNT_THROTTLED", "Error": "Maximum sending rate exceeded."}
    replaced = {h["name"].lower() for h in _headers(entry.get("ReplacementHeaders"))}
    entry_content = Content(
        content.subject,
        content.html,
        content.text,
        [h for h in content.headers if h["name"].lower() not in replaced]
        + _headers(entry.get("ReplacementHeaders")),
        template=content.template,
    )
    mid = accept(
        ctx,
        sender,
        recipients,
        entry_content,
        tags,
        data,
        json.dumps(data),
        operation="SendBulkTemplatedEmail",
    )
    return {"Status": "SUCCESS", "MessageId": mid}
