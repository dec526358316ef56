"""SES's list management on sends: a contact list and (optionally) a topic.

With them SES adds the one-click unsubscribe headers (List-Unsubscribe and
List-Unsubscribe-Post, RFC 8058) and the {{amazonSESUnsubscribeUrl}} link, and sends nothing to
a contact who opted out of the topic (or of everything): what Gmail's and Yahoo's bulk-sender
rules ask of marketing mail.

SendBulkEmail has no ListManagementOptions, so a job with list management sends one
SendEmail per recipient (Content.Template, the same tags and headers, ListManagementOptions),
paced, journaled and judged like a batch of one: the engine's batch size is 1, and SES's
refusal of that one message (MessageRejected) is that recipient's failure, as a
BulkEmailEntryResult would be; every other error is the call's (throttled, in doubt, or the run
stops, resumable).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.errors import AwsError, SendError

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # SES's contact list and topic names
# Errors of one SendEmail that are its recipient's, not the run's: the status a
# BulkEmailEntryResult would carry for them.
ENTRY_ERRORS = {"MessageRejected": "MESSAGE_REJECTED"}


@dataclass(frozen=True)
class ListManagement:
    contact_list: str
    topic: str | None = None

    def validate(self) -> None:
        for what, value in (("contact list", self.contact_list), ("topic", self.topic)):
            if value is not None and not _NAME.match(value):
                raise SendError(
                    f"Invalid {what} name {value!r}: SES names are 1-64 letters, digits, '_' and '-'."
                )

    def options(self) -> dict[str, str]:
        """SendEmail's ListManagementOptions."""
        found = {"ContactListName": self.contact_list}
        if self.topic:
            found["TopicName"] = self.topic
        return found

    def describe(self) -> str:
        return f"contact list {self.contact_list}" + (f", topic {self.topic}" if self.topic else "")


def send_email_request(
    base: Mapping[str, Any], entry_request: Mapping[str, Any], options: ListManagement
) -> dict[str, Any]:
    """One entry of a SendBulkEmail request (``base`` with one of its BulkEmailEntries) as the
    equivalent SendEmail with list management: the same template, data, tags and headers."""
    template = dict(base["DefaultContent"]["Template"])
    replaced = entry_request.get("ReplacementEmailContent", {}).get("ReplacementTemplate", {})
    if "ReplacementTemplateData" in replaced:
        template["TemplateData"] = replaced["ReplacementTemplateData"]
    if entry_request.get("ReplacementHeaders"):
        template["Headers"] = list(entry_request["ReplacementHeaders"])
    tags = {t["Name"]: t["Value"] for t in base.get("DefaultEmailTags", [])}
    tags.update({t["Name"]: t["Value"] for t in entry_request.get("ReplacementTags", [])})
    request: dict[str, Any] = {
        "FromEmailAddress": base["FromEmailAddress"],
        "Destination": dict(entry_request["Destination"]),
        "Content": {"Template": template},
        "ListManagementOptions": options.options(),
    }
    if tags:
        request["EmailTags"] = [{"Name": k, "Value": v} for k, v in tags.items()]
    for member in ("ConfigurationSetName", "ReplyToAddresses"):
        if member in base:
            request[member] = base[member]
    return request


def entry_result(error: AwsError) -> dict[str, str] | None:
    """The BulkEmailEntryResult an error of one SendEmail stands for, or None when it is the call's."""
    status = ENTRY_ERRORS.get(error.code)
    return None if status is None else {"Status": status, "Error": str(error)}



__all__ = ["ENTRY_ERRORS", "ListManagement", "entry_result", "send_email_request"]
