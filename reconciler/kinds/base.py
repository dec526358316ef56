"""The interface every resource kind implements (the contract between kinds and the engine).

Normalized form: a JSON-compatible dict in one canonical shape for both sides, so that the
generic diff (reconciler/engine/diff.py) compares like with like:
  - snake_case keys, the same nesting for desired and live;
  - SES's defaults filled in on both sides (no perpetual diffs);
  - sets as sorted lists; strings exact (UTF-8 / emoji untouched);
  - fields sesctl does not manage are absent on both sides;
  - ownership tags (OWNER_TAG) are NOT part of the normalized form; they are read into
    LiveObject.owner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

JsonDict = dict[str, Any]

# Tag key marking a resource as created by (and owned by) a sesctl stack; value = stack name.
OWNER_TAG = "sesctl:stack"


@dataclass(frozen=True)
class LiveObject:
    name: str
    normalized: JsonDict  # canonical form, as produced by Kind.normalize_live
    owner: str | None = None  # stack name from OWNER_TAG, None if unowned/untaggable
    fingerprint: str = ""  # sha256 of the raw live object(s) read, for stale-plan checks
    raw: JsonDict = field(default_factory=dict)  # what SES returned (for debugging/risks)


@dataclass(frozen=True)
class Risk:
    code: str  # see docs/plan-format.md
    severity: str  # "high" | "medium" | "low"
    message: str


class Kind(Protocol):
    kind: ClassVar[str]  # "ConfigurationSet"
    wave: ClassVar[int]  # apply order: lower first; deletes run in reverse
    iam_actions: ClassVar[frozenset[str]]  # every SES permission this kind's read/apply needs
    replace_fields: ClassVar[frozenset[str]]  # a change here cannot be made in place (replace)
    taggable: ClassVar[bool]

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        """The manifest spec (a pydantic model from reconciler.manifest.specs) in normalized form."""
        ...

    def read_live(self, gateway: Any, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        """Read live objects: only ``names`` when given (targeted plans), else all of this kind.
        Must go through the gateway (rate limits, retries, error mapping)."""
        ...

    def create(self, gateway: Any, name: str, desired: JsonDict, stack: str) -> None: ...

    def update(self, gateway: Any, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]) -> None:
        """Converge ``live`` to ``desired`` with the fewest in-place calls; ``changed`` lists the
        top-level normalized keys that differ."""
        ...

    def delete(self, gateway: Any, name: str, live: LiveObject) -> None: ...

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        """Email-specific risk notes for this change (before None = create, after None = delete)."""
        ...
