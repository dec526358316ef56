"""Why a run ends early: ``Stop`` (the rest stays unsent and resumable)."""

from __future__ import annotations

from reconciler.errors import AwsError

INTERRUPTED = "interrupted; the rest is unsent. Run again with the same --checkpoint to go on."


class Stop(Exception):
    """The run cannot go on; what is unsent stays resumable."""

    def __init__(self, reason: str, error: AwsError | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
