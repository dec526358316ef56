"""Send guardrails: who may send, through which configuration set, to whom, and how much.

Every rule comes from McpConfig (server configuration), never from a tool argument; a tool
argument only *picks* among what the configuration allows. Refusals name the rule and the
setting that would change it, with addresses masked.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

from reconciler.errors import ReconcilerError
from reconciler.mcp.config import SIMULATOR_DOMAIN, McpConfig
from reconciler.sending.addresses import address_problem, domain_of, is_address
from reconciler.sending.masking import mask_email

HOUR = 3600.0


class Refused(ReconcilerError):
    """A call the guardrails refuse (nothing was sent)."""


def domain(address: str) -> str:
    """The domain of a valid (so ASCII) address, lower-cased. Never compare the domains of
    unchecked addresses: str.lower() maps look-alikes such as KELVIN SIGN to ASCII letters."""
    return domain_of(address)


def _masked(addresses: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(mask_email(a) for a in addresses[:limit])
    more = len(addresses) - limit
    return shown + (f" and {more} more" if more > 0 else "")


class HourlyBudget:
    """Recipients sent in the last hour (a sliding window), shared by every client of the process."""

    def __init__(self, per_hour: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_hour = per_hour
        self._clock = clock
        self._spent: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def _expire(self) -> int:
        horizon = self._clock() - HOUR
        while self._spent and self._spent[0][0] <= horizon:
            self._spent.popleft()
        return sum(n for _, n in self._spent)

    def remaining(self) -> int:
        with self._lock:
            return max(0, self.per_hour - self._expire())

    def check(self, count: int) -> None:
        left = self.remaining()
        if count > left:
            raise Refused(
                f"refused: {count} recipients would exceed this server's limit of "
                f"{self.per_hour} recipients per hour ({left} left in the current hour)",
                hint="Wait, or raise limits.max_recipients_per_hour (SESCTL_MCP_MAX_RECIPIENTS_PER_HOUR).",
            )

    def take(self, count: int) -> None:
        """Spend ``count`` now, or raise Refused (atomically: two clients cannot both squeeze in)."""
        with self._lock:
            left = max(0, self.per_hour - self._expire())
            if count > left:
                raise Refused(
                    f"refused: {count} recipients would exceed this server's limit of "
                    f"{self.per_hour} recipients per hour ({left} left in the current hour)",
                    hint="Wait, or raise limits.max_recipients_per_hour.",
                )
            self._spent.append((self._clock(), count))


class Guardrails:
    def __init__(self, config: McpConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.budget = HourlyBudget(config.limits.max_recipients_per_hour, clock)

    def sender(self, requested: str | None) -> str:
        """The From address: the requested one if allowed, else the first configured address."""
        senders = self.config.senders
        if not senders:
            raise Refused(
                "refused: this server allows no sender identity",
                hint="Set senders (SESCTL_MCP_SENDERS) to the verified addresses or domains it may send from.",
            )
        if requested is None:
            for entry in senders:
                if "@" in entry:
                    return entry
            raise Refused(
                f"refused: give from_address; the configured senders are whole domains ({', '.join(senders)})"
            )
        address = requested.strip()
        problem = address_problem(address)
        if problem is not None:
            raise Refused(f"refused: from_address {mask_email(address)} is not a plain email address ({problem})")
        lowered = address.lower()
        if any(lowered == entry or ("@" not in entry and domain(lowered) == entry) for entry in senders):
            return address
        raise Refused(
            f"refused: sender {mask_email(address)} is not allowed by this server "
            f"(allowed: {', '.join(senders)})",
            hint="An operator adds identities to senders in the server configuration; a tool call cannot.",
        )

    def configuration_set(self, requested: str | None) -> str | None:
        allowed = self.config.configuration_sets
        if requested is None:
            return allowed[0] if allowed else None
        if requested in allowed:
            return requested
        listed = ", ".join(allowed) if allowed else "none"
        raise Refused(
            f"refused: configuration set {requested!r} is not allowed by this server (allowed: {listed})",
            hint="An operator adds it to configuration_sets in the server configuration.",
        )

    def recipients(self, addresses: Sequence[str]) -> None:
        """Per-call cap, well-formedness and the allow-list (or simulator-only mode)."""
        cap = self.config.limits.max_recipients_per_call
        if not addresses:
            raise Refused("refused: no recipients")
        if len(addresses) > cap:
            raise Refused(
                f"refused: {len(addresses)} recipients in one call; this server allows at most {cap}",
                hint="Split the send, or raise limits.max_recipients_per_call (SESCTL_MCP_MAX_RECIPIENTS_PER_CALL).",
            )
        malformed = [a for a in addresses if not is_address(a.strip())]
        if malformed:
            raise Refused(f"refused: not plain email addresses: {_masked(malformed)}")
        seen: set[str] = set()
        repeated: list[str] = []
        for address in addresses:
            key = address.strip().lower()
            if key in seen:
                repeated.append(address)
            seen.add(key)
        if repeated:
            # Each entry is a message: a repeated address would be mailed twice.
            raise Refused(f"refused: recipients listed more than once: {_masked(repeated)}")
        outside = [a for a in addresses if not self.recipient_allowed(a)]
        if not outside:
            return
        if self.config.simulator_only:
            raise Refused(
                f"refused: {_masked(outside)} outside the mailbox simulator; this server is in "
                f"simulator-only mode (only @{SIMULATOR_DOMAIN}, e.g. success@{SIMULATOR_DOMAIN})",
                hint="Simulator-only is the default outside production: set production: true and "
                "recipients.allow, or recipients.simulator_only: false.",
            )
        raise Refused(
            f"refused: {_masked(outside)} not in this server's recipient allow-list",
            hint="An operator adds domains or addresses to recipients.allow (SESCTL_MCP_ALLOW_RECIPIENTS).",
        )

    def recipient_allowed(self, address: str) -> bool:
        if not is_address(address.strip()):
            return False  # malformed or not ASCII: no allow-list entry can match it
        lowered = address.strip().lower()
        if domain(lowered) == SIMULATOR_DOMAIN:
            return True
        if self.config.simulator_only:
            return False
        allow = self.config.recipients.allow
        return "*" in allow or lowered in allow or domain(lowered) in allow
