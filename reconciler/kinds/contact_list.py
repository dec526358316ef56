"""ContactList: the account's SES contact list, its topics and tags (not its contacts).

Normalized:

    description   None | text
    topics        [{name, display_name, description: None | text, default_subscription_status}],
                  sorted by name (SES keeps no order that matters)
    tags          {user tags}

SES's UpdateContactList is a complete replacement (a field left out is cleared), so an update
always sends the description and every topic, whatever changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.kinds.base import JsonDict, LiveObject, Risk, live_object
from reconciler.kinds.common import (
    InPlaceKind,
    create_tags,
    get_or_none,
    iam,
    live_tags,
    owner_of,
    read_by_name,
    spec_dict,
    sync_tags,
    tag_dict,
    user_tags,
)
from reconciler.kinds.plugin import KindPlugin
from reconciler.kinds.specs.contact_list import ContactListSpec

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


class ContactListKind(InPlaceKind):
    kind: ClassVar[str] = "ContactList"
    wave: ClassVar[int] = 15  # refers to nothing; before what might one day refer to it
    taggable: ClassVar[bool] = True
    iam_actions: ClassVar[frozenset[str]] = iam(
        "ListContactLists",
        "GetContactList",
        "CreateContactList",
        "UpdateContactList",
        "DeleteContactList",
        "ListTagsForResource",  # when GetContactList's answer leaves Tags out
        "TagResource",
        "UntagResource",
    )

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        data = spec_dict(spec)
        return _normalize(
            data.get("description"), data.get("topics") or [], user_tags(data.get("tags") or {})
        )

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        topics = [
            {
                "name": t.get("TopicName"),
                "display_name": t.get("DisplayName"),
                "description": t.get("Description"),
                "default_subscription_status": t.get("DefaultSubscriptionStatus"),
            }
            for t in raw.get("Topics") or []
        ]
        return _normalize(raw.get("Description"), topics, user_tags(tag_dict(raw.get("Tags"))))

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        if names is None:
            listed = gateway.paginate("ListContactLists", "ContactLists", PageSize=1000)
            names = [str(c["ContactListName"]) for c in listed]
        return read_by_name(gateway, names, lambda name: self._read_one(gateway, name))

    def _read_one(self, gateway: SesGateway, name: str) -> LiveObject | None:
        raw = get_or_none(gateway, "GetContactList", ContactListName=name)
        if raw is None:
            return None
        raw["Tags"] = live_tags(gateway, raw, lambda: gateway.arn(f"contact-list/{name}"))
        return live_object(name, self.normalize_live(raw), owner_of(tag_dict(raw.get("Tags"))), raw)

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        gateway.call(
            "CreateContactList", ContactListName=name, Tags=create_tags(desired, stack), **_content(desired)
        )

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        if {"description", "topics"} & set(changed):
            gateway.call("UpdateContactList", ContactListName=name, **_content(desired))
        if "tags" in changed:
            sync_tags(
                gateway,
                gateway.arn(f"contact-list/{name}"),
                live.normalized.get("tags") or {},
                desired["tags"],
            )

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        gateway.call("DeleteContactList", ContactListName=name)

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        if before is None:
            return []
        if after is None:
            return [
                Risk(
                    "contact_list_deleted",
                    "high",
                    f"Deleting contact list {name} deletes its contacts and their subscription preferences; "
                    "sends that name it fail. Export them first (`sesctl contacts export`).",
                )
            ]
        old = {t["name"]: t for t in before.get("topics") or []}
        new = {t["name"]: t for t in after.get("topics") or []}
        found: list[Risk] = []
        removed = sorted(set(old) - set(new))
        if removed:
            found.append(
                Risk(
                    "contact_list_topic_removed",
                    "medium",
                    f"Contact list {name} loses topic(s) {', '.join(removed)}: contacts' preferences for them are deleted.",
                )
            )
        opted_in = sorted(
            t
            for t in set(old) & set(new)
            if old[t]["default_subscription_status"] == "OPT_OUT"
            and new[t]["default_subscription_status"] == "OPT_IN"
        )
        if opted_in:
            found.append(
                Risk(
                    "topic_default_opt_in",
                    "medium",
                    f"Topic(s) {', '.join(opted_in)} of {name} become OPT_IN by default: contacts who never chose "
                    "are now subscribed (check your consent basis).",
                )
            )
        return found


def _normalize(description: Any, topics: Sequence[Mapping[str, Any]], tags: dict[str, str]) -> JsonDict:
    return {
        "description": description or None,
        "topics": sorted(
            (
                {
                    "name": t.get("name"),
                    "display_name": t.get("display_name"),
                    "description": t.get("description") or None,
                    "default_subscription_status": t.get("default_subscription_status"),
                }
                for t in topics
            ),
            key=lambda t: str(t["name"]),
        ),
        "tags": tags,
    }


def _content(desired: JsonDict) -> dict[str, Any]:
    """Every field UpdateContactList takes (it replaces the list: nothing may be left out)."""
    topics = [
        {
            "TopicName": t["name"],
            "DisplayName": t["display_name"],
            "DefaultSubscriptionStatus": t["default_subscription_status"],
            **({"Description": t["description"]} if t.get("description") else {}),
        }
        for t in desired.get("topics") or []
    ]
    content: dict[str, Any] = {"Topics": topics}
    if desired.get("description"):
        content["Description"] = desired["description"]
    return content


KIND = ContactListKind()
PLUGIN = KindPlugin(
    kind=KIND,
    spec=ContactListSpec,
    import_file="contact-lists.yaml",
    summary="the account's contact list and its topics (contacts stay out of git: `sesctl contacts`)",
)
