"""Deciding in-doubt batches on resume: were those messages accepted or not?

SES has no lookup by message tag, so against real SES an in-doubt batch cannot be decided;
the engine then follows ``--in-doubt`` (fail, resend, skip). The sesctl emulator keeps its
last 10,000 accepted messages, so against it the batch is decided exactly, by the
``sesctl-idem`` tag every message carries (``<run_id>-<row>``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Protocol

from reconciler.errors import SendError

IDEMPOTENCY_TAG = "sesctl-idem"


def idempotency_value(run_id: str, row: int) -> str:
    return f"{run_id}-{row}"


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
        body = json.dumps(
            {"tag_name": IDEMPOTENCY_TAG, "tag_values": sorted(values), "include_body": False}
        ).encode()
        request = urllib.request.Request(
            f"{self.endpoint_url}/_sesctl/admin/sent_messages",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                messages = json.loads(response.read())["result"]
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            raise SendError(
                f"Cannot ask the emulator at {self.endpoint_url} which in-doubt messages it accepted: {exc}",
                hint="Start the same emulator again, or resume with --in-doubt resend or skip.",
            ) from None
        return {values[m["tags"][IDEMPOTENCY_TAG]]: str(m["message_id"]) for m in messages}


def emulator_resolver(endpoint_url: str | None) -> EmulatorResolver | None:
    """A resolver if ``endpoint_url`` is a sesctl emulator (it answers /_sesctl/health)."""
    if not endpoint_url:
        return None
    try:
        with urllib.request.urlopen(f"{endpoint_url.rstrip('/')}/_sesctl/health", timeout=5) as response:
            if json.loads(response.read()).get("status") == "ok":
                return EmulatorResolver(endpoint_url)
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return None
