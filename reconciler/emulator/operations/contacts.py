"""Contact lists (with topics) and contacts: Create/Get/Update/Delete/List of each.

SES allows one contact list per account and 20 topics per list. UpdateContactList and
UpdateContact replace the whole resource, as SES does: a member left out of the call is
emptied (Topics, TopicPreferences), dropped (Description, AttributesData) or false
(UnsubscribeAll), so a caller that sends only the changed member loses the others, locally as
in production.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.errors import AlreadyExistsException, BadRequestException
from reconciler.emulator.lookups import find_contact, find_contact_list, topic_status
from reconciler.emulator.operations.common import (
    check_email,
    check_name,
    check_new,
    check_tags,
    json_object,
    listing,
    paginate,
    parse,
    tag_list,
)
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.state import Contact, ContactList, Topic, TopicPreference

MAX_CONTACT_LISTS = 1
MAX_TOPICS = 20


def _topics(data: Any) -> list[Topic]:
    topics = [parse(Topic, item, "Topics") for item in data or []]
    names = [check_name(t.TopicName, "TopicName") for t in topics]
    if len(set(names)) != len(names):
        raise BadRequestException("Topic names must be unique within a contact list.")
    if len(topics) > MAX_TOPICS:
        raise BadRequestException(f"A contact list can have at most {MAX_TOPICS} topics.")
    return topics


def _check_topic(contact_list: ContactList, name: str) -> None:
    if name not in {t.TopicName for t in contact_list.topics}:
        raise BadRequestException(f"Topic {name} does not exist in contact list {contact_list.name}.")


def _preferences(contact_list: ContactList, data: Any) -> list[TopicPreference]:
    preferences = [parse(TopicPreference, item, "TopicPreferences") for item in data or []]
    for preference in preferences:
        _check_topic(contact_list, preference.TopicName)
    # One preference per topic: the last one given wins.
    return list({p.TopicName: p for p in preferences}.values())


def _attributes(data: Any) -> str | None:
    if data is None:
        return None
    json_object(data, "AttributesData must be a JSON object.")
    return str(data)


def _defaults(contact_list: ContactList) -> list[dict[str, Any]]:
    return [
        {"TopicName": t.TopicName, "SubscriptionStatus": t.DefaultSubscriptionStatus}
        for t in contact_list.topics
    ]


# ---- contact lists ------------------------------------------------------------------------


@operation("CreateContactList")
def create_contact_list(ctx: OperationContext, params: Params) -> Result:
    state = ctx.state
    name = check_name(params["ContactListName"], "ContactListName")
    topics = _topics(params.get("Topics"))
    tags = check_tags(params.get("Tags"))
    taken = f"List with name {name} already exists."
    check_new(state.contact_lists, name, taken, MAX_CONTACT_LISTS, "contact lists per account")
    now = ctx.now()
    state.contact_lists[name] = ContactList(
        name=name, description=params.get("Description"), topics=topics, created=now, updated=now, tags=tags
    )
    return {}


@operation("GetContactList")
def get_contact_list(ctx: OperationContext, params: Params) -> Result:
    contact_list = find_contact_list(ctx.state, params["ContactListName"])
    result: Result = {
        "ContactListName": contact_list.name,
        "Topics": [t.out() for t in contact_list.topics],
        "CreatedTimestamp": contact_list.created,
        "LastUpdatedTimestamp": contact_list.updated,
        "Tags": tag_list(contact_list.tags),
    }
    if contact_list.description is not None:
        result["Description"] = contact_list.description
    return result


@operation("UpdateContactList")
def update_contact_list(ctx: OperationContext, params: Params) -> Result:
    contact_list = find_contact_list(ctx.state, params["ContactListName"])
    contact_list.topics = _topics(params.get("Topics"))
    known = {t.TopicName for t in contact_list.topics}
    for contact in contact_list.contacts.values():  # preferences for removed topics go too
        contact.topic_preferences = [p for p in contact.topic_preferences if p.TopicName in known]
    contact_list.description = params.get("Description")
    contact_list.updated = ctx.now()
    return {}


@operation("DeleteContactList")
def delete_contact_list(ctx: OperationContext, params: Params) -> Result:
    contact_list = find_contact_list(ctx.state, params["ContactListName"])
    del ctx.state.contact_lists[contact_list.name]
    return {}


@operation("ListContactLists")
def list_contact_lists(ctx: OperationContext, params: Params) -> Result:
    names, token = paginate(ctx.state.contact_lists, params)
    lists = [
        {"ContactListName": n, "LastUpdatedTimestamp": ctx.state.contact_lists[n].updated} for n in names
    ]
    return listing("ContactLists", lists, token)


# ---- contacts -----------------------------------------------------------------------------


@operation("CreateContact")
def create_contact(ctx: OperationContext, params: Params) -> Result:
    contact_list = find_contact_list(ctx.state, params["ContactListName"])
    address = check_email(params["EmailAddress"])
    preferences = _preferences(contact_list, params.get("TopicPreferences"))
    attributes = _attributes(params.get("AttributesData"))
    if address.lower() in contact_list.contacts:
        raise AlreadyExistsException(f"Contact already exists in list {contact_list.name}.")
    now = ctx.now()
    contact_list.contacts[address.lower()] = Contact(
        email=address,
        topic_preferences=preferences,
        unsubscribe_all=bool(params.get("UnsubscribeAll", False)),
        attributes_data=attributes,
        created=now,
        updated=now,
    )
    return {}


@operation("GetContact")
def get_contact(ctx: OperationContext, params: Params) -> Result:
    contact_list = find_contact_list(ctx.state, params["ContactListName"])
    contact = find_contact(contact_list, params["EmailAddress"])
    result: Result = {
        "ContactListName": contact_list.name,
        "EmailAddress": contact.email,
        "TopicPreferences": [p.out() for p in contact.topic_preferences],
        "TopicDefaultPreferences": _defaults(contact_list),
        "UnsubscribeAll": contact.unsubscribe_all,
        "CreatedTimestamp": contact.created,
        "LastUpdatedTimestamp": contact.updated,
    }
    if contact.attributes_data is not None:
        result["AttributesData"] = contact.attributes_data
    return result


@operation("UpdateContact")
def update_contact(ctx: OperationContext, params: Params) -> Result:
    contact_list = find_contact_list(ctx.state, params["ContactListName"])
    contact = find_contact(contact_list, params["EmailAddress"])
    # Validate every member before changing anything: a refused update changes nothing.
    preferences = _preferences(contact_list, params.get("TopicPreferences"))
    attributes = _attributes(params.get("AttributesData"))
    contact.topic_preferences = preferences
    contact.unsubscribe_all = bool(params.get("UnsubscribeAll", False))
    contact.attributes_data = attributes
    contact.updated = ctx.now()
    return {}


@operation("DeleteContact")
def delete_contact(ctx: OperationContext, params: Params) -> Result:
    contact_list = find_contact_list(ctx.state, params["ContactListName"])
    contact = find_contact(contact_list, params["EmailAddress"])
    del contact_list.contacts[contact.email.lower()]
    return {}


def _matches(contact_list: ContactList, contact: Contact, status: str | None, topic: dict[str, Any]) -> bool:
    topic_name = topic.get("TopicName")
    if topic_name is None:
        # No topic: the list-wide status (OPT_OUT means unsubscribed from everything).
        return status is None or (status == "OPT_OUT") == contact.unsubscribe_all
    found = topic_status(
        contact_list, contact, topic_name, bool(topic.get("UseDefaultIfPreferenceUnavailable"))
    )
    return found is not None and (status is None or found == status)


@operation("ListContacts")
def list_contacts(ctx: OperationContext, params: Params) -> Result:
    contact_list = find_contact_list(ctx.state, params["ContactListName"])
    filter_ = params.get("Filter") or {}
    status = filter_.get("FilteredStatus")
    topic = filter_.get("TopicFilter") or {}
    if topic.get("TopicName") is not None:
        _check_topic(contact_list, topic["TopicName"])
    keys = [k for k, c in contact_list.contacts.items() if _matches(contact_list, c, status, topic)]
    page, token = paginate(keys, params)
    defaults = _defaults(contact_list)
    contacts = [
        {
            "EmailAddress": c.email,
            "TopicPreferences": [p.out() for p in c.topic_preferences],
            "TopicDefaultPreferences": defaults,
            "UnsubscribeAll": c.unsubscribe_all,
            "LastUpdatedTimestamp": c.updated,
        }
        for c in (contact_list.contacts[k] for k in page)
    ]
    return listing("Contacts", contacts, token)
