"""Guardrail configuration (file + SESCTL_MCP_* variables) and ``sesctl --local mcp`` on stdio."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from reconciler.errors import UsageError
from reconciler.mcp import load_config
from reconciler.mcp.audit import mask_arguments
from reconciler.mcp.config import McpConfig
from reconciler.mcp.guardrails import Guardrails, HourlyBudget, Refused

SESCTL = str(Path(sys.executable).with_name("sesctl"))


def test_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "mcp.yaml"
    path.write_text(
        "production: true\nsenders: [News@Example.com, example.org]\nconfiguration_sets: [marketing]\n"
        "recipients: {allow: ['@Example.net']}\nlimits: {max_recipients_per_call: 3}\n"
    )
    config = load_config(path, environ={})
    assert config.senders == ["news@example.com", "example.org"]
    assert config.recipients.allow == ["example.net"]
    assert config.simulator_only is False  # production: the allow-list applies
    assert config.limits.max_recipients_per_call == 3 and config.limits.max_recipients_per_hour == 100
    overridden = load_config(
        path,
        environ={
            "SESCTL_MCP_MAX_RECIPIENTS_PER_HOUR": "7",
            "SESCTL_MCP_SIMULATOR_ONLY": "yes",
            "SESCTL_MCP_SENDERS": "a@example.com, b@example.com",
            "SESCTL_MCP_TOKEN": "t0k",
        },
    )
    assert overridden.limits.max_recipients_per_hour == 7 and overridden.limits.max_recipients_per_call == 3
    assert overridden.simulator_only is True
    assert overridden.senders == ["a@example.com", "b@example.com"]
    assert overridden.token == "t0k" and "t0k" not in repr(overridden)


def test_simulator_only_is_the_default_outside_production() -> None:
    config = load_config(None, environ={})
    assert config.production is False and config.simulator_only is True
    assert config.senders == []  # sends refused until an operator names senders


@pytest.mark.parametrize(
    ("text", "environ", "says"),
    [
        ("limits: {max_recipients_per_call: 0}\n", {}, "limits.max_recipients_per_call"),
        ("bcc: [spy@evil.example]\n", {}, "bcc: Extra inputs are not permitted"),
        ("- a list\n", {}, "must be an object (a mapping), not list"),
        ("senders: [a\n", {}, "mcp.yaml:2:1: not valid JSON or YAML"),
        ("", {"SESCTL_MCP_PRODUCTION": "maybe"}, "SESCTL_MCP_PRODUCTION"),
        ("", {"SESCTL_MCP_MAX_RECIPIENTS_PER_HOUR": "lots"}, "limits.max_recipients_per_hour"),
    ],
)
def test_bad_configuration_is_a_clear_error(
    tmp_path: Path, text: str, environ: dict[str, str], says: str
) -> None:
    path = tmp_path / "mcp.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        load_config(path, environ=environ)
    assert says in str(caught.value)


def test_binary_configuration_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "mcp.yaml"
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(UsageError) as caught:
        load_config(path, environ={})
    assert "not UTF-8 text" in str(caught.value)


def test_sender_rules() -> None:
    guard = Guardrails(McpConfig(senders=["news@example.com", "example.org"], configuration_sets=["a", "b"]))
    assert guard.sender(None) == "news@example.com"
    assert guard.sender("NEWS@example.com") == "NEWS@example.com"
    assert guard.sender("anyone@example.org") == "anyone@example.org"
    for bad in ("news@example.com.evil", "x@sub.example.org", "Eve <news@example.com>"):
        with pytest.raises(Refused):
            guard.sender(bad)
    assert guard.configuration_set(None) == "a" and guard.configuration_set("b") == "b"
    with pytest.raises(Refused, match="'c' is not allowed"):
        guard.configuration_set("c")
    with pytest.raises(Refused, match="allows no sender"):
        Guardrails(McpConfig()).sender(None)


def test_hourly_budget_slides() -> None:
    now = [0.0]
    budget = HourlyBudget(10, clock=lambda: now[0])
    budget.take(6)
    now[0] = 1800.0
    budget.take(4)
    with pytest.raises(Refused, match="0 left"):
        budget.take(1)
    now[0] = 3600.5  # the first 6 left the window
    assert budget.remaining() == 6
    budget.check(6)


def test_masking() -> None:
    masked = mask_arguments(
        {
            "request": {
                "to": ["alice@example.com", "Bob <bob.smith@corp.example>"],
                "template_data": {"name": "Alice", "card": {"last4": "1234"}},
                "subject": "Your order, Alice",
                "recipients": [{"email": "carol@example.com", "data": {"name": "Carol"}}],
                "token": "secret",
            }
        }
    )
    text = json.dumps(masked)
    for secret in ("alice@", "Alice", "bob.smith", "Carol", "carol@", "1234", "secret"):
        assert secret not in text
    request = masked["request"]
    assert request["to"] == ["a***e@example.com", "Bob <b***h@corp.example>"]
    assert request["template_data"] == ["card", "name"]
    assert request["subject"] == "[17 chars]"
    assert request["recipients"] == [{"email": "c***l@example.com", "data": ["name"]}]


@pytest.mark.anyio
async def test_local_stdio_server(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESCTL_MCP_", "AWS_"))}
    env.update(SESCTL_MCP_SENDERS="news@example.com", SESCTL_MCP_AUDIT_LOG=str(audit))
    params = StdioServerParameters(command=SESCTL, args=["--local", "mcp"], cwd=str(tmp_path), env=env)
    async with Client(params, mode="legacy") as client:
        quota = await client.call_tool("get_send_quota", {})
        # While it runs, other `sesctl --local` commands share its emulator.
        assert json.loads((tmp_path / ".sesctl" / "server.json").read_text())["url"].startswith(
            "http://127.0.0.1:"
        )
    assert quota.is_error is False, quota.content
    assert quota.structured_content is not None
    assert quota.structured_content["server_limits"]["senders"] == ["news@example.com"]
    assert json.loads(audit.read_text().splitlines()[0])["tool"] == "get_send_quota"
    assert not (tmp_path / ".sesctl" / "server.json").exists()
