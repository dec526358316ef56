"""Admin action for import and export jobs (jobs_state.py): how long a job stays in flight."""

from __future__ import annotations

from typing import Any

from reconciler.emulator.errors import BadRequestException
from reconciler.emulator.registry import OperationContext, admin_action


@admin_action("configure_jobs")
def configure_jobs(ctx: OperationContext, delay_seconds: float = 0.0) -> dict[str, Any]:
    """Keep new and unfinished import/export jobs in flight (CREATED, then PROCESSING) for
    delay_seconds after their creation; 0 (the default) runs a job at its first observation."""
    if not 0 <= delay_seconds <= 86_400:
        raise BadRequestException("delay_seconds must be between 0 and 86400.")
    ctx.state.jobs.delay_seconds = delay_seconds
    return {"delay_seconds": delay_seconds}
