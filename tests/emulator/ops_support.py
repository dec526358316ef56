"""Shared by the test_ops_* modules: one emulator per module, reset before each test (a fresh
server costs ~0.5 s to stop), and an assertion helper for SES errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from reconciler.testing import LocalEmulator, local_emulator


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[LocalEmulator]:
    with local_emulator() as emu:
        yield emu


@pytest.fixture
def emulator(module_emulator: LocalEmulator) -> LocalEmulator:
    module_emulator.reset()
    return module_emulator


@pytest.fixture
def ses(emulator: LocalEmulator) -> Any:
    return emulator.client("sesv2")


def expect_error(call: Callable[[], Any], code: str, status: int) -> str:
    """Run ``call``; assert it fails with SES error ``code`` and HTTP ``status``; return the message."""
    with pytest.raises(ClientError) as exc:
        call()
    response = exc.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    return str(response["Error"].get("Message", ""))
