"""A second real client: the AWS CLI (`aws sesv2 ... --endpoint-url`) against the emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reconciler.testing import LocalEmulator, dummy_aws_env

AWS = Path(sys.executable).parent / "aws"

pytestmark = pytest.mark.skipif(not AWS.exists(), reason="the AWS CLI is not installed in this environment")


def aws(emulator: LocalEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = dummy_aws_env(AWS_MAX_ATTEMPTS="1")
    return subprocess.run(
        [str(AWS), *args, "--endpoint-url", emulator.endpoint_url, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_templates_through_the_aws_cli(emulator: LocalEmulator) -> None:
    assert ok(aws(emulator, "sesv2", "list-email-templates"))["TemplatesMetadata"] == []
    content = {"Subject": "Hi {{name}}", "Text": "Hello {{name}}"}
    ok(
        aws(
            emulator,
            "sesv2",
            "create-email-template",
            "--template-name",
            "welcome",
            "--template-content",
            json.dumps(content),
        )
    )
    got = ok(aws(emulator, "sesv2", "get-email-template", "--template-name", "welcome"))
    assert got["TemplateName"] == "welcome" and got["TemplateContent"] == content
    listed = ok(aws(emulator, "sesv2", "list-email-templates"))["TemplatesMetadata"]
    assert [t["TemplateName"] for t in listed] == ["welcome"]
    # AWS CLI v1 prints timestamps as sent on the wire: rest-json sends epoch seconds.
    assert isinstance(listed[0]["CreatedTimestamp"], int | float)


def test_errors_through_the_aws_cli(emulator: LocalEmulator) -> None:
    missing = aws(emulator, "sesv2", "get-email-template", "--template-name", "nope")
    assert missing.returncode != 0
    assert "NotFoundException" in missing.stderr and "nope" in missing.stderr


def test_configuration_sets_through_the_aws_cli(emulator: LocalEmulator) -> None:
    ok(
        aws(
            emulator,
            "sesv2",
            "create-configuration-set",
            "--configuration-set-name",
            "marketing",
            "--sending-options",
            "SendingEnabled=true",
        )
    )
    got = ok(aws(emulator, "sesv2", "get-configuration-set", "--configuration-set-name", "marketing"))
    assert got["ConfigurationSetName"] == "marketing"
    assert got["SendingOptions"]["SendingEnabled"] is True
