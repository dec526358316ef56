"""Whether the emulator's extra is installed: moto and its server come with ``sesctl[local]``,
not with the core package, so `--local` and `sesctl local serve` say how to get them."""

from __future__ import annotations

import importlib.util

from reconciler.errors import UsageError

INSTALL_HINT = "Install the emulator with: pip install 'sesctl[local]'"


# What the emulator imports from the extra: looked up, not imported (importing moto costs
# ~0.1 s, and a command whose requests are all SES v2 never needs it).
EXTRA_MODULES = ("moto", "werkzeug")


def require_emulator(what: str) -> None:
    """Raise a UsageError naming ``what`` and the install command when moto is missing."""
    for name in EXTRA_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise UsageError(
                f"{what} needs the local SES emulator, which is not installed ({name} is missing)",
                hint=INSTALL_HINT,
            )
