"""Hostile tool arguments through the official client, in process: each one ends as a tool
error or a clean result, never a crash of the server, a send, or an unmasked address in the
audit log."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_support import SIM, SUCCESS, Harness, answering

from reconciler.mcp.audit import mask_arguments

pytestmark = pytest.mark.anyio
SESCTL = str(Path(sys.executable).parent / "sesctl")
EVIL = "x@evil.example"


def text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def dry(**request: Any) -> dict[str, Any]:
    return {"to": [SUCCESS], "template": "welcome", "dry_run": True, **request}


async def test_hostile_arguments_are_refused_or_harmless(shared_harness: Harness) -> None:
    callback, asked = answering("accept")
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("send_email", dry(template_data={"name": "x" * 2_000_000, "plan": "p"}), "262,144"),
        ("send_email", dry(template_data={"name": nested(150), "plan": "p"}), '"would_send": 1'),
        ("send_email", dry(to=[f"a@example.com\r\nBcc: {EVIL}"]), "not plain email addresses"),
        ("send_email", dry(from_address=f"news@example.com\r\nBcc: {EVIL}"), "not a plain email address"),
        ("send_email", dry(template="../../etc/passwd"), "does not exist"),
        ("send_email", dry(tags={"a\r\nBcc": EVIL}), "Invalid message tag"),
        ("send_email", dry(bcc=[EVIL]), "Extra inputs are not permitted"),
        (
            "send_bulk_email",
            {"recipients": [{"email": f"success+{i}@{SIM}"} for i in range(10_000)], "template": "welcome"},
            "10000 recipients in one call",
        ),
        ("get_template", {"name": "../x/%2e%2e"}, "does not exist"),
        ("render_template", {"subject": '{{#*inline "a"}}{{> a}}{{/inline}}{{> a}}'}, "subject:1:17"),
        ("render_template", {"subject": "{{" * 100_000}, '"ok": false'),
    ]
    async with Client(shared_harness.server, elicitation_callback=callback) as session:
        for tool, request, expected in cases:
            result = await session.call_tool(tool, {"request": request})
            assert expected in text(result), (tool, text(result)[:500])
        # A subject the data would split into headers: the only recipient is refused, so the
        # send is refused before the human is asked.
        injected = {
            "to": [SUCCESS],
            "template": "welcome",
            "template_data": {"name": f"A\r\nBcc: {EVIL}", "plan": "p"},
        }
        result = await session.call_tool("send_email", {"request": injected})
        assert result.is_error and "line break" in text(result)
    assert asked == [] and shared_harness.sent() == []
    log = shared_harness.stream.getvalue()
    assert "evil.example" in log and "Bcc: x@" not in log and "a@example.com" not in log
    assert max(len(line) for line in log.splitlines()) < 20_000  # 10,000 recipients: summarised
    assert "[... 9950 more]" in log


def test_audit_masking_holds_on_hostile_shapes() -> None:
    masked = mask_arguments(
        {
            "request": {
                "to": ["ada@localhost", "bob@example.com\r\nBcc: x@evil.example"],
                "template_data": {"ada@example.com": 1},
                "tags": {"carol@example.com": "v"},
                "deep": nested(5000),
                "note": "write to dave@例え.テスト now",
            }
        }
    )
    line = json.dumps(masked, ensure_ascii=False)
    for address in ("ada@localhost", "ada@example.com", "carol@example.com", "dave@例え", "bob@example.com"):
        assert address not in line, address
    assert "[nested too deeply]" in line


def test_http_port_in_use_and_weak_token_are_errors(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        in_use = subprocess.run(
            [SESCTL, "--local", "mcp", "--http", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
        )
    assert in_use.returncode == 1 and f"Cannot listen on 127.0.0.1:{port}" in in_use.stderr
    assert "serving" not in in_use.stderr and "Traceback" not in in_use.stderr
    weak = subprocess.run(
        [SESCTL, "--local", "mcp", "--http", "--host", "0.0.0.0", "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        env={**_env(), "SESCTL_MCP_TOKEN": "short"},
    )
    assert weak.returncode == 1 and "at least 16" in weak.stderr


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
