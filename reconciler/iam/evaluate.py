"""A small IAM policy evaluator: enough of IAM's rules to prove sesctl's generated policies.

Supported: Allow and Deny statements; Action and NotAction with ``*``/``?`` wildcards (case
insensitive, as IAM); Resource with wildcards (an action without resource-level permissions
is requested on ``"*"``, matched only by a Resource of ``"*"``); the condition operators
StringEquals, StringNotEquals, StringLike, StringNotLike, StringEqualsIgnoreCase, with the
ForAllValues:/ForAnyValue: set qualifiers. An explicit Deny wins; otherwise every resource of a
request needs an Allow. An operator this evaluator does not know never matches (so an Allow
that depends on it grants nothing: fail closed). Not supported: NotResource, policy
variables, IfExists, numeric/date/IP/Bool operators, principals (identity policies only).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

ContextValue = str | Sequence[str]


@cache
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern), re.IGNORECASE if ignore_case else 0)


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _match(patterns: list[str], value: str, *, ignore_case: bool = False) -> bool:
    return any(_glob(p, ignore_case).fullmatch(value) for p in patterns)


_OPERATORS: dict[str, tuple[bool, bool, bool]] = {
    # name -> (glob, ignore case, negated)
    "StringEquals": (False, False, False),
    "StringNotEquals": (False, False, True),
    "StringEqualsIgnoreCase": (False, True, False),
    "StringLike": (True, False, False),
    "StringNotLike": (True, False, True),
}


def _one_condition(operator: str, key: str, expected: list[str], context: Mapping[str, ContextValue]) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if name not in _OPERATORS or qualifier not in ("", "ForAllValues", "ForAnyValue"):
        return False
    glob, ignore_case, negated = _OPERATORS[name]
    actual = context.get(key)

    def hit(value: str) -> bool:
        if glob:
            found = _match(expected, value, ignore_case=ignore_case)
        elif ignore_case:
            found = value.lower() in {e.lower() for e in expected}
        else:
            found = value in expected
        return not found if negated else found

    values = _list(actual)
    if qualifier == "ForAllValues":
        return all(hit(v) for v in values)  # true for an absent key, as in IAM
    if actual is None:
        return negated  # a missing key never equals anything
    return any(hit(v) for v in values)


def conditions_hold(condition: Mapping[str, Any] | None, context: Mapping[str, ContextValue]) -> bool:
    for operator, keys in (condition or {}).items():
        if not isinstance(keys, Mapping):
            return False
        for key, expected in keys.items():
            if not _one_condition(str(operator), str(key), _list(expected), context):
                return False
    return True


@dataclass(frozen=True)
class Decision:
    allowed: bool
    action: str
    resource: str = ""  # the first resource refused
    reason: str = ""


class Policy:
    def __init__(self, document: Mapping[str, Any]) -> None:
        statements = document.get("Statement", [])
        if isinstance(statements, Mapping):
            statements = [statements]
        if not isinstance(statements, list):
            raise ValueError("the policy's Statement must be a list or an object")
        self.statements: list[Mapping[str, Any]] = []
        for number, statement in enumerate(statements, start=1):
            if not isinstance(statement, Mapping) or statement.get("Effect") not in ("Allow", "Deny"):
                raise ValueError(f"statement {number}: Effect must be Allow or Deny")
            if "NotResource" in statement:
                raise ValueError(f"statement {number}: NotResource is not supported by the emulator")
            self.statements.append(statement)
        self.document = document

    def _applies(self, statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, ContextValue]) -> bool:
        if "NotAction" in statement:
            if _match(_list(statement["NotAction"]), action, ignore_case=True):
                return False
        elif not _match(_list(statement.get("Action")), action, ignore_case=True):
            return False
        if not _match(_list(statement.get("Resource")), resource):
            return False
        return conditions_hold(statement.get("Condition"), context)

    def decide(
        self,
        action: str,
        resources: Sequence[str],
        context: Mapping[str, ContextValue] | None = None,
        resource_context: Callable[[str], Mapping[str, ContextValue]] | None = None,
    ) -> Decision:
        """``resource_context(arn)`` adds per-resource keys (``aws:ResourceTag/...``)."""
        ctx = context or {}
        for resource in resources or ["*"]:
            resource_ctx = {**ctx, **(resource_context(resource) if resource_context else {})}
            allowed = False
            for statement in self.statements:
                if not self._applies(statement, action, resource, resource_ctx):
                    continue
                if statement["Effect"] == "Deny":
                    return Decision(False, action, resource, "explicitly denied")
                allowed = True
            if not allowed:
                return Decision(False, action, resource, "no statement allows it")
        return Decision(True, action)


__all__ = ["Decision", "Policy", "conditions_hold"]
