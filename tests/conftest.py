"""Fixtures shared by every test: a fresh local emulator per test and an SES v2 client on it.

They live in reconciler.testing so users get the same ones with
``pytest_plugins = ["reconciler.testing"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.testing import emulator, ses

__all__ = ["emulator", "ses"]


@pytest.fixture(autouse=True)
def _scratch_event_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """`sesctl send` records into SESCTL_EVENTS_STORE (else .sesctl/events.db in the working
    directory, the checkout for most tests), and the MCP server reads the account's rates from
    it: each test gets its own, so no test sees another's sends."""
    monkeypatch.setenv("SESCTL_EVENTS_STORE", str(tmp_path_factory.mktemp("store") / "events.db"))
    yield
