"""Fixtures shared by every test: a fresh local emulator per test and an SES v2 client on it.

They live in reconciler.testing so users get the same ones with
``pytest_plugins = ["reconciler.testing"]``.
"""

from __future__ import annotations

from reconciler.testing import emulator, ses

__all__ = ["emulator", "ses"]
