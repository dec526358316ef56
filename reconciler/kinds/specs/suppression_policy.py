"""SuppressionPolicy: the account-level suppression list settings (a singleton per account/region).

There is at most one per stack; its ``metadata.name`` is ``account`` (the default when
omitted), so its address is always ``SuppressionPolicy/account``.
"""

from __future__ import annotations

from reconciler.kinds.specs.base import SINGLETON_NAME, ReasonSet, SpecModel, SuppressionValidation


class SuppressionPolicySpec(SpecModel):
    """``kind: SuppressionPolicy``: PutAccountSuppressionAttributes."""

    suppressed_reasons: ReasonSet  # [] = the account suppresses nothing
    validation_attributes: SuppressionValidation | None = None


__all__ = ["SINGLETON_NAME", "SuppressionPolicySpec"]
