"""`sesctl send --header`: per-recipient custom headers (the one-click unsubscribe pair), with
the headers SES and the guardrails own refused before anything is sent."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.sending.headers import parse_headers
from reconciler.testing import LocalEmulator, dummy_aws_env, local_emulator

SESCTL = str(Path(sys.executable).with_name("sesctl"))
ENV = dummy_aws_env()


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("From=x@example.com", "set by SES or by sesctl's guardrails"),
        ("bcc=spy@example.com", "set by SES or by sesctl's guardrails"),
        ("Content-Type=text/plain", "set by SES or by sesctl's guardrails"),
        ("X-SES-CONFIGURATION-SET=x", "set by SES or by sesctl's guardrails"),
        ("Bad Name=x", "RFC 5322 header name"),
        ("X-A=one\u2028Bcc: spy@example.com", "one line"),
        ("X-A=1", None),
    ],
)
def test_header_rules(item: str, message: str | None) -> None:
    if message is None:
        assert parse_headers([item])[0].name == "X-A"
        return
    with pytest.raises(UsageError, match=message):
        parse_headers([item])


def test_at_most_fifteen_and_no_repeats() -> None:
    with pytest.raises(UsageError, match="at most 15"):
        parse_headers([f"X-H{i}=v" for i in range(16)])
    with pytest.raises(UsageError, match="given twice"):
        parse_headers(["X-A=1", "x-a=2"])


@pytest.fixture(scope="module")
def emu() -> Iterator[LocalEmulator]:
    with local_emulator() as emulator:
        ses = emulator.client("sesv2")
        ses.create_email_template(
            TemplateName="news", TemplateContent={"Subject": "News", "Text": "Hi {{name}}"}
        )
        emulator.admin("verify_identity", identity="example.com")
        yield emulator


def test_one_click_unsubscribe_headers_per_recipient(emu: LocalEmulator, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text(
        "email,name,id\nsuccess+1@simulator.amazonses.com,Ada,a1\nsuccess+2@simulator.amazonses.com,Bob,\n"
    )
    result = subprocess.run(
        [
            SESCTL, "--endpoint-url", emu.endpoint_url, "send", "--template", "news", "--recipients", str(users),
            "--from", "news@example.com", "--yes",
            "--header", "List-Unsubscribe=<https://example.com/u?id={{id}}>",
            "--header", "List-Unsubscribe-Post=List-Unsubscribe=One-Click",
        ],
        capture_output=True, text=True, env=ENV, stdin=subprocess.DEVNULL, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sent = emu.admin("sent_messages", recipient="success+1@simulator.amazonses.com", include_body=False)
    headers = {h["name"]: h["value"] for h in sent[0]["headers"]}
    assert headers["List-Unsubscribe"] == "<https://example.com/u?id=a1>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Bob has no id: his unsubscribe link would be broken, so he is refused like a body missing a variable.
    assert emu.admin("sent_messages", recipient="success+2@simulator.amazonses.com", include_body=False) == []
    assert "missing variable 'id' (header List-Unsubscribe)" in result.stdout + result.stderr


def test_a_reserved_header_is_refused_before_any_call(emu: LocalEmulator, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("email,name\nsuccess+9@simulator.amazonses.com,Ada\n")
    before = len(emu.admin("sent_messages", include_body=False))
    result = subprocess.run(
        [
            SESCTL, "--endpoint-url", emu.endpoint_url, "send", "--template", "news", "--recipients", str(users),
            "--from", "news@example.com", "--yes", "--header", "Bcc=spy@example.com",
        ],
        capture_output=True, text=True, env=ENV, stdin=subprocess.DEVNULL, timeout=300,
    )
    assert result.returncode == 1 and "Bcc is set by SES" in result.stderr
    assert len(emu.admin("sent_messages", include_body=False)) == before
