"""The exception raised when manifests do not load: it carries every diagnostic."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.diagnostics import Diagnostic, format_text, sort_key
from reconciler.errors import ManifestError


class ManifestInvalid(ManifestError):
    """Manifests (or the project file) have errors; ``diagnostics`` lists all of them.

    ``str(error)`` is the full formatted list, so the CLI's generic "Error: ..." shows every
    problem with its file:line:column."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=sort_key)
        errors = [d for d in self.diagnostics if d.is_error]
        noun = "error" if len(errors) == 1 else "errors"
        super().__init__(
            f"{len(errors)} {noun} in the manifests:\n{format_text(errors)}",
            hint="Run `sesctl validate` for every problem, warnings included.",
        )


__all__ = ["ManifestInvalid"]
