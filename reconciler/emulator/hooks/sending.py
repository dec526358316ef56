"""Sending hooks: read and clear the sent-message ring, sending knobs, and the events a
recipient or their server causes after delivery (open, click, delivery delay, a later bounce,
a complaint, unsubscribe)."""

from __future__ import annotations

import uuid
from typing import Any

from reconciler.emulator import events
from reconciler.emulator.errors import BadRequestException, NotFoundException
from reconciler.emulator.lookups import (
    find_contact_list,
    record_suppression,
    refresh_sent_last_24_hours,
    suppressed_reasons,
)
from reconciler.emulator.registry import OperationContext, admin_action
from reconciler.emulator.sending_state import SentMessage
from reconciler.emulator.state import Contact, ContactList, TopicPreference


def _message_dict(message: SentMessage, include_body: bool) -> dict[str, Any]:
    out = message.model_dump(mode="json")
    if not include_body:
        for key in ("html", "text", "raw"):
            out.pop(key, None)
    return out


@admin_action("sent_messages")
def sent_messages(
    ctx: OperationContext,
    message_id: str | None = None,
    recipient: str | None = None,
    tag_name: str | None = None,
    tag_values: list[str] | None = None,
    limit: int | None = None,
    include_body: bool = True,
) -> list[dict[str, Any]]:
    """The stored messages (oldest first, at most the last 10,000), optionally filtered."""
    wanted = set(tag_values) if tag_values is not None else None
    found = []
    for message in ctx.state.sending.messages():
        if message_id is not None and message.message_id != message_id:
            continue
        if recipient is not None and recipient.lower() not in (r.lower() for r in message.recipients):
            continue
        if tag_name is not None:
            if tag_name not in message.tags:
                continue
            if wanted is not None and message.tags[tag_name] not in wanted:
                continue
        found.append(_message_dict(message, include_body))
    return found[-limit:] if limit else found


@admin_action("clear_sent_messages")
def clear_sent_messages(ctx: OperationContext) -> int:
    state = ctx.state.sending
    count = len(state.messages())
    state.clear_messages()
    return count


@admin_action("configure_sending")
def configure_sending(
    ctx: OperationContext, reset_quota: bool = False, transient_failures: int | None = None
) -> dict[str, Any]:
    """Sending test knobs (quotas and switches are ``configure_account``'s): empty the 24-hour
    window, or answer the next N bulk entries with TRANSIENT_FAILURE."""
    state = ctx.state.sending
    if reset_quota:
        state.reset_quota()
        ctx.state.account.sent_last_24_hours = 0.0
    if transient_failures is not None:
        state.inject_transient_failures(int(transient_failures))
    return {"sent_last_24_hours": refresh_sent_last_24_hours(ctx.state, ctx.now()), "ring": state.summary()}


def _event_for(ctx: OperationContext, message_id: str) -> events.EventContext:
    message = ctx.state.sending.find(message_id)
    if message is None:
        raise NotFoundException(f"No sent message {message_id} (the emulator keeps the last 10,000).")
    config_set = ctx.state.configuration_sets.get(message.configuration_set or "")
    return events.EventContext(ctx, message, config_set, message.source_arn)


@admin_action("open")
def open_message(ctx: OperationContext, message_id: str, ip_address: str = "192.0.2.1") -> int:
    """Publish an Open event for a sent message; returns the destinations reached."""
    return events.publish(_event_for(ctx, message_id), "Open", events.opened(ctx.now(), ip_address))


@admin_action("click")
def click_message(
    ctx: OperationContext, message_id: str, link: str, link_tags: dict[str, list[str]] | None = None
) -> int:
    """Publish a Click event on ``link`` for a sent message; returns the destinations reached."""
    return events.publish(_event_for(ctx, message_id), "Click", events.clicked(ctx.now(), link, link_tags))


@admin_action("delivery_delay")
def delay_message(
    ctx: OperationContext, message_id: str, recipient: str | None = None, delay_type: str = "MailboxFull"
) -> int:
    """Publish a DeliveryDelay event for one recipient of a sent message."""
    event = _event_for(ctx, message_id)
    target = recipient or event.message.recipients[0]
    return events.publish(event, "DeliveryDelay", events.delivery_delay(ctx.now(), target, delay_type))


@admin_action("bounce")
def bounce_message(
    ctx: OperationContext,
    message_id: str,
    recipient: str | None = None,
    bounce_type: str = "Permanent",
    sub_type: str = "General",
) -> int:
    """Publish a Bounce event for one recipient of a sent message: a bounce the receiving server
    sends after accepting the mail (any address, not only the simulator's). A Permanent bounce
    puts the address on the account suppression list when BOUNCE is a reason in force. Returns
    the destinations reached."""
    if sub_type not in events.BOUNCE_SUBTYPES.get(bounce_type, ()):
        allowed = "; ".join(f"{kind}: {', '.join(subs)}" for kind, subs in events.BOUNCE_SUBTYPES.items())
        raise BadRequestException(f"Bounce type {bounce_type}/{sub_type} is not one SES reports ({allowed}).")
    event = _event_for(ctx, message_id)
    target = events.bare_address(_recipient(event, recipient))
    feedback = f"{uuid.uuid4()}-000000"
    if bounce_type == "Permanent" and "BOUNCE" in suppressed_reasons(ctx.state, event.config_set):
        record_suppression(ctx.state, target, "BOUNCE", ctx.now(), message_id=message_id, feedback_id=feedback)
    detail = events.bounce(ctx.now(), target, sub_type, feedback, bounce_type)
    return events.publish(event, "Bounce", detail)


@admin_action("complaint")
def complain(ctx: OperationContext, message_id: str, recipient: str | None = None) -> int:
    """Publish a Complaint event for one recipient of a sent message (they marked it as spam);
    the address goes on the account suppression list when COMPLAINT is a reason in force.
    Returns the destinations reached."""
    event = _event_for(ctx, message_id)
    target = events.bare_address(_recipient(event, recipient))
    feedback = f"{uuid.uuid4()}-000000"
    if "COMPLAINT" in suppressed_reasons(ctx.state, event.config_set):
        record_suppression(ctx.state, target, "COMPLAINT", ctx.now(), message_id=message_id, feedback_id=feedback)
    detail = events.complaint(ctx.now(), target, feedback, event.message.timestamp)
    return events.publish(event, "Complaint", detail)


def _recipient(event: events.EventContext, recipient: str | None) -> str:
    if recipient is None:
        return event.message.recipients[0]
    for candidate in event.message.recipients:
        if events.bare_address(candidate).lower() == events.bare_address(recipient).lower():
            return candidate
    raise BadRequestException(f"{recipient} is not a recipient of message {event.message.message_id}.")


@admin_action("unsubscribe")
def unsubscribe(ctx: OperationContext, message_id: str, recipient: str | None = None) -> int:
    """A recipient follows the List-Unsubscribe link of a message sent with
    ListManagementOptions: the contact opts out (of the topic, else of everything) and a
    Subscription event is published. Returns the destinations reached."""
    event = _event_for(ctx, message_id)
    options = event.message.list_management
    if options is None:
        raise BadRequestException(f"Message {message_id} was not sent with ListManagementOptions.")
    contact_list = find_contact_list(ctx.state, options["ContactListName"])
    address = events.bare_address(recipient or event.message.recipients[0]).lower()
    contact = contact_list.contacts.get(address)
    if contact is None:
        raise NotFoundException(f"Contact {address} does not exist in list {contact_list.name}.")
    old = _preferences(contact_list, contact)
    topic = options.get("TopicName")
    if topic:
        contact.topic_preferences = [p for p in contact.topic_preferences if p.TopicName != topic]
        contact.topic_preferences.append(TopicPreference(TopicName=topic, SubscriptionStatus="OPT_OUT"))
    else:
        contact.unsubscribe_all = True
    contact.updated = ctx.now()
    return events.publish(
        event,
        "Subscription",
        events.subscription(ctx.now(), contact_list.name, old, _preferences(contact_list, contact)),
    )


def _preferences(contact_list: ContactList, contact: Contact) -> dict[str, Any]:
    chosen = {p.TopicName: p.SubscriptionStatus for p in contact.topic_preferences}
    word = {"OPT_IN": "OptIn", "OPT_OUT": "OptOut"}
    return {
        "unsubscribeAll": contact.unsubscribe_all,
        "topicSubscriptionStatus": [
            {"topicName": name, "subscriptionStatus": word[status]} for name, status in chosen.items()
        ],
        "topicDefaultSubscriptionStatus": [
            {"topicName": t.TopicName, "subscriptionStatus": word[t.DefaultSubscriptionStatus]}
            for t in contact_list.topics
        ],
    }
