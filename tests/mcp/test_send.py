"""send_email / send_bulk_email through the official client, in both protocol eras."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp_support import SENDER, SUCCESS, Harness, answering

pytestmark = pytest.mark.anyio
MODES = ["auto", "legacy"]


def email(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "to": [SUCCESS],
        "template": "welcome",
        "template_data": {"name": "Ada", "plan": "pro"},
        "tags": {"campaign": "spring"},
    }
    request.update(changes)
    return {"request": request}


@pytest.mark.parametrize("mode", MODES)
async def test_send_email_confirmed(harness: Harness, mode: str) -> None:
    callback, asked = answering("accept")
    async with Client(harness.server, mode=mode, elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", email())
    assert result.is_error is False, result.content
    out = result.structured_content
    assert out is not None
    assert out["status"] == "sent" and out["sent"] == 1
    assert out["preview"]["subject"] == "Welcome, Ada!"
    sent = harness.sent(recipient=SUCCESS)
    assert len(sent) == 1
    assert sent[0]["source"] == SENDER and sent[0]["configuration_set"] == "marketing"
    assert sent[0]["tags"]["campaign"] == "spring"
    assert len(asked) == 1
    assert asked[0].startswith("Send email? Preview")
    assert "Subject:    Welcome, Ada!" in asked[0] and "s***s@simulator.amazonses.com" in asked[0]
    assert SUCCESS not in asked[0]
