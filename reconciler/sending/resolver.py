"""Deciding in-doubt batches on resume: were those messages accepted or not?

SES has no lookup by message tag, so against real SES an in-doubt batch cannot be decided;
the engine then follows ``--in-doubt`` (fail, resend, skip). The sesctl emulator keeps its
last 10,000 accepted messages, so against it the batch is decided exactly, by the
``sesctl-idem`` tag every message carries (``<run_id>-<row>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from reconciler.emulator.admin_client import AdminError, health, sent_messages
from reconciler.errors import SendError
from reconciler.sending.tags import IDEMPOTENCY_TAG, idempotency_value

__all__ = ["IDEMPOTENCY_TAG", "EmulatorResolver", "InDoubtResolver", "emulator_resolver", "idempotency_value"]


class InDoubtResolver(Protocol):
    name: str

    def accepted(self, run_id: str, rows: Sequence[int]) -> dict[int, str]:
        """Of ``rows``, those SES accepted: row -> MessageId."""
        ...


class EmulatorResolver:
    name = "emulator sent-message lookup"

    def __init__(self, endpoint_url: str, timeout: float = 10.0) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.timeout = timeout

    def accepted(self, run_id: str, rows: Sequence[int]) -> dict[int, str]:
        values = {idempotency_value(run_id, row): row for row in rows}
        try:
            messages = sent_messages(
                self.endpoint_url, tag_name=IDEMPOTENCY_TAG, tag_values=values, timeout=self.timeout
            )
        except (AdminError, OSError, ValueError, KeyError) as exc:
            raise SendError(
                f"Cannot ask the emulator at {self.endpoint_url} which in-doubt messages it accepted: {exc}",
                hint="Start the same emulator again, or resume with --in-doubt resend or skip.",
            ) from None
        return {values[m["tags"][IDEMPOTENCY_TAG]]: str(m["message_id"]) for m in messages}


def emulator_resolver(endpoint_url: str | None) -> EmulatorResolver | None:
    """A resolver if ``endpoint_url`` is a sesctl emulator (it answers /_sesctl/health)."""
    if not endpoint_url or health(endpoint_url) is None:
        return None
    return EmulatorResolver(endpoint_url)
