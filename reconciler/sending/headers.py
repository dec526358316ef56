"""Custom headers on sent mail (``sesctl send --header NAME=VALUE``), e.g. the one-click
unsubscribe pair Gmail and Yahoo require of bulk senders:

    --header 'List-Unsubscribe=<https://example.com/u?id={{userId}}>'
    --header 'List-Unsubscribe-Post=List-Unsubscribe=One-Click'

A value is a template rendered per recipient with the same strict renderer as the email (a
missing variable refuses the row, as for the body) and sent as SendBulkEmail's
ReplacementHeaders. Headers that SES or sesctl's guardrails own are refused: the addressing
and identity of a message (From, To, Cc, Bcc, Reply-To, Return-Path, Sender), its structure
(Content-*, MIME-Version), its trace (Message-ID, Date, Received, DKIM-Signature) and SES's own
(X-SES-*). SES takes at most 15 headers; names are RFC 5322 field names; values one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.errors import UsageError
from reconciler.sending.addresses import has_line_break
from reconciler.templates import TemplateError, compile_template

MAX_HEADERS = 15
MAX_VALUE = 870  # SES's documented maximum header value length
_NAME = re.compile(r"^[!-9;-~]{1,126}$")  # printable ASCII but ':' (RFC 5322 field-name)
RESERVED = frozenset(
    {
        "from", "to", "cc", "bcc", "reply-to", "return-path", "sender", "subject", "message-id",
        "date", "received", "dkim-signature", "mime-version", "content-type",
        "content-transfer-encoding", "content-disposition", "references", "in-reply-to",
    }
)


@dataclass(frozen=True)
class HeaderTemplate:
    name: str
    source: str
    compiled: Any

    def render(self, data: Mapping[str, Any]) -> str:
        value = str(self.compiled.render(data))
        if has_line_break(value):
            raise UsageError(f"header {self.name} would hold a line break for this recipient")
        return value


def reserved_problem(name: str) -> str | None:
    lowered = name.lower()
    if lowered in RESERVED or lowered.startswith(("content-", "x-ses-")):
        return f"{name} is set by SES or by sesctl's guardrails"
    return None


# The one-click unsubscribe pair (RFC 8058): SES writes it itself on a message sent with list
# management (a contact list and topic), so a send that uses list management may not set it.
UNSUBSCRIBE_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post"})


def parse_headers(items: Iterable[str], *, list_management: bool = False) -> tuple[HeaderTemplate, ...]:
    """``NAME=VALUE`` items (``sesctl send --header``) -> header templates (see header_templates)."""
    pairs: list[tuple[str, str]] = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not _NAME.match(name.strip()):
            raise UsageError(f"--header {item[:80]!r}: expected NAME=VALUE with an RFC 5322 header name")
        pairs.append((name.strip(), value))
    return header_templates(pairs, list_management=list_management)


def header_templates(
    pairs: Iterable[tuple[str, str]], *, list_management: bool = False, label: str = "--header"
) -> tuple[HeaderTemplate, ...]:
    """(name, value) pairs -> header templates; refuses reserved names (and the unsubscribe pair
    when SES adds it: ``list_management``), bad names, line breaks, long values, more than 15,
    and a name given twice. ``label`` names the input in messages (the MCP tools: ``headers``)."""
    found: list[HeaderTemplate] = []
    seen: set[str] = set()
    for name, value in pairs:
        if not _NAME.match(name):
            raise UsageError(f"{label} {name[:80]!r}: not an RFC 5322 header name (printable ASCII, no ':')")
        problem = reserved_problem(name)
        if problem is None and list_management and name.lower() in UNSUBSCRIBE_HEADERS:
            problem = f"{name} is added by SES to a message sent with a contact list and topic"
        if problem is not None:
            raise UsageError(f"{label} {name}: {problem}")
        if name.lower() in seen:
            raise UsageError(f"{label} {name} is given twice")
        if has_line_break(value) or len(value) > MAX_VALUE:
            raise UsageError(f"{label} {name}: the value must be one line of at most {MAX_VALUE} characters")
        try:
            compiled = compile_template(value, part="subject")
        except TemplateError as exc:
            raise UsageError(f"{label} {name}: {exc}") from None
        seen.add(name.lower())
        found.append(HeaderTemplate(name, value, compiled))
    if len(found) > MAX_HEADERS:
        raise UsageError(f"at most {MAX_HEADERS} {label} (SES's limit), got {len(found)}")
    return tuple(found)


__all__ = [
    "MAX_HEADERS",
    "UNSUBSCRIBE_HEADERS",
    "HeaderTemplate",
    "header_templates",
    "parse_headers",
    "reserved_problem",
]
