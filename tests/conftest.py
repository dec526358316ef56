"""Fixtures shared by every test: a fresh local emulator per test and an SES v2 client on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.testing import LocalEmulator, local_emulator


@pytest.fixture
def emulator() -> Iterator[LocalEmulator]:
    """A fresh emulator (SES v2 + moto's services) over HTTP on 127.0.0.1, strict responses."""
    with local_emulator() as emu:
        yield emu


@pytest.fixture
def ses(emulator: LocalEmulator) -> Any:
    """A boto3 sesv2 client on the ``emulator`` fixture (us-east-1, dummy credentials, no retries)."""
    return emulator.client("sesv2")
