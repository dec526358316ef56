"""One MCP send reads SES once: counted on the emulator's side (every SES request it served),
in both protocol eras; the guardrails' address rule is the send engine's; consent is a boolean."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from mcp import Client
from mcp.client import ClientRequestContext
from mcp.types import ElicitRequestParams, ElicitResult
from mcp_support import SUCCESS, Harness, answering, default_config

from reconciler.emulator.router import match
from reconciler.mcp.guardrails import Guardrails, Refused
from reconciler.testing import LocalEmulator

pytestmark = pytest.mark.anyio
MODES = ["auto", "legacy"]


@pytest.fixture
def served(ses_setup: LocalEmulator) -> Iterator[Counter[str]]:
    """SES operations the emulator answers over HTTP, counted as it routes them."""
    counts: Counter[str] = Counter()
    emulator = ses_setup.emulator
    handle = emulator.handle_ses

    def counting(method: str, raw_path: str, *args: Any) -> Any:
        try:
            counts[match(method, raw_path)[0]] += 1
        except Exception:
            counts["?"] += 1
        return handle(method, raw_path, *args)

    emulator.handle_ses = counting  # type: ignore[method-assign,assignment]
    try:
        yield counts
    finally:
        del emulator.handle_ses


@pytest.mark.parametrize("mode", MODES)
async def test_one_send_email_reads_the_account_and_template_once(
    harness: Harness, served: Counter[str], mode: str
) -> None:
    callback, asked = answering("accept")
    request = {"to": [SUCCESS], "template": "welcome", "template_data": {"name": "Ada", "plan": "p"}}
    async with Client(harness.server, mode=mode, elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", {"request": request})
    assert result.is_error is False, result.content
    assert len(asked) == 1 and len(harness.sent()) == 1
    assert served["GetAccount"] == 1
    assert served["GetEmailTemplate"] == 1
    assert served["ListSuppressedDestinations"] == 0
    assert served["GetSuppressedDestination"] == 1
    assert served["SendBulkEmail"] == 1


async def test_a_second_identical_call_previews_afresh(harness: Harness, served: Counter[str]) -> None:
    callback, _ = answering("accept")
    request = {
        "request": {"to": [SUCCESS], "template": "welcome", "template_data": {"name": "A", "plan": "p"}}
    }
    async with Client(harness.server, elicitation_callback=callback) as client:
        for _ in range(2):
            result = await client.call_tool("send_email", request)
            assert result.is_error is False, result.content
    assert served["GetAccount"] == 2 and len(harness.sent()) == 2


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("consent", ["yes", 1, "true", None])
async def test_consent_must_be_boolean_true(shared_harness: Harness, mode: str, consent: Any) -> None:
    async def callback(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        return ElicitResult(action="accept", content={"send": consent})

    request = {"to": [SUCCESS], "template": "welcome", "template_data": {"name": "A", "plan": "p"}}
    async with Client(shared_harness.server, mode=mode, elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", {"request": request})
    assert result.is_error is True
    assert shared_harness.sent() == []


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c"])
async def test_unicode_line_break_in_subject_is_refused(shared_harness: Harness, char: str) -> None:
    callback, asked = answering("accept")
    data = {"name": f"A{char}Bcc: spy@evil.example", "plan": "p"}
    request = {"to": [SUCCESS], "template": "welcome", "template_data": data}
    async with Client(shared_harness.server, elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", {"request": request})
    assert result.is_error is True and "line break" in " ".join(
        getattr(c, "text", "") for c in result.content
    )
    assert asked == [] and shared_harness.sent() == []


@pytest.mark.parametrize(
    "address", ["x@\u212aiosk.example", "x@kiosk.example\x00", "x@kiosk..example", "x@-kiosk.example"]
)
def test_allow_list_refuses_look_alikes_and_malformed(address: str) -> None:
    guard = Guardrails(default_config(production=True, recipients={"allow": ["kiosk.example"]}))
    assert guard.recipient_allowed("x@KIOSK.example")
    assert not guard.recipient_allowed(address)
    with pytest.raises(Refused, match="not plain email addresses"):
        guard.recipients([address])


def test_sender_rule_is_the_address_rule() -> None:
    guard = Guardrails(default_config())
    with pytest.raises(Refused, match="not a plain email address"):
        guard.sender("news@example..com")
    assert guard.sender("Ada@Example.ORG") == "Ada@Example.ORG"
