"""``sesctl mcp --http`` as a real subprocess: streamable HTTP with bearer-token authentication."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp_support import SIM, answering, prepare

from reconciler.testing import LocalEmulator, dummy_aws_env, local_emulator

SESCTL = str(Path(sys.executable).with_name("sesctl"))
TOKEN = "s3cret-token-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(**extra: str) -> dict[str, str]:
    env = dummy_aws_env(
        drop=("SESCTL_MCP_",),
        SESCTL_MCP_SENDERS="news@example.com",
        SESCTL_MCP_CONFIGURATION_SETS="marketing",
        SESCTL_MCP_AUDIT_LOG="-",
    )
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def http_emulator() -> Iterator[LocalEmulator]:
    with local_emulator() as emulator:
        yield prepare(emulator, emulator.client("sesv2"))


@pytest.fixture(scope="module")
def http_server(
    http_emulator: LocalEmulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """One server subprocess for the module (starting one costs seconds)."""
    port = free_port()
    audit = tmp_path_factory.mktemp("mcp-http") / "audit.jsonl"
    process = subprocess.Popen(
        [
            SESCTL,
            "--endpoint-url",
            http_emulator.endpoint_url,
            "mcp",
            "--http",
            "--port",
            str(port),
            "--rate",
            "500",
        ],
        env=server_env(SESCTL_MCP_TOKEN=TOKEN, SESCTL_MCP_AUDIT_LOG=str(audit)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"sesctl mcp --http did not start: {process.stderr.read() if process.stderr else ''}"
                    ) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp", audit
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_requests_without_a_valid_token_are_refused(http_server: tuple[str, Path]) -> None:
    url, _ = http_server
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    missing = httpx2.post(url, json=body, headers=headers)
    wrong = httpx2.post(url, json=body, headers={**headers, "Authorization": "Bearer nope"})
    assert missing.status_code == 401
    assert wrong.status_code == 401
    assert "bearer" in missing.headers.get("www-authenticate", "").lower()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_send_over_http_with_the_token(
    http_server: tuple[str, Path], http_emulator: LocalEmulator, mode: str
) -> None:
    url, audit = http_server
    callback, asked = answering("accept")
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
    async with (
        http,
        Client(
            streamable_http_client(url, http_client=http), mode=mode, elicitation_callback=callback
        ) as client,
    ):
        names = {t.name for t in (await client.list_tools()).tools}
        assert "send_email" in names
        recipient = f"success+{mode}@{SIM}"
        request: dict[str, Any] = {"to": [recipient], "template": "promo", "template_data": {"pct": 20}}
        result = await client.call_tool("send_email", {"request": request})
    assert result.is_error is False, result.content
    assert len(asked) == 1 and "Sale 20%" in asked[0]
    assert len(http_emulator.admin("sent_messages", recipient=recipient)) == 1
    lines = audit.read_text(encoding="utf-8")
    assert '"principal": "token:bearer"' in lines
    assert recipient not in lines and TOKEN not in lines


@pytest.mark.anyio
async def test_unauthenticated_client_cannot_connect(http_server: tuple[str, Path]) -> None:
    url, _ = http_server
    with pytest.raises(Exception):  # noqa: B017 - the SDK surfaces the 401 as a transport error
        async with Client(url) as client:
            await client.list_tools()


def test_refuses_to_listen_beyond_loopback_without_a_token() -> None:
    done = subprocess.run(
        [SESCTL, "--endpoint-url", "http://127.0.0.1:9", "mcp", "--http", "--host", "0.0.0.0"],
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Refusing to listen on 0.0.0.0 without a bearer token" in done.stderr
    assert "Traceback" not in done.stderr
