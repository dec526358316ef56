"""send_email / send_bulk_email with SES's list management (a contact list and topic) and
custom headers, through the official client against the emulator: SES adds the one-click
unsubscribe headers and honours opt-outs; headers SES or the guardrails own are refused as
`sesctl send --header` refuses them, and nothing is sent."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp_support import SIM, SUCCESS, Harness, answering

pytestmark = pytest.mark.anyio
OPTED_OUT = f"success+out@{SIM}"


def _contact_list(harness: Harness) -> None:
    ses = harness.emulator.client("sesv2")
    ses.create_contact_list(
        ContactListName="news",
        Topics=[{"TopicName": "weekly", "DisplayName": "Weekly", "DefaultSubscriptionStatus": "OPT_IN"}],
    )
    ses.create_contact(
        ContactListName="news",
        EmailAddress=OPTED_OUT,
        TopicPreferences=[{"TopicName": "weekly", "SubscriptionStatus": "OPT_OUT"}],
    )


def _request(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"to": [SUCCESS, OPTED_OUT], "template": "welcome", "template_data": {"name": "Ada", "plan": "pro"}}
    request.update(changes)
    return {"request": request}


def _headers(message: dict[str, Any]) -> dict[str, str]:
    return {h["name"].lower(): h["value"] for h in message["headers"]}


async def test_list_management_adds_one_click_unsubscribe_and_honours_opt_outs(harness: Harness) -> None:
    _contact_list(harness)
    callback, asked = answering("accept")
    request = _request(contact_list="news", topic="weekly", headers={"List-Id": "<news.example.com>"})
    async with Client(harness.server, elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", request)
    assert result.is_error is False, result.content
    out = result.structured_content
    assert out is not None and out["status"] == "sent" and out["sent"] == 2
    assert out["preview"]["list_management"] == "contact list news, topic weekly"
    assert out["preview"]["headers"] == ["List-Id"]
    assert "Unsubscribe: contact list news, topic weekly" in asked[0] and "Headers:    List-Id" in asked[0]
    (delivered,) = harness.sent(recipient=SUCCESS)
    headers = _headers(delivered)
    assert headers["list-id"] == "<news.example.com>"
    assert headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click" and "list-unsubscribe" in headers
    assert delivered["list_management"] == {"ContactListName": "news", "TopicName": "weekly"}
    (skipped,) = harness.sent(recipient=OPTED_OUT)
    assert skipped["outcomes"] == {OPTED_OUT: "unsubscribed"}  # SES accepted it and sent nothing


async def test_custom_headers_without_list_management_go_out_with_bulk_sends(harness: Harness) -> None:
    callback, _asked = answering("accept")
    unsubscribe = {"List-Unsubscribe": "<https://example.com/u/{{name}}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    async with Client(harness.server, elicitation_callback=callback) as client:
        result = await client.call_tool(
            "send_bulk_email",
            {"request": {"recipients": [{"email": SUCCESS, "data": {"name": "ada", "plan": "pro"}}], "template": "welcome", "headers": unsubscribe}},
        )
    assert result.is_error is False, result.content
    (message,) = harness.sent(recipient=SUCCESS)
    assert _headers(message)["list-unsubscribe"] == "<https://example.com/u/ada>"


REFUSED = {
    "an addressing header": ({"headers": {"From": "boss@example.com"}}, "From is set by SES or by sesctl's guardrails"),
    "an SES header": ({"headers": {"X-SES-Configuration-Set": "x"}}, "X-SES-Configuration-Set is set by SES"),
    "SES's unsubscribe pair with list management": (
        {"contact_list": "news", "headers": {"List-Unsubscribe": "<https://example.com/u>"}},
        "added by SES to a message sent with a contact list",
    ),
    "a line break": ({"headers": {"X-Campaign": "a\r\nBcc: x@example.com"}}, "must be one line"),
    "a bad name": ({"headers": {"X Campaign": "a"}}, "not an RFC 5322 header name"),
    "a topic without its list": ({"topic": "weekly"}, "give contact_list too"),
    "a bad list name": ({"contact_list": "no such/list"}, "Invalid contact list name"),
}


@pytest.mark.parametrize("changes,why", REFUSED.values(), ids=REFUSED.keys())
async def test_refused_before_anything_is_asked_or_sent(harness: Harness, changes: dict[str, Any], why: str) -> None:
    _contact_list(harness)
    callback, asked = answering("accept")
    async with Client(harness.server, elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", _request(**changes))
    assert result.is_error is True
    message = " ".join(getattr(c, "text", "") for c in result.content)
    assert why in message, message
    assert asked == [] and harness.sent() == []
