"""Read-side helpers over the SES state, shared by the operation groups and by sending.

The ``find_*`` functions raise SES's NotFoundException with SES-like messages; the others
answer the questions a send has to ask (is this sender verified, is this recipient
suppressed under this configuration set, which configuration set applies).
"""

from __future__ import annotations

from datetime import datetime

from reconciler.emulator.errors import NotFoundException
from reconciler.emulator.state import (
    ConfigurationSet,
    Contact,
    ContactList,
    EmailIdentity,
    EmailTemplate,
    SesState,
    SubscriptionStatus,
    SuppressedDestination,
    SuppressionReason,
)


def find_template(state: SesState, name: str) -> EmailTemplate:
    template = state.templates.get(name)
    if template is None:
        raise NotFoundException(f"Template {name} does not exist.")
    return template


def find_configuration_set(state: SesState, name: str) -> ConfigurationSet:
    config_set = state.configuration_sets.get(name)
    if config_set is None:
        raise NotFoundException(f"Configuration set <{name}> does not exist.")
    return config_set


def find_identity(state: SesState, name: str) -> EmailIdentity:
    identity = state.identities.get(name.lower())
    if identity is None:
        raise NotFoundException(f"Email identity {name} does not exist.")
    return identity


def find_contact_list(state: SesState, name: str) -> ContactList:
    contact_list = state.contact_lists.get(name)
    if contact_list is None:
        raise NotFoundException(f"List with name {name} does not exist.")
    return contact_list


# ---- sending ------------------------------------------------------------------------------


def sending_identity(state: SesState, address: str) -> EmailIdentity | None:
    """The verified identity that lets ``address`` send: the address itself, else its domain
    or a parent domain (SES lets a verified domain send from its subdomains). None if none."""
    address = address.strip().lower()
    candidates = [address]
    if "@" in address:
        labels = address.rsplit("@", 1)[1].split(".")
        candidates += [".".join(labels[i:]) for i in range(len(labels) - 1)]
    for name in candidates:
        identity = state.identities.get(name)
        if identity is not None and identity.verification_status == "SUCCESS":
            return identity
    return None


def is_verified_sender(state: SesState, address: str) -> bool:
    return sending_identity(state, address) is not None


def default_configuration_set(state: SesState, address: str) -> ConfigurationSet | None:
    """The configuration set a send without ConfigurationSetName uses: the sending identity's
    default (PutEmailIdentityConfigurationSetAttributes), if it still exists."""
    identity = sending_identity(state, address)
    if identity is None or identity.configuration_set_name is None:
        return None
    return state.configuration_sets.get(identity.configuration_set_name)


def suppressed_reasons(state: SesState, config_set: ConfigurationSet | None) -> list[SuppressionReason]:
    """The reasons in force: the configuration set's SuppressedReasons override the account's
    (an empty list: suppress nothing); a set without them follows the account."""
    if config_set is not None and config_set.suppression is not None:
        if config_set.suppression.SuppressedReasons is not None:
            return list(config_set.suppression.SuppressedReasons)
    return list(state.account.suppressed_reasons)


def suppression_entry(
    state: SesState, address: str, config_set: ConfigurationSet | None = None
) -> SuppressedDestination | None:
    """The account suppression-list entry that stops delivery to ``address`` (its reason must
    be one of the reasons in force), or None."""
    entry = state.suppressed.get(address.strip().lower())
    if entry is None or entry.reason not in suppressed_reasons(state, config_set):
        return None
    return entry


def record_sent(state: SesState, recipients: int) -> None:
    """Count recipients against the 24-hour quota (GetAccount SendQuota.SentLast24Hours)."""
    state.account.sent_last_24_hours += recipients


def remaining_quota(state: SesState) -> float:
    return state.account.max_24_hour_send - state.account.sent_last_24_hours


def record_suppression(
    state: SesState,
    address: str,
    reason: SuppressionReason,
    when: datetime,
    *,
    message_id: str | None = None,
    feedback_id: str | None = None,
) -> SuppressedDestination:
    """Add or refresh an account suppression-list entry (what SES does after a hard bounce or
    a complaint when the reason is enabled; PutSuppressedDestination does it by hand)."""
    entry = SuppressedDestination(
        email=address.strip(), reason=reason, last_update=when, message_id=message_id, feedback_id=feedback_id
    )
    state.suppressed[address.strip().lower()] = entry
    return entry


def topic_status(
    contact_list: ContactList, contact: Contact, topic: str, use_default: bool = True
) -> SubscriptionStatus | None:
    """A contact's status for one topic: OPT_OUT after UnsubscribeAll, else the explicit
    preference, else (``use_default``) the topic's default; None when it has none."""
    if contact.unsubscribe_all:
        return "OPT_OUT"
    for preference in contact.topic_preferences:
        if preference.TopicName == topic:
            return preference.SubscriptionStatus
    if not use_default:
        return None
    return next((t.DefaultSubscriptionStatus for t in contact_list.topics if t.TopicName == topic), None)
