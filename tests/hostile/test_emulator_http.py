"""Hostile requests to the emulator over HTTP (what newcomers run): malformed JSON, wrong
content types, traversal-shaped names, huge page sizes, Content-Length lies, oversized
bodies, a slow client, hostile Host and Origin headers. Each gets a 4xx naming the problem,
never a 500 or a traceback; a slow or lying client never holds the lock other callers need."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from reconciler.emulator.request_guard import MAX_BODY_BYTES
from reconciler.testing import LocalEmulator, local_emulator

HOST = "Host: 127.0.0.1\r\n"
JSON = "Content-Type: application/json\r\n"


@dataclass(frozen=True)
class Request:
    id: str
    head: str  # request line and headers, without the final blank line
    body: bytes = b""
    status: int = 400
    message: str = ""


def post(path: str, body: bytes, headers: str = HOST + JSON, length: int | None = None) -> str:
    size = len(body) if length is None else length
    return f"POST {path} HTTP/1.1\r\n{headers}Content-Length: {size}\r\nConnection: close\r\n"


def get(path: str, headers: str = HOST) -> str:
    return f"GET {path} HTTP/1.1\r\n{headers}Connection: close\r\n"


TEMPLATES = "/v2/email/templates"
REQUESTS = [
    Request("malformed-json", post(TEMPLATES, b"{bad"), b"{bad", 400, "not valid JSON"),
    Request("json-array", post(TEMPLATES, b"[]"), b"[]", 400, "must be a JSON object"),
    Request("deep-json", post(TEMPLATES, b"[" * 50_000 + b"]" * 50_000), b"[" * 50_000 + b"]" * 50_000, 400, "too deeply"),
    Request("huge-int-json", post(TEMPLATES, b'{"a": ' + b"9" * 5000 + b"}"), b'{"a": ' + b"9" * 5000 + b"}", 400, "not valid JSON"),
    Request("invalid-utf8", post(TEMPLATES, b"\xff\xfe{}"), b"\xff\xfe{}", 400, "not valid JSON"),
    Request("wrong-content-type", post(TEMPLATES, b"{}", HOST + "Content-Type: text/plain\r\n"), b"{}", 400, "TemplateName"),
    Request("traversal-name", get("/v2/email/templates/..%2F..%2F..%2Fetc%2Fpasswd"), b"", 404, "does not exist"),
    Request("traversal-path", get("/v2/email/templates/../../../etc/passwd"), b"", 404, "no SES v2 operation"),
    Request("huge-page-size", get("/v2/email/templates?PageSize=" + "9" * 30), b"", 400, "PageSize must be between"),
    Request("negative-page-size", get("/v2/email/templates?PageSize=-5"), b"", 400, "PageSize"),
    Request("garbage-next-token", get("/v2/email/templates?NextToken=%00%ff%27"), b"", 400, "NextToken"),
    Request("content-length-not-a-number", post(TEMPLATES, b"{}").replace("Content-Length: 2", "Content-Length: abc"), b"{}", 400, "Content-Length is not a number"),
    Request("content-length-short", post(TEMPLATES, b"{}", length=100), b"{}", 400, "shorter than its Content-Length"),
    Request("oversized-body", post(TEMPLATES, b"", length=MAX_BODY_BYTES + 1), b"x" * 65536, 413, "reads at most"),
    Request("rebinding-host", get("/_sesctl/state", "Host: evil.example\r\n"), b"", 403, "not a loopback name"),
    Request("rebinding-host-with-loopback-prefix", get("/_sesctl/state", "Host: 127.0.0.1.evil.example\r\n"), b"", 403, "not a loopback name"),
    Request("cross-site-origin", post("/_sesctl/reset", b"{}", HOST + JSON + "Origin: http://evil.example\r\n"), b"{}", 403, "not a loopback origin"),
    Request("null-origin", post("/_sesctl/reset", b"{}", HOST + JSON + "Origin: null\r\n"), b"{}", 403, "refused"),
    Request("form-post-to-admin", post("/_sesctl/reset", b"a=b", HOST + "Content-Type: application/x-www-form-urlencoded\r\n"), b"a=b", 400, "application/json"),
    Request("admin-dunder", post("/_sesctl/admin/__class__", b"{}"), b"{}", 404, "No admin action"),
    Request("admin-wrong-types", post("/_sesctl/admin/verify_identity", b'{"identity": [1]}'), b'{"identity": [1]}', 400, "identity"),
]


@pytest.fixture(scope="module")
def emulator() -> Iterator[LocalEmulator]:
    with local_emulator() as emu:
        emu.client("sesv2").create_email_template(
            TemplateName="keep", TemplateContent={"Subject": "s", "Text": "t"}
        )
        yield emu


def _port(emulator: LocalEmulator) -> int:
    return int(emulator.endpoint_url.rsplit(":", 1)[1])


def _exchange(port: int, head: str, body: bytes) -> bytes:
    """Send, stop writing (a client that sent less than its Content-Length has hung up), and
    read one response (the server may wait for a body it refused without reading)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        try:
            conn.sendall(head.encode() + b"\r\n" + body)
            conn.shutdown(socket.SHUT_WR)
        except OSError:  # the server answered and closed before the whole body was sent
            pass
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < _length(answer):
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


def _length(answer: bytes) -> int:
    for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


@pytest.mark.parametrize("request_", [pytest.param(r, id=r.id) for r in REQUESTS])
def test_hostile_request_is_a_clean_4xx(emulator: LocalEmulator, request_: Request) -> None:
    answer = _exchange(_port(emulator), request_.head, request_.body)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == str(request_.status).encode(), answer[:500]
    assert request_.message.encode() in rest, answer[:500]
    assert b"Traceback" not in answer


def test_a_slow_or_lying_client_does_not_hold_the_lock(emulator: LocalEmulator) -> None:
    """Bodies are read before the lock is taken: a client that promises 100 bytes and sends
    one (a slowloris) leaves every other caller served."""
    port = _port(emulator)
    slow = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(4)]
    try:
        for conn in slow:
            conn.sendall((post(TEMPLATES, b"", length=100).replace("Connection: close\r\n", "") + "\r\n{").encode())
        ses = emulator.client("sesv2")
        started = time.monotonic()
        names = [t["TemplateName"] for t in ses.list_email_templates()["TemplatesMetadata"]]
        assert names == ["keep"]
        assert time.monotonic() - started < 10  # served now, not after the slow clients give up
    finally:
        for conn in slow:
            conn.close()


def test_names_shaped_like_paths_are_refused_by_boto3_too(emulator: LocalEmulator) -> None:
    ses: Any = emulator.client("sesv2")
    for call in (
        lambda: ses.create_email_template(TemplateName="../../x", TemplateContent={"Subject": "s", "Text": "t"}),
        lambda: ses.create_configuration_set(ConfigurationSetName="../../etc"),
        lambda: ses.create_email_identity(EmailIdentity="../../etc"),
    ):
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "BadRequestException"
    names = [t["TemplateName"] for t in ses.list_email_templates()["TemplatesMetadata"]]
    assert names == ["keep"]  # nothing the hostile requests sent was created or reset
