"""The message tags `sesctl send` puts on every message, read back by the event store.

* ``sesctl-campaign=<run id>``: the campaign (one run id per checkpoint, kept across resumes),
  so its events can be counted together (the circuit breaker, analytics ``--filter``);
* ``sesctl-idem=<run id>-<row>``: one message's idempotency tag (deciding in-doubt batches);
* ``sesctl-variant=<name>``: the A/B variant, with ``--variant``.
"""

from __future__ import annotations

CAMPAIGN_TAG = "sesctl-campaign"
IDEMPOTENCY_TAG = "sesctl-idem"
VARIANT_TAG = "sesctl-variant"


def idempotency_value(run_id: str, row: int) -> str:
    return f"{run_id}-{row}"
