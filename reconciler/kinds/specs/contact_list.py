"""ContactList: SES's list management (CreateContactList/UpdateContactList), its topics and tags.

The contacts themselves stay out of git (they are personal data): ``sesctl contacts`` manages
them. SES allows one contact list per account.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from reconciler.kinds.specs.base import SesName, SpecModel, Tags, no_items

Text = Annotated[str, Field(min_length=1, max_length=500)]


class Topic(SpecModel):
    """A topic contacts subscribe to (SES's Topic)."""

    name: SesName
    """The topic's name (TopicName)."""
    display_name: Annotated[str, Field(min_length=1, max_length=128)]
    """What recipients see on the subscription page."""
    description: Text | None = None
    default_subscription_status: Literal["OPT_IN", "OPT_OUT"]
    """The status of a contact that has said nothing about this topic."""


class ContactListSpec(SpecModel):
    """``kind: ContactList``: UpdateContactList replaces the whole list, so apply always sends
    every field."""

    description: Text | None = None
    topics: list[Topic] = Field(default_factory=no_items, max_length=20)
    """The list's topics (SES: at most 20)."""
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_topics(self) -> ContactListSpec:
        names = [t.name for t in self.topics]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"topic names must be unique: {', '.join(duplicates)}")
        return self


__all__ = ["ContactListSpec", "Topic"]
