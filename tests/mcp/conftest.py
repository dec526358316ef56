"""MCP fixtures: the emulator with a verified sender, templates and a configuration set that
publishes to CloudWatch, and a Harness (McpApp + server) over it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from mcp_support import Harness, default_config, prepare

from reconciler.testing import LocalEmulator, local_emulator


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def ses_setup(emulator: LocalEmulator, ses: Any) -> LocalEmulator:
    """A fresh, prepared emulator: for tests that send or change SES."""
    return prepare(emulator, ses)


@pytest.fixture(scope="session")
def shared_emulator() -> Iterator[LocalEmulator]:
    """One prepared emulator for the tests that never send nor change it (refusals, reads):
    starting one per test would cost most of this suite's time."""
    with local_emulator() as emulator:
        yield prepare(emulator, emulator.client("sesv2"))


@pytest.fixture
def make_shared_harness(shared_emulator: LocalEmulator) -> Callable[..., Harness]:
    shared_emulator.admin("clear_sent_messages")

    def make(**changes: Any) -> Harness:
        return Harness(shared_emulator, default_config(**changes))

    return make


@pytest.fixture
def shared_harness(make_shared_harness: Callable[..., Harness]) -> Harness:
    return make_shared_harness()


@pytest.fixture
def make_harness(ses_setup: LocalEmulator) -> Callable[..., Harness]:
    def make(**changes: Any) -> Harness:
        return Harness(ses_setup, default_config(**changes))

    return make


@pytest.fixture
def harness(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness()
