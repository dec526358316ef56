"""ContactList: create, update (every field sent: SES replaces the list), import and delete against
the emulator over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lifecycle_support import Lifecycle, run_lifecycle


def _list(spec: str) -> str:
    return f"apiVersion: sesctl/v1\nkind: ContactList\nmetadata: {{name: newsletter}}\nspec:\n{spec}---\n"


CREATE = _list(
    "  description: Our newsletter\n  topics:\n"
    "    - {name: weekly, displayName: Weekly digest, defaultSubscriptionStatus: OPT_IN}\n"
    "    - {name: offers, displayName: Offers, description: Deals, defaultSubscriptionStatus: OPT_OUT}\n"
    "  tags: {team: growth}\n"
)
# Only a topic's display name changes: the description and the other topic must survive.
UPDATE = CREATE.replace("Weekly digest", "The weekly digest")


def _topics(expected: list[tuple[str, str]]) -> Any:
    def check(emulator: Any) -> None:
        got = emulator.client("sesv2").get_contact_list(ContactListName="newsletter")
        assert got["Description"] == "Our newsletter"
        assert sorted((t["TopicName"], t["DisplayName"]) for t in got["Topics"]) == expected

    return check


def test_lifecycle(tmp_path: Path, emulator: Any) -> None:
    run_lifecycle(
        tmp_path,
        emulator,
        Lifecycle(
            address="ContactList/newsletter",
            create=CREATE,
            update=UPDATE,
            checks={
                "create": _topics([("offers", "Offers"), ("weekly", "Weekly digest")]),
                "update": _topics([("offers", "Offers"), ("weekly", "The weekly digest")]),
            },
        ),
    )
