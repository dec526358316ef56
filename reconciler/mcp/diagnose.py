"""diagnose_delivery: the tool's side of app/diagnose.py (the allow-list, the emulator's URL, the
output model). See app/diagnose.py for what is read and how the answer is made."""

from __future__ import annotations

from dataclasses import asdict

from reconciler.app import diagnose as diagnosing
from reconciler.mcp.app import McpApp
from reconciler.mcp.models import Diagnosis, RecentMessage


def diagnose(app: McpApp, address: str) -> Diagnosis:
    found = diagnosing.diagnose(
        app.gateway, address, emulator_url=app.emulator_url(), allowed=app.guardrails.recipient_allowed
    )
    fields = asdict(found)
    fields["recent_messages"] = [RecentMessage(**asdict(m)) for m in found.recent_messages]
    return Diagnosis(**fields)
