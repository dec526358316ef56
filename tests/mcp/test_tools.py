"""Every tool's schemas and annotations, and the read tools' happy paths, in both eras."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from mcp import Client
from mcp_support import SIM, SUCCESS, Harness, answering

pytestmark = pytest.mark.anyio
MODES = ["auto", "legacy"]

SENDS = {"send_email", "send_bulk_email"}
READS = {
    "get_send_quota",
    "list_templates",
    "get_template",
    "render_template",
    "check_suppression",
    "diagnose_delivery",
    "get_email_analytics",
    "get_drift",
    "get_experiment_results",
}


@pytest.mark.parametrize("mode", MODES)
async def test_schemas_and_annotations(shared_harness: Harness, mode: str) -> None:
    harness = shared_harness
    async with Client(harness.server, mode=mode, raise_exceptions=True) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
    assert set(tools) == SENDS | READS
    for name, tool in tools.items():
        assert tool.description, name
        assert tool.input_schema["type"] == "object", name
        assert tool.output_schema is not None and tool.output_schema["type"] == "object", name
        hints = tool.annotations
        assert hints is not None and hints.title, name
        assert hints.destructive_hint is False, name
        if name in SENDS:
            assert (hints.read_only_hint, hints.idempotent_hint, hints.open_world_hint) == (
                False,
                False,
                True,
            )
            # Resolver- and Context-filled parameters are not the model's to give.
            assert set(tool.input_schema["properties"]) == {"request"}
        else:
            assert (hints.read_only_hint, hints.idempotent_hint, hints.open_world_hint) == (True, True, False)
    assert (tools["send_email"].output_schema or {})["title"] == "SendResult"


async def call(harness: Harness, mode: str, name: str, request: dict[str, Any] | None = None) -> Any:
    async with Client(harness.server, mode=mode, raise_exceptions=True) as client:
        result = await client.call_tool(name, {} if request is None else {"request": request})
    assert result.is_error is False, result.content
    return result.structured_content


@pytest.mark.parametrize("mode", MODES)
async def test_read_tools(shared_harness: Harness, mode: str) -> None:
    harness = shared_harness
    quota = await call(harness, mode, "get_send_quota")
    assert quota["max_send_rate"] == 1000.0 and quota["sending_enabled"] is True
    assert quota["server_limits"]["simulator_only"] is True
    assert quota["server_limits"]["remaining_this_hour"] == 8

    listed = await call(harness, mode, "list_templates", {})
    assert [t["name"] for t in listed["templates"]] == ["promo", "welcome"]
    assert (await call(harness, mode, "list_templates", {"prefix": "wel"}))["templates"][0][
        "name"
    ] == "welcome"
    limited = await call(harness, mode, "list_templates", {"limit": 1})
    assert len(limited["templates"]) == 1 and limited["truncated"] is True

    detail = await call(harness, mode, "get_template", {"name": "welcome"})
    assert detail["subject"] == "Welcome, {{name}}!"
    assert detail["required_variables"] == ["name", "plan"]


async def test_missing_template_is_a_tool_error(shared_harness: Harness) -> None:
    harness = shared_harness
    async with Client(harness.server) as client:
        result = await client.call_tool("get_template", {"request": {"name": "nope"}})
    assert result.is_error is True
    assert "does not exist" in result.content[0].text  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", MODES)
async def test_render_template(shared_harness: Harness, mode: str) -> None:
    harness = shared_harness
    ok = await call(
        harness, mode, "render_template", {"name": "welcome", "data": {"name": "Ada", "plan": "pro"}}
    )
    assert ok["ok"] is True
    assert (ok["subject"], ok["text"]) == ("Welcome, Ada!", "Hello Ada, your plan is pro.")
    missing = await call(harness, mode, "render_template", {"name": "welcome", "data": {"name": "Ada"}})
    assert missing["ok"] is False
    error = missing["error"]
    assert (error["variable"], error["part"], error["line"]) == ("plan", "text", 1)
    assert error["column"] and error["column"] > 1
    inline = await call(harness, mode, "render_template", {"subject": "{{#if x}}oops", "data": {}})
    assert inline["ok"] is False and inline["error"]["part"] == "subject"


@pytest.mark.parametrize("mode", MODES)
async def test_check_suppression(harness: Harness, mode: str) -> None:
    harness.emulator.client("sesv2").put_suppressed_destination(EmailAddress=f"bounce@{SIM}", Reason="BOUNCE")
    out = await call(
        harness, mode, "check_suppression", {"addresses": [f"bounce@{SIM}", SUCCESS, "x@gmail.com"]}
    )
    gone, fine, outside = out["results"]
    assert (gone["suppressed"], gone["reason"]) == (True, "BOUNCE") and gone["last_update"]
    assert fine["suppressed"] is False and fine["allowed_by_server"] is True
    assert outside["allowed_by_server"] is False


@pytest.mark.parametrize("mode", MODES)
async def test_diagnose_delivery(harness: Harness, mode: str) -> None:
    callback, _ = answering("accept")
    bounce = f"bounce@{SIM}"
    async with Client(harness.server, mode=mode, elicitation_callback=callback) as client:
        sent = await client.call_tool(
            "send_email",
            {
                "request": {
                    "to": [bounce, SUCCESS],
                    "template": "welcome",
                    "template_data": {"name": "A", "plan": "b"},
                }
            },
        )
        assert sent.is_error is False, sent.content
        bounced = (
            await client.call_tool("diagnose_delivery", {"request": {"email": bounce}})
        ).structured_content
        fine = (
            await client.call_tool("diagnose_delivery", {"request": {"email": SUCCESS}})
        ).structured_content
        never = (
            await client.call_tool("diagnose_delivery", {"request": {"email": f"x@{SIM}"}})
        ).structured_content
    assert bounced is not None and fine is not None and never is not None
    assert bounced["events_source"] == "emulator"
    # As on SES, the simulator's bounce does not put the address on the suppression list.
    assert bounced["suppressed"] is False
    assert bounced["recent_messages"][0]["outcome"] == "bounced"
    assert "bounced" in bounced["recommendation"]
    assert fine["recent_messages"][0]["outcome"] == "delivered"
    assert "delivered" in fine["recommendation"]
    assert never["recent_messages"] == [] and "Nothing was sent" in never["recommendation"]
    harness.emulator.client("sesv2").put_suppressed_destination(EmailAddress=bounce, Reason="BOUNCE")
    async with Client(harness.server, mode=mode) as client:
        listed = (
            await client.call_tool("diagnose_delivery", {"request": {"email": bounce}})
        ).structured_content
    assert listed is not None
    assert listed["suppressed"] is True and listed["suppression_reason"] == "BOUNCE"
    assert "hard-bounced" in listed["recommendation"] and listed["suppressed_since"]


@pytest.mark.parametrize("mode", MODES)
async def test_email_analytics(harness: Harness, mode: str) -> None:
    ses = harness.emulator.client("sesv2")

    def send(to: str, campaign: str | None) -> str:
        message: dict[str, Any] = {
            "FromEmailAddress": "news@example.com",
            "Destination": {"ToAddresses": [to]},
            "Content": {"Template": {"TemplateName": "promo", "TemplateData": '{"pct": 5}'}},
            "ConfigurationSetName": "marketing",
        }
        if campaign:
            message["EmailTags"] = [{"Name": "campaign", "Value": campaign}]
        return str(ses.send_email(**message)["MessageId"])

    opened = send(SUCCESS, "spring")
    send(f"success+1@{SIM}", "spring")
    send(f"bounce@{SIM}", "spring")
    send(f"complaint@{SIM}", "autumn")
    send(SUCCESS, None)
    harness.emulator.admin("open", message_id=opened)
    harness.emulator.admin("click", message_id=opened, link="https://example.com/a")
    today = datetime.now(UTC).date().isoformat()

    by_day = await call(harness, mode, "get_email_analytics", {"start": today, "end": today})
    assert [row["key"] for row in by_day["rows"]] == [today]
    totals = by_day["totals"]["counts"]
    assert totals == {
        "send": 5,
        "delivery": 4,
        "bounce": 1,
        "complaint": 1,
        "reject": 0,
        "open": 1,
        "click": 1,
        "rendering_failure": 0,
    }
    rates = by_day["totals"]["rates"]
    assert rates["bounce_rate"] == 0.2 and rates["open_rate"] == 0.25
    assert by_day["warnings"] == []

    by_tag = await call(
        harness,
        mode,
        "get_email_analytics",
        {"start": today, "end": today, "group_by": "tag", "tag": "campaign"},
    )
    rows = {row["key"]: row["counts"] for row in by_tag["rows"]}
    assert rows["spring"]["send"] == 3 and rows["spring"]["bounce"] == 1
    assert rows["autumn"]["complaint"] == 1
    assert rows["none"]["send"] == 1  # the destination's default dimension value

    filtered = await call(
        harness,
        mode,
        "get_email_analytics",
        {
            "start": today,
            "end": today,
            "group_by": "hour",
            "filters": {"campaign": "spring"},
            "metrics": ["send", "delivery"],
        },
    )
    assert filtered["totals"]["counts"] == {"send": 3, "delivery": 2}
    assert filtered["totals"]["rates"] == {"delivery_rate": round(2 / 3, 6)}
    assert filtered["rows"][0]["key"].endswith(":00Z")

    unknown = await call(
        harness, mode, "get_email_analytics", {"start": today, "end": today, "filters": {"team": "x"}}
    )
    assert unknown["totals"]["counts"]["send"] == 0
    assert "team" in unknown["warnings"][0]


async def test_analytics_refuses_bad_ranges(shared_harness: Harness) -> None:
    harness = shared_harness
    async with Client(harness.server) as client:
        backwards = await client.call_tool(
            "get_email_analytics", {"request": {"start": "2026-02-02", "end": "2026-02-01"}}
        )
        no_tag = await client.call_tool(
            "get_email_analytics",
            {"request": {"start": "2026-02-01", "end": "2026-02-01", "group_by": "tag"}},
        )
    assert backwards.is_error is True and no_tag.is_error is True
