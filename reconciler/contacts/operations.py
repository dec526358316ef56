"""Contacts of an SES contact list: personal data, so they live in SES and never in git.

Every call goes through the gateway (SES's per-operation rate limits, retries, error hints).
SES's UpdateContact replaces the contact's topic preferences wholesale, so an import that
updates a contact sends the union of what SES has and what the file says: importing a file
with one topic column never wipes a contact's other topics.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.errors import UsageError
from reconciler.sending.addresses import address_problem
from reconciler.sending.masking import mask_email, printable

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway

STATUSES = ("OPT_IN", "OPT_OUT")
TOPIC_PREFIX = "topic:"
MAX_ATTRIBUTES = 1000  # characters of AttributesData SES accepts


@dataclass(frozen=True)
class ContactRow:
    line: int
    email: str
    topics: dict[str, str]  # topic -> OPT_IN | OPT_OUT
    unsubscribe_all: bool | None  # None: the file does not say
    attributes: dict[str, str]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), addresses masked


def read_import_file(path: Path) -> list[ContactRow]:
    """Rows of a contacts CSV: an ``email`` column, optional ``unsubscribe_all`` (true/false),
    ``topic:NAME`` columns (OPT_IN/OPT_OUT or empty), any other column an attribute.
    Refuses a file with two email columns or a bad value, naming the line."""
    if not path.is_file():
        raise UsageError(f"no contacts file {path} (or it is not a regular file)")
    text = path.read_text(encoding="utf-8-sig", errors="strict")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise UsageError(f"{path}: empty file; expected a header with an email column") from None
    lowered = [h.lower() for h in header]
    if lowered.count("email") != 1:
        found = "no" if "email" not in lowered else "two"
        raise UsageError(f"{path}:1: {found} 'email' column; a contacts file has exactly one")
    if len(set(lowered)) != len(lowered):
        raise UsageError(f"{path}:1: a column name is repeated")
    rows: list[ContactRow] = []
    for line_number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise UsageError(f"{path}:{line_number}: {len(cells)} cells, the header has {len(header)}")
        record = dict(zip(lowered, cells, strict=True))
        originals = dict(zip(lowered, header, strict=True))
        email = record.pop("email").strip()
        topics: dict[str, str] = {}
        attributes: dict[str, str] = {}
        unsubscribe_all: bool | None = None
        for key, value in record.items():
            value = value.strip()
            if key.startswith(TOPIC_PREFIX):
                if value:
                    status = value.upper()
                    if status not in STATUSES:
                        raise UsageError(f"{path}:{line_number}: {originals[key]} must be OPT_IN or OPT_OUT (got {value!r})")
                    topics[originals[key][len(TOPIC_PREFIX):]] = status
            elif key == "unsubscribe_all":
                if value:
                    if value.lower() not in ("true", "false"):
                        raise UsageError(f"{path}:{line_number}: unsubscribe_all must be true or false")
                    unsubscribe_all = value.lower() == "true"
            elif value:
                attributes[originals[key]] = value
        rows.append(ContactRow(line_number, email, topics, unsubscribe_all, attributes))
    return rows


def list_contacts(
    gateway: SesGateway, list_name: str, *, topic: str | None = None, status: str | None = None
) -> Iterator[dict[str, Any]]:
    """The contacts of ``list_name`` (optionally those with a topic's status), page by page."""
    params: dict[str, Any] = {"ContactListName": list_name}
    if topic is not None or status is not None:
        filt: dict[str, Any] = {}
        if status is not None:
            filt["FilteredStatus"] = status
        if topic is not None:
            filt["TopicFilter"] = {"TopicName": topic, "UseDefaultIfPreferenceUnavailable": True}
        params["Filter"] = filt
    token: str | None = None
    while True:
        page = gateway.call("ListContacts", **params, **({"NextToken": token} if token else {}))
        yield from page.get("Contacts") or []
        token = page.get("NextToken")
        if not token:
            return


def _existing(gateway: SesGateway, list_name: str, email: str) -> dict[str, Any] | None:
    return gateway.get_or_none("GetContact", ContactListName=list_name, EmailAddress=email)


def _preferences(topics: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"TopicName": name, "SubscriptionStatus": status} for name, status in sorted(topics.items())]


def import_contacts(
    gateway: SesGateway, list_name: str, rows: Iterable[ContactRow], *, dry_run: bool = False
) -> ImportReport:
    report = ImportReport()
    gateway.call("GetContactList", ContactListName=list_name)  # a missing list fails before any row
    for row in rows:
        problem = address_problem(row.email)
        if problem is not None:
            report.refused.append((row.line, f"{printable(mask_email(row.email))}: {problem}"))
            continue
        attributes = json.dumps(row.attributes, ensure_ascii=False, sort_keys=True) if row.attributes else None
        if attributes is not None and len(attributes) > MAX_ATTRIBUTES:
            report.refused.append((row.line, f"{mask_email(row.email)}: attributes over {MAX_ATTRIBUTES} characters"))
            continue
        current = _existing(gateway, list_name, row.email)
        if current is None:
            report.created += 1
            if not dry_run:
                params: dict[str, Any] = {"ContactListName": list_name, "EmailAddress": row.email}
                if row.topics:
                    params["TopicPreferences"] = _preferences(row.topics)
                if row.unsubscribe_all is not None:
                    params["UnsubscribeAll"] = row.unsubscribe_all
                if attributes is not None:
                    params["AttributesData"] = attributes
                gateway.call("CreateContact", **params)
            continue
        topics = {p["TopicName"]: p["SubscriptionStatus"] for p in current.get("TopicPreferences") or []}
        merged = {**topics, **row.topics}
        unsubscribe = row.unsubscribe_all if row.unsubscribe_all is not None else bool(current.get("UnsubscribeAll"))
        old_attributes = current.get("AttributesData")
        new_attributes = attributes if attributes is not None else old_attributes
        if merged == topics and unsubscribe == bool(current.get("UnsubscribeAll")) and new_attributes == old_attributes:
            report.unchanged += 1
            continue
        report.updated += 1
        if not dry_run:
            # UpdateContact replaces everything: send every field, the merged topics included.
            update: dict[str, Any] = {
                "ContactListName": list_name,
                "EmailAddress": row.email,
                "TopicPreferences": _preferences(merged),
                "UnsubscribeAll": unsubscribe,
            }
            if new_attributes is not None:
                update["AttributesData"] = new_attributes
            gateway.call("UpdateContact", **update)
    return report


def export_rows(contacts: Iterable[Mapping[str, Any]]) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of a contacts CSV that `import` reads back."""
    rows: list[dict[str, str]] = []
    topics: set[str] = set()
    for contact in contacts:
        row = {
            "email": str(contact.get("EmailAddress", "")),
            "unsubscribe_all": "true" if contact.get("UnsubscribeAll") else "false",
        }
        for pref in contact.get("TopicPreferences") or []:
            topics.add(pref["TopicName"])
            row[TOPIC_PREFIX + pref["TopicName"]] = pref["SubscriptionStatus"]
        rows.append(row)
    header = ["email", "unsubscribe_all", *(TOPIC_PREFIX + t for t in sorted(topics))]
    return header, rows


def write_csv(header: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\n", restval="")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def remove_contacts(gateway: SesGateway, list_name: str, addresses: Iterable[str], *, dry_run: bool) -> tuple[int, list[str]]:
    """(removed, not found — masked). Nothing is deleted when ``dry_run``."""
    removed = 0
    missing: list[str] = []
    for address in addresses:
        if dry_run:
            found = _existing(gateway, list_name, address) is not None
        else:
            # One call: SES answers NotFound for a contact that is not there.
            found = gateway.get_or_none("DeleteContact", ContactListName=list_name, EmailAddress=address) is not None
        if found:
            removed += 1
        else:
            missing.append(mask_email(address))
    return removed, missing


__all__ = [
    "ContactRow",
    "ImportReport",
    "export_rows",
    "import_contacts",
    "list_contacts",
    "read_import_file",
    "remove_contacts",
    "write_csv",
]
