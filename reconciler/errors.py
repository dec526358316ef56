"""The exception tree shared by every layer of sesctl.

    ReconcilerError                 anything sesctl reports to a user (exit code 1)
     +-- UsageError                 bad flags or arguments
     +-- ManifestError              manifests that fail to load or validate (carries diagnostics)
     +-- TemplateError              a template that does not parse or render (see reconciler.templates)
     +-- AwsError                   an AWS call failed; carries the code and what to do next
     |    +-- RetryableAwsError     throttling, 5xx: retrying may help
     +-- PlanError                  a plan that cannot be made or applied (stale, over limits)
     +-- SendError                  a send refused before it reached SES

The CLI prints ``str(error)`` (plus ``hint`` when set) and exits 1; it never shows a traceback
for a ReconcilerError.
"""

from __future__ import annotations


class ReconcilerError(Exception):
    """Base of every error sesctl shows to a user."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class UsageError(ReconcilerError):
    pass


class ManifestError(ReconcilerError):
    pass


class AwsError(ReconcilerError):
    def __init__(self, message: str, *, code: str = "", operation: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.operation = operation


class RetryableAwsError(AwsError):
    pass


class PlanError(ReconcilerError):
    pass


class SendError(ReconcilerError):
    pass
