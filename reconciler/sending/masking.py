"""Recipient addresses as they may appear in logs, progress, reports and audit lines: masked.

mask_email("alice@example.com") -> "a***e@example.com"
mask_text("SES: ada@example.com is not verified") -> "SES: a***a@example.com is not verified"
"""

from __future__ import annotations

import re

# Anything shaped like local@domain, dotted or not (ada@localhost, ada@例え.テスト): masking
# too much in a log line costs nothing, missing an address is a leak.
# The look-behind starts a match only where a run of address characters starts: without it, a
# long run with no @ (a 1 MB template name in an MCP call) was rescanned from every position,
# quadratic (40,000 characters took 13 s).
_ADDRESS_IN_TEXT = re.compile(r"(?<![^\s@<>,;:\"'()\[\]])[^\s@<>,;:\"'()\[\]]+@[^\s@<>,;:\"'()\[\]]+")


def mask_email(address: str) -> str:
    """Keep the first and last character of the local part and the whole domain (enough to
    tell addresses apart while debugging, not enough to harvest them)."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return "***" if len(address) > 2 else "*" * len(address)
    if len(local) <= 2:
        masked = local[:1] + "*"
    else:
        masked = f"{local[0]}***{local[-1]}"
    return printable(f"{masked}@{domain}")


def printable(text: str) -> str:
    """``text`` with control and other unprintable characters escaped (\\x1b, \\u2028), so a
    hostile address cannot move the cursor or rewrite a terminal line when it is shown."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def mask_text(text: str) -> str:
    """``text`` with every address in it masked (SES error messages, for one, quote the
    recipients they refused)."""
    return _ADDRESS_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)
