"""send_email / send_bulk_email through the official client, in both protocol eras."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client, MCPError
from mcp_support import SENDER, SIM, SUCCESS, Harness, answering

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
    assert (sent[0]["to"], sent[0]["cc"], sent[0]["bcc"]) == ([SUCCESS], [], [])  # nobody copied
    assert len(asked) == 1
    assert asked[0].startswith("Send email? Preview")
    assert "Subject:    Welcome, Ada!" in asked[0] and "s***s@simulator.amazonses.com" in asked[0]
    assert SUCCESS not in asked[0]


def text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


@pytest.mark.parametrize("mode", MODES)
async def test_send_bulk_email_per_recipient_data(harness: Harness, mode: str) -> None:
    harness.emulator.client("sesv2").put_suppressed_destination(EmailAddress=f"gone@{SIM}", Reason="BOUNCE")
    callback, asked = answering("accept")
    recipients = [
        {"email": SUCCESS, "data": {"name": "Ada"}},
        {"email": f"success+2@{SIM}", "data": {"name": "Bob"}, "tags": {"campaign": "b"}},
        {"email": f"gone@{SIM}", "data": {"name": "Gone"}},
        {"email": f"success+3@{SIM}", "data": {}},  # lacks name: refused before SES sees it
    ]
    async with Client(harness.server, mode=mode, elicitation_callback=callback) as client:
        result = await client.call_tool(
            "send_bulk_email",
            {"request": {"recipients": recipients, "template": "welcome", "default_data": {"plan": "free"}}},
        )
    assert result.is_error is False, result.content
    out = result.structured_content
    assert out is not None
    assert (out["sent"], out["skipped_suppressed"], out["refused_render"]) == (2, 1, 1)
    assert out["preview"]["would_send"] == 2 and out["preview"]["recipients"] == 4
    assert "name" in out["problems"][0]["reason"]  # the missing variable is named
    assert out["problems"][0]["email"] == "s***3@simulator.amazonses.com"
    assert "Will send 2; skip 1 suppressed; refuse 1" in asked[0]
    assert len(harness.sent()) == 2
    assert not harness.sent(recipient=f"success+3@{SIM}")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_confirmation_refused_sends_nothing(shared_harness: Harness, mode: str, action: str) -> None:
    harness = shared_harness
    callback, asked = answering(action)
    async with Client(harness.server, mode=mode, elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", email())
    assert result.is_error is True
    assert "Not sent" in text(result)
    assert len(asked) == 1
    assert harness.sent() == []
    assert harness.audit()[-1]["result"]["confirmation"] == (
        "declined" if action == "decline" else "cancelled"
    )


@pytest.mark.parametrize("mode", MODES)
async def test_accept_without_ticking_send_sends_nothing(shared_harness: Harness, mode: str) -> None:
    harness = shared_harness
    callback, _ = answering("accept", send=False)
    async with Client(harness.server, mode=mode, elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", email())
    assert result.is_error is True
    assert harness.sent() == []


@pytest.mark.parametrize("mode", MODES)
async def test_client_without_elicitation_fails_closed(shared_harness: Harness, mode: str) -> None:
    harness = shared_harness
    async with Client(harness.server, mode=mode) as client:
        with pytest.raises(MCPError) as caught:
            await client.call_tool("send_email", email())
        assert "elicitation capability" in str(caught.value)
        with pytest.raises(MCPError):
            await client.call_tool(
                "send_bulk_email",
                {
                    "request": {
                        "recipients": [{"email": SUCCESS}],
                        "template": "promo",
                        "default_data": {"pct": 10},
                    }
                },
            )
    assert harness.sent() == []
    assert [line["status"] for line in harness.audit()] == ["failed_closed", "failed_closed"]


@pytest.mark.parametrize("mode", MODES)
async def test_dry_run_previews_without_asking_or_sending(shared_harness: Harness, mode: str) -> None:
    harness = shared_harness
    # No elicitation callback: a preview needs no confirmation.
    async with Client(harness.server, mode=mode) as client:
        result = await client.call_tool("send_email", email(dry_run=True))
    assert result.is_error is False, result.content
    out = result.structured_content
    assert out is not None
    assert out["status"] == "dry_run" and out["sent"] == 0
    assert out["preview"]["would_send"] == 1 and out["preview"]["subject"] == "Welcome, Ada!"
    assert harness.sent() == []


REFUSALS = [
    # (request changes, config changes, what the refusal says)
    ({"to": ["someone@gmail.com"]}, {}, "simulator-only"),
    (
        {"to": ["a@corp.example"]},
        {"production": True, "recipients": {"allow": ["example.net"]}},
        "allow-list",
    ),
    ({"to": [f"s{i}@{SIM}" for i in range(6)]}, {}, "at most 5"),
    ({"from_address": "ceo@evil.example"}, {}, "sender"),
    ({"to": [SUCCESS, SUCCESS.upper()]}, {}, "more than once"),
    ({"configuration_set": "other"}, {}, "configuration set 'other' is not allowed"),
    ({"template_data": {"plan": "pro"}}, {}, "name"),  # every recipient lacks {{name}}
    ({"template": "nope"}, {}, "does not exist"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("changes", "config", "says"), REFUSALS, ids=[r[2] for r in REFUSALS])
async def test_guardrails_refuse_before_asking(
    make_shared_harness: Any, mode: str, changes: dict[str, Any], config: dict[str, Any], says: str
) -> None:
    harness = make_shared_harness(**config)
    callback, asked = answering("accept")
    async with Client(harness.server, mode=mode, elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", email(**changes))
    assert result.is_error is True
    assert says in text(result)
    assert asked == []  # the human was never bothered
    assert harness.sent() == []
    assert "gmail.com" not in text(result) or "s***e@gmail.com" in text(result)


BULK_REFUSALS = [
    ({"recipients": [{"email": "someone@gmail.com"}]}, "simulator-only"),
    ({"recipients": [{"email": f"s{i}@{SIM}"} for i in range(6)]}, "at most 5"),
    ({"from_address": "ceo@evil.example"}, "sender"),
    ({"configuration_set": "other"}, "configuration set 'other' is not allowed"),
    ({"tags": {"bad tag": "x"}}, "Invalid message tag"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("changes", "says"), BULK_REFUSALS, ids=[r[1] for r in BULK_REFUSALS])
async def test_bulk_guardrails_refuse_before_asking(
    shared_harness: Harness, mode: str, changes: dict[str, Any], says: str
) -> None:
    callback, asked = answering("accept")
    request = {"recipients": [{"email": SUCCESS, "data": {"pct": 1}}], "template": "promo", **changes}
    async with Client(shared_harness.server, mode=mode, elicitation_callback=callback) as client:
        result = await client.call_tool("send_bulk_email", {"request": request})
    assert result.is_error is True
    assert says in text(result)
    assert asked == [] and shared_harness.sent() == []


async def test_allow_list_admits_listed_domain_in_production(make_harness: Any) -> None:
    harness = make_harness(production=True, recipients={"allow": ["example.net", "vip@corp.example"]})
    callback, _ = answering("accept")
    async with Client(harness.server, elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", email(to=["a@example.net", "VIP@corp.example"]))
    assert result.is_error is False, result.content
    assert len(harness.sent()) == 2


@pytest.mark.parametrize("mode", MODES)
async def test_hourly_cap_counts_across_calls(harness: Harness, mode: str) -> None:
    callback, asked = answering("accept")
    async with Client(harness.server, mode=mode, elicitation_callback=callback) as client:
        first = await client.call_tool("send_email", email(to=[f"success+{i}@{SIM}" for i in range(5)]))
        assert first.is_error is False, first.content
        second = await client.call_tool("send_email", email(to=[f"success+{i}@{SIM}" for i in range(5, 9)]))
        quota = await client.call_tool("get_send_quota", {})
    assert second.is_error is True
    assert "8 recipients per hour (3 left" in text(second)
    assert len(asked) == 1
    assert len(harness.sent()) == 5
    assert quota.structured_content is not None
    assert quota.structured_content["server_limits"]["remaining_this_hour"] == 3


async def test_no_cc_or_bcc_parameters(shared_harness: Harness) -> None:
    harness = shared_harness
    callback, asked = answering("accept")
    async with Client(harness.server, elicitation_callback=callback) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name in ("send_email", "send_bulk_email"):
            schema = tools[name].input_schema
            fields = {f.lower() for d in schema["$defs"].values() for f in d.get("properties", {})}
            assert "to" in fields or "recipients" in fields
            assert not fields & {"cc", "bcc", "cc_addresses", "bcc_addresses"}
        result = await client.call_tool(
            "send_email", {"request": {**email()["request"], "bcc": ["x@evil.example"]}}
        )
    assert result.is_error is True
    assert asked == [] and harness.sent() == []


async def test_read_only_server_offers_no_send_tools(make_shared_harness: Any) -> None:
    harness = make_shared_harness(read_only=True)
    async with Client(harness.server) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert "send_email" not in names and "send_bulk_email" not in names
    assert "get_send_quota" in names


async def test_audit_lines_are_masked(harness: Harness) -> None:
    callback, _ = answering("accept")
    async with Client(harness.server, mode="legacy", elicitation_callback=callback) as client:
        await client.call_tool("send_email", email())
        await client.call_tool(
            "render_template",
            {
                "request": {
                    "subject": "Hi {{name}}",
                    "text": "secret body",
                    "data": {"name": "Ada", "iban": "DE00"},
                }
            },
        )
        await client.call_tool("check_suppression", {"request": {"addresses": ["alice@example.com"]}})
    lines = harness.audit()
    raw = harness.stream.getvalue()
    for secret in (SUCCESS, "alice@example.com", "Ada", "DE00", "secret body", "Hi {{name}}"):
        assert secret not in raw
    send, render, check = lines
    assert send["tool"] == "send_email" and send["status"] == "ok"
    assert send["args"]["request"]["to"] == ["s***s@simulator.amazonses.com"]
    assert send["args"]["request"]["template_data"] == ["name", "plan"]
    assert send["result"]["sent"] == 1 and send["result"]["confirmation"] == "accepted"
    assert send["client"].startswith("mcp") and send["principal"] == "local"
    assert isinstance(send["duration_ms"], float)
    assert render["args"]["request"]["text"] == "[11 chars]"
    assert render["args"]["request"]["data"] == ["iban", "name"]
    assert check["args"]["request"]["addresses"] == ["a***e@example.com"]


async def test_modern_era_logs_the_confirmation_round(harness: Harness) -> None:
    callback, _ = answering("accept")
    async with Client(harness.server, mode="auto", elicitation_callback=callback) as client:
        await client.call_tool("send_email", email())
    assert [line["status"] for line in harness.audit()] == ["confirmation_requested", "ok"]


@pytest.mark.parametrize(
    ("account", "says"),
    [
        ({"sending_enabled": False}, "sending is paused"),
        ({"max_24_hour_send": 10.0, "sent_last_24_hours": 10.0}, "24-hour SES quota (0 of 10)"),
    ],
)
async def test_account_state_refuses_before_asking(
    harness: Harness, account: dict[str, Any], says: str
) -> None:
    harness.emulator.admin("configure_account", **account)
    callback, asked = answering("accept")
    async with Client(harness.server, elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", email())
    assert result.is_error is True
    assert says in text(result)
    assert asked == [] and harness.sent() == []
