"""The emulator under hostile or malformed requests (issue 15): refused with a 400/403 naming
the problem, nothing saved, no traceback in the log; and the faults, sandbox and throttling
options that let callers test their own handling of SES's errors."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ops_support
import pytest
from ops_support import expect_error

from reconciler.emulator.faults import FaultConfig
from reconciler.testing import LocalEmulator, local_emulator

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses
SIMPLE = {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Body"}}}}


def _request(
    emulator: LocalEmulator, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    host, port = emulator.endpoint_url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.WARNING)
    yield
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


@pytest.fixture
def populated(emulator: LocalEmulator, ses: Any) -> LocalEmulator:
    ses.create_email_template(TemplateName="keep", TemplateContent={"Subject": "s", "Text": "t"})
    return emulator


def _kept(emulator: LocalEmulator) -> bool:
    return "keep" in emulator.state.regions["us-east-1"].templates


# ---- cross-site requests and DNS rebinding --------------------------------------------------

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "headers",
    [
        {**JSON, "Host": "evil.example:4566"},  # a rebound name
        {**JSON, "Host": "127.0.0.1", "Origin": "https://evil.example"},  # a cross-site page
        {**JSON, "Host": "localhost", "Origin": "null"},
    ],
    ids=["rebound-host", "cross-site-origin", "null-origin"],
)
def test_reset_from_a_web_page_is_refused(
    populated: LocalEmulator, headers: dict[str, str], no_tracebacks: None
) -> None:
    status, body = _request(populated, "POST", "/_sesctl/reset", b"{}", headers)
    assert status == 403 and ("refused" in body["message"] or "loopback" in body["message"])
    assert _kept(populated)


def test_state_cannot_be_read_through_a_rebound_name(populated: LocalEmulator) -> None:
    status, _ = _request(populated, "GET", "/_sesctl/state", headers={"Host": "attacker.example"})
    assert status == 403
    status, _ = _request(populated, "GET", "/_sesctl/state", headers={"Host": "localhost:4566"})
    assert status == 200


def test_state_changing_admin_calls_need_json(populated: LocalEmulator, no_tracebacks: None) -> None:
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        status, body = _request(populated, "POST", "/_sesctl/reset", b"{}", {"Content-Type": content_type})
        assert status == 400 and "application/json" in body["message"]
    assert _kept(populated)


# ---- malformed admin and API requests -------------------------------------------------------


def test_admin_argument_of_the_wrong_type_names_it(emulator: LocalEmulator, no_tracebacks: None) -> None:
    status, body = _request(emulator, "POST", "/_sesctl/admin/verify_identity", b'{"identity": 123}', JSON)
    assert status == 400 and "identity" in body["message"]
    assert (
        emulator.state.regions.get("us-east-1") is None or not emulator.state.regions["us-east-1"].identities
    )


def test_config_of_the_wrong_type_names_it(emulator: LocalEmulator, no_tracebacks: None) -> None:
    status, body = _request(emulator, "POST", "/_sesctl/config", b'{"throttle_rps": "fast"}', JSON)
    assert status == 400 and "throttle_rps" in body["message"]
    assert emulator.emulator.config.throttle_rps is None


def test_deeply_nested_json_is_a_bad_request(populated: LocalEmulator, no_tracebacks: None) -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    status, _ = _request(populated, "POST", "/_sesctl/admin/verify_identity", nested, JSON)
    assert status == 400
    deep_object = b'{"TemplateName": "t", "TemplateContent": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001
    status, _ = _request(populated, "POST", "/v2/email/templates", deep_object, JSON)
    assert status == 400
    assert set(populated.state.regions["us-east-1"].templates) == {"keep"}


def test_body_shorter_than_its_content_length(populated: LocalEmulator, no_tracebacks: None) -> None:
    host, port = populated.endpoint_url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /_sesctl/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\nConnection: close\r\n\r\n{}"
        )
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400") and b"shorter than its Content-Length" in answer
    assert _kept(populated)


def test_region_with_path_characters_is_refused(emulator: LocalEmulator, no_tracebacks: None) -> None:
    authorization = (
        "AWS4-HMAC-SHA256 Credential=local/20260101/..;x/ses/aws4_request, SignedHeaders=host, Signature=0"
    )
    status, body = _request(emulator, "GET", "/v2/email/templates", headers={"Authorization": authorization})
    assert status == 400 and "region" in body["message"]
    status, _ = _request(emulator, "POST", "/_sesctl/admin/sent_messages", b'{"region": "../../etc"}', JSON)
    assert status == 400
    assert set(emulator.state.regions) <= {"us-east-1"}


def test_fault_operations_misspelt_names_the_closest(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="did you mean SendEmail"):
        FaultConfig(fault_rate=0.5, fault_operations=["SendEmial"]).validate()
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "sesctl"),
            "local",
            "serve",
            "--port",
            "0",
            "--state",
            str(tmp_path / "s.json"),
            "--fault-rate",
            "0.5",
            "--fault-operations",
            "CreateEmailTemplte",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "did you mean CreateEmailTemplate" in result.stderr
    assert "Traceback" not in result.stderr


# ---- the mailbox simulator and template bodies ----------------------------------------------


def test_only_ses_simulator_mailboxes_count_as_the_simulator() -> None:
    """Source: Developer Guide "Using the mailbox simulator" (success, bounce, ooto, complaint,
    suppressionlist, each with an optional +label)."""
    with local_emulator(sandbox=True) as emu:
        emu.admin("verify_identity", identity="example.com")
        ses = emu.client("sesv2")
        for address in ("success@simulator.amazonses.com", "ooto+run1@simulator.amazonses.com"):
            ses.send_email(
                FromEmailAddress="a@example.com", Destination={"ToAddresses": [address]}, Content=SIMPLE
            )
            emu.emulator.state.region("us-east-1").sending._rate_bucket = None  # the sandbox's 1/s
        for address in ("anything@simulator.amazonses.com", "bounce+@simulator.amazonses.com"):
            expect_error(
                lambda a=address: ses.send_email(
                    FromEmailAddress="a@example.com", Destination={"ToAddresses": [a]}, Content=SIMPLE
                ),
                "MessageRejected",
                400,
            )


def test_nul_bytes_in_template_bodies_are_refused(ses: Any) -> None:
    for content in ({"Subject": "s", "Text": "a\x00b"}, {"Subject": "s\x00", "Html": "<p>x</p>"}):
        message = expect_error(
            lambda c=content: ses.create_email_template(TemplateName="t", TemplateContent=c),
            "BadRequestException",
            400,
        )
        assert "NUL" in message
    assert ses.list_email_templates()["TemplatesMetadata"] == []


# ---- sandbox, named faults, SES-like throttling ---------------------------------------------


def test_sandbox_behaves_as_ses_sandbox(tmp_path: Any) -> None:
    state = tmp_path / "state.json"
    with local_emulator(state_file=state, sandbox=True) as emu:
        emu.admin("verify_identity", identity="example.com")
        ses = emu.client("sesv2")
        account = ses.get_account()
        assert account["ProductionAccessEnabled"] is False
        assert (account["SendQuota"]["Max24HourSend"], account["SendQuota"]["MaxSendRate"]) == (200, 1)
        message = expect_error(
            lambda: ses.send_email(
                FromEmailAddress="a@example.com",
                Destination={"ToAddresses": ["x@example.org"]},
                Content=SIMPLE,
            ),
            "MessageRejected",
            400,
        )
        assert message.startswith("Email address is not verified.") and "x@example.org" in message
        send = {
            "FromEmailAddress": "a@example.com",
            "Destination": {"ToAddresses": ["b@example.com"]},
            "Content": SIMPLE,
        }
        ses.send_email(**send)  # a verified recipient
        assert expect_error(lambda: ses.send_email(**send), "TooManyRequestsException", 429) == (
            "Maximum sending rate exceeded."
        )
    with local_emulator(state_file=state) as emu:  # the setting is saved with the state
        assert emu.client("sesv2").get_account()["ProductionAccessEnabled"] is False


@pytest.mark.parametrize(
    ("code", "operation", "status", "call"),
    [
        (
            "ConflictException",
            "PutAccountDetails",
            409,
            lambda s: s.put_account_details(MailType="MARKETING", WebsiteURL="https://example.com"),
        ),
        (
            "ConcurrentModificationException",
            "CreateConfigurationSet",
            500,
            lambda s: s.create_configuration_set(ConfigurationSetName="c"),
        ),
        (
            "LimitExceededException",
            "SendBulkEmail",
            400,
            lambda s: s.send_bulk_email(
                FromEmailAddress="a@example.com",
                DefaultContent={"Template": {"TemplateName": "t", "TemplateData": "{}"}},
                BulkEmailEntries=[{"Destination": {"ToAddresses": ["b@example.com"]}}],
            ),
        ),
    ],
)
def test_documented_errors_by_fault_injection(code: str, operation: str, status: int, call: Any) -> None:
    with local_emulator(fault_rate=1.0, fault_kind=code, fault_operations=[operation]) as emu:
        ses = emu.client("sesv2")
        ses.list_email_templates()  # other operations are left alone
        expect_error(lambda: call(ses), code, status)


def test_a_named_fault_an_operation_cannot_answer_is_refused() -> None:
    with pytest.raises(ValueError, match="SendEmail cannot answer ConflictException"):
        FaultConfig(fault_rate=1, fault_kind="ConflictException", fault_operations=["SendEmail"]).validate()
    with pytest.raises(ValueError, match="did you mean ConflictException"):
        FaultConfig(fault_rate=1, fault_kind="ConflictExeption").validate()


def test_ses_throttling_is_one_per_second_per_operation_without_burst() -> None:
    with local_emulator(throttle_rps="ses") as emu:
        ses = emu.client("sesv2")
        ses.list_email_templates()
        expect_error(lambda: ses.list_email_templates(), "TooManyRequestsException", 429)
        ses.list_configuration_sets()  # each operation has its own bucket


def test_throttle_burst_saves_up_requests() -> None:
    with local_emulator(throttle_rps=1, throttle_burst=3) as emu:
        ses = emu.client("sesv2")
        for _ in range(3):
            ses.list_email_templates()
        expect_error(lambda: ses.list_email_templates(), "TooManyRequestsException", 429)
