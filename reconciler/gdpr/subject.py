"""Subject access: everything SES and sesctl hold about one address, as data."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from reconciler.aws.gateway import SesGateway
from reconciler.gdpr.sources import Sources, lines_naming


def contact_lists(gateway: SesGateway) -> Iterator[str]:
    token: str | None = None
    while True:
        params: dict[str, Any] = {"PageSize": 100}
        if token:
            params["NextToken"] = token
        page = gateway.call("ListContactLists", **params)
        for item in page.get("ContactLists", []):
            yield str(item["ContactListName"])
        token = page.get("NextToken")
        if not token:
            return


def memberships(gateway: SesGateway, address: str, lists: Sequence[str]) -> list[dict[str, Any]]:
    found = []
    for name in lists:
        contact = gateway.get_or_none("GetContact", ContactListName=name, EmailAddress=address)
        if contact is None:
            continue
        found.append(
            {
                "contact_list": name,
                "topic_preferences": contact.get("TopicPreferences", []),
                "topic_default_preferences": contact.get("TopicDefaultPreferences", []),
                "unsubscribe_all": contact.get("UnsubscribeAll", False),
                "attributes": contact.get("AttributesData"),
                "created": contact.get("CreatedTimestamp"),
                "last_updated": contact.get("LastUpdatedTimestamp"),
            }
        )
    return found


def suppression(gateway: SesGateway, address: str) -> dict[str, Any] | None:
    found = gateway.get_or_none("GetSuppressedDestination", EmailAddress=address)
    if found is None:
        return None
    entry = found["SuppressedDestination"]
    return {"reason": entry.get("Reason"), "last_update_time": entry.get("LastUpdateTime")}


def subject_access(gateway: SesGateway, addresses: Sequence[str], sources: Sources) -> dict[str, Any]:
    """{"subjects": [{"address", "suppression", "contact_lists", "events", "checkpoints"}]}"""
    lists = list(contact_lists(gateway))
    checkpoints = sources.checkpoint_files()
    subjects = []
    with sources.open_store() as store:
        for address in addresses:
            events = store.find_recipient(store.recipient_hash(address)) if store is not None else None
            subjects.append(
                {
                    "address": address,
                    "suppression": suppression(gateway, address),
                    "contact_lists": memberships(gateway, address, lists),
                    "events": events,
                    "checkpoints": [
                        {"file": str(path), "lines": hits}
                        for path in checkpoints
                        if (hits := lines_naming(path, address))
                    ],
                }
            )
    return {"subjects": subjects, "searched": _searched(sources, checkpoints, lists)}


def _searched(sources: Sources, checkpoints: Sequence[Any], lists: Sequence[str]) -> dict[str, Any]:
    return {
        "ses": ["account suppression list", f"{len(lists)} contact lists"],
        "event_store": str(sources.store) if sources.store and sources.store.is_file() else None,
        "checkpoints": [str(p) for p in checkpoints],
    }


__all__ = ["contact_lists", "memberships", "subject_access", "suppression"]
