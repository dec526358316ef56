"""What counts as a recipient address, and as a safe header value: one rule for `sesctl send`
and the MCP server's guardrails.

    address_problem("ada@example.org")      -> None (sendable)
    address_problem("x@example..com")       -> "the domain has an empty label"
    has_line_break("Hi\\u2028Bcc: x")        -> True

SES takes addresses in 7-bit ASCII (an internationalised domain must be written in Punycode,
``xn--...``), so anything else is refused here, per row, before SES sees it. That also settles
look-alikes: ``x@\\u212aiosk.example`` (KELVIN SIGN) is not ASCII, so it can neither be sent nor
slip past an allow-list that compares it with ``kiosk.example``.

The rule is RFC 5321's ``Mailbox`` without the rare forms SES does not take: an unquoted
dot-atom local part of at most 64 characters, and a domain name of at least two labels (letters,
digits and inner hyphens, 1-63 characters each, a TLD that is not all digits), 254 characters in
all. No quoted local parts, no address literals, no comments.
"""

from __future__ import annotations

import re

from reconciler.templates.email import (
    has_line_break as has_line_break,  # one rule for headers, shared with validate
)

MAX_ADDRESS = 254
MAX_LOCAL = 64
MAX_LABEL = 63

# RFC 5322 atext: the characters of an unquoted local part besides the dots between atoms.
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")

def address_problem(address: str) -> str | None:
    """Why SES would not take ``address`` as a recipient, or None when it would."""
    if not address:
        return "empty address"
    if len(address) > MAX_ADDRESS:
        return f"longer than {MAX_ADDRESS} characters"
    if not address.isascii():
        return "not ASCII (write an internationalised domain in Punycode, xn--...)"
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in address):
        return "contains a space or a control character"
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return "no local part before '@'" if at else "no '@'"
    if "@" in local:
        return "more than one '@'"
    if len(local) > MAX_LOCAL:
        return f"the local part is longer than {MAX_LOCAL} characters"
    if not all(_ATOM.fullmatch(atom) for atom in local.split(".")):
        return "the local part has an empty part (leading, trailing or double dot) or a character SES refuses"
    return domain_problem(domain)


def domain_problem(domain: str) -> str | None:
    """Why ``domain`` is not a mail domain SES takes (ASCII letters, digits, hyphens)."""
    if not domain:
        return "no domain after '@'"
    labels = domain.split(".")
    if len(labels) < 2:
        return "the domain has no dot"
    if any(not label for label in labels):
        return "the domain has an empty label (leading, trailing or double dot)"
    for label in labels:
        if len(label) > MAX_LABEL:
            return f"a domain label is longer than {MAX_LABEL} characters"
        if not _LABEL.fullmatch(label):
            return f"the domain label {label!r} is not letters, digits and inner hyphens"
    if labels[-1].isdigit():
        return "the top-level domain is all digits"
    return None


def normalized(address: str) -> str:
    """The form addresses are compared in: duplicates, suppression, A/B variants, holdouts and
    shards all key on it, so one recipient is one key everywhere (case-insensitive, as mailbox
    providers and SES's suppression list treat addresses)."""
    return address.strip().lower()


def is_address(address: str) -> bool:
    return address_problem(address) is None


def domain_of(address: str) -> str:
    """The domain, lower-cased (valid addresses only: they are ASCII, so lower() is exact)."""
    return address.rpartition("@")[2].lower()
