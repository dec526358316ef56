"""Whether the emulator's extra is installed: moto and its server come with ``sesctl[local]``,
not with the core package, so `--local` and `sesctl local serve` say how to get them."""

from __future__ import annotations

from reconciler.errors import UsageError

INSTALL_HINT = "Install the emulator with: pip install 'sesctl[local]'"


def require_emulator(what: str) -> None:
    """Raise a UsageError naming ``what`` and the install command when moto is missing."""
    try:
        import moto  # noqa: F401
        import werkzeug  # noqa: F401
    except ImportError as exc:
        missing = (exc.name or "moto").partition(".")[0]
        raise UsageError(
            f"{what} needs the local SES emulator, which is not installed ({missing} is missing)",
            hint=INSTALL_HINT,
        ) from None
