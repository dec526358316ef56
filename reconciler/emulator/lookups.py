"""Read-side helpers over the SES state, shared by the operation groups and by sending.

The ``find_*`` functions raise SES's NotFoundException with SES-like messages (``find_in``
is the one place that does it, for the operation groups' own tables too); the others
answer the questions a send has to ask (is this sender verified, is this recipient
suppressed under this configuration set, which configuration set applies).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TypeVar

from reconciler.emulator.errors import MailFromDomainNotVerifiedException, NotFoundException
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

T = TypeVar("T")


def find_in(table: Mapping[str, T], key: str, missing: str) -> T:
    """``table[key]``, or SES's NotFoundException with the message ``missing``."""
    found = table.get(key)
    if found is None:
        raise NotFoundException(missing)
    return found


def find_template(state: SesState, name: str) -> EmailTemplate:
    return find_in(state.templates, name, f"Template {name} does not exist.")


def find_configuration_set(state: SesState, name: str) -> ConfigurationSet:
    return find_in(state.configuration_sets, name, f"Configuration set <{name}> does not exist.")


def find_identity(state: SesState, name: str) -> EmailIdentity:
    return find_in(state.identities, name.lower(), f"Email identity {name} does not exist.")


def find_contact_list(state: SesState, name: str) -> ContactList:
    return find_in(state.contact_lists, name, f"List with name {name} does not exist.")


def find_contact(contact_list: ContactList, address: str) -> Contact:
    return find_in(
        contact_list.contacts,
        address.strip().lower(),
        f"Contact {address} does not exist in list {contact_list.name}.",
    )


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


def check_mail_from(state: SesState, address: str) -> None:
    """SES refuses a send whose custom MAIL FROM domain is not verified when the identity
    says REJECT_MESSAGE on MX failure (MailFromDomainNotVerifiedException); with
    USE_DEFAULT_VALUE it falls back to amazonses.com and sends. The MAIL FROM in force is
    the address identity's, else its domain's (or a parent domain's)."""
    address = address.strip().lower()
    candidates = [address]
    if "@" in address:
        labels = address.rsplit("@", 1)[1].split(".")
        candidates += [".".join(labels[i:]) for i in range(len(labels) - 1)]
    for name in candidates:
        identity = state.identities.get(name)
        mail_from = identity.mail_from if identity is not None else None
        if mail_from is None or not mail_from.MailFromDomain:
            continue
        if mail_from.MailFromDomainStatus != "SUCCESS" and mail_from.BehaviorOnMxFailure == "REJECT_MESSAGE":
            raise MailFromDomainNotVerifiedException(
                f"The MAIL FROM domain {mail_from.MailFromDomain} of identity {identity.name if identity else name} "
                f"is not verified ({mail_from.MailFromDomainStatus}) and its BehaviorOnMxFailure is REJECT_MESSAGE."
            )
        return


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


def refresh_sent_last_24_hours(state: SesState, now: datetime) -> float:
    """SentLast24Hours is the account's figure (``configure_account`` may set it), minus what
    has left the rolling 24-hour window since; GetAccount and every send age it."""
    account = state.account
    expired = state.sending.expire(now)
    if expired:
        account.sent_last_24_hours = max(0.0, account.sent_last_24_hours - expired)
    return account.sent_last_24_hours
