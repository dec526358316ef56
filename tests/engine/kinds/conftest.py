"""Fixtures for the kinds and gateway tests: a fast gateway on the emulator, and the AWS CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import RateLimits, RetryPolicy
from reconciler.testing import ACCOUNT_ID, LocalEmulator, dummy_aws_env

AWS_CLI = Path(sys.executable).parent / "aws"
STACK = "test-stack"


@pytest.fixture
def gateway(emulator: LocalEmulator) -> SesGateway:
    """A gateway whose buckets never make a test wait (the rate-limit tests build their own).
    The SNS topics the kind tests name exist, as SES refuses a destination without its topic."""
    sns = emulator.client("sns")
    for topic in ("ses-events", "t"):
        sns.create_topic(Name=topic)
    return SesGateway(
        emulator.client("sesv2"),
        limits=RateLimits(default=10_000, burst=10_000),
        retry=RetryPolicy(max_attempts=4, base=0.01, cap=0.05),
        account_id=ACCOUNT_ID,
        seed=1,
        clients=emulator.client,  # CloudWatch for AlertPolicy, on the same endpoint
    )


@pytest.fixture
def aws_cli(emulator: LocalEmulator) -> Callable[..., Any]:
    """Run ``aws sesv2 <args>`` against the emulator (out-of-band changes); returns parsed JSON."""
    env = dummy_aws_env(AWS_PAGER="")

    def run(*args: str) -> Any:
        done = subprocess.run(
            [str(AWS_CLI), "sesv2", *args, "--endpoint-url", emulator.endpoint_url, "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    return run
