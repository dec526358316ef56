"""SES's mailbox simulator: which addresses it answers for (sending decides what each does;
VDM leaves its mail out of every metric)."""

from __future__ import annotations

import re

SIMULATOR_DOMAIN = "simulator.amazonses.com"
# The mailbox simulator's addresses ("Using the mailbox simulator", SES Developer Guide), each
# also with a +label (e.g. success+run42@...) for telling test runs apart.
SIMULATOR_MAILBOXES = frozenset({"success", "bounce", "ooto", "complaint", "suppressionlist"})
SIMULATOR_LABEL = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def bare_address(source: str) -> str:
    """``"Ada <ada@example.com>"`` -> ``ada@example.com``."""
    if "<" in source and source.rstrip().endswith(">"):
        return source[source.rindex("<") + 1 : source.rindex(">")].strip()
    return source.strip()


def simulator_mailbox(address: str) -> str | None:
    """``bounce+label@simulator.amazonses.com`` -> ``bounce``; None for any other address,
    including other local parts at the simulator's domain (SES has only these mailboxes; mail
    to any other name there is ordinary mail: counted, and refused in the sandbox)."""
    bare = bare_address(address).lower()
    local, _, domain = bare.rpartition("@")
    if domain != SIMULATOR_DOMAIN:
        return None
    mailbox, plus, label = local.partition("+")
    if mailbox not in SIMULATOR_MAILBOXES or (plus and not SIMULATOR_LABEL.match(label)):
        return None
    return mailbox
