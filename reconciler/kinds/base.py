"""The interface every resource kind implements (the contract between kinds and the engine).

Normalized form: a JSON-compatible dict in one canonical shape for both sides, so that the
generic diff (reconciler/engine/diff.py) compares like with like:
  - snake_case keys named like the spec model's attributes, the same nesting for desired and
    live; the top-level keys are the units of in-place update (``changed`` in Kind.update);
  - SES's defaults filled in on both sides (no perpetual diffs);
  - sets as sorted lists; strings exact (UTF-8 / emoji untouched);
  - ``None`` means absent: tri-state fields (absent / [] / [...]) keep all three states;
  - fields sesctl does not manage are absent on both sides;
  - ownership tags (OWNER_TAG) are NOT part of the normalized form; they are read into
    LiveObject.owner.

How the engine uses a kind (see reconciler/kinds/registry.py for KINDS):
  1. ``read_live(gateway, names)`` for the names the manifests need (or all, for prune and
     unmanaged reports). Run kinds concurrently if you like; inside, each kind already fans
     out its Get calls with ``gateway.read_many``. Wrap the whole read phase in
     ``with gateway.reading():`` so that reads shared by kinds (ListConfigurationSets,
     GetConfigurationSet for event-destination ownership) are made once.
  2. ``normalize_desired(name, spec, stack)`` for each manifest resource, then
     ``fill_unmanaged(desired, live.normalized or None)`` (values the manifest leaves to SES,
     e.g. a dedicated IP's warm-up percentage, take the live value), then diff against
     ``LiveObject.normalized``. EventDestination names are ``<configuration set>/<name>``.
  3. A field change forces a replace when ``replace_reason(before, after)`` returns a reason
     (``replace_fields`` lists the fields that *can* force one, for docs and the plan's
     ``forces_replacement`` marker; the verdict depends on the values, e.g. a pool may go
     STANDARD -> MANAGED in place but not back).
  4. Risks: ``kind.risks(name, before, after)`` for what one object shows, plus
     ``reconciler.kinds.risks.world_risks(before_world, after_world, live)`` for what needs
     the whole picture (last BOUNCE/COMPLAINT destination, pool warming up).
  5. Apply: ``create`` / ``update`` / ``delete`` in wave order (deletes reversed).

Singletons (``singleton = True``, e.g. SuppressionPolicy/account): the live object always
exists, so the plan is an update or nothing; ``create`` behaves as an update from SES's
defaults; ``delete`` is a no-op. A singleton left out of the manifests is left as it is:
the planner shows no change for it and should not report it as unmanaged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeGuard

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway

JsonDict = dict[str, Any]

# Tag key marking a resource as created by (and owned by) a sesctl stack; value = stack name.
OWNER_TAG = "sesctl:stack"


@dataclass(frozen=True)
class LiveObject:
    name: str
    normalized: JsonDict  # canonical form, as produced by Kind.normalize_live
    # Stack name from OWNER_TAG, None if unowned. Event destinations carry their configuration
    # set's owner. Singletons are never owned (the planner never deletes them).
    owner: str | None = None
    # sha256 over (normalized, owner): what the plan was based on, for stale-plan checks.
    # Volatile read-only fields (timestamps, warm-up percentages) are excluded on purpose.
    fingerprint: str = ""
    raw: JsonDict = field(default_factory=dict)  # what SES returned (for debugging/risks)


def fingerprint(normalized: JsonDict, owner: str | None) -> str:
    canonical = json.dumps({"normalized": normalized, "owner": owner}, sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def live_object(name: str, normalized: JsonDict, owner: str | None, raw: JsonDict) -> LiveObject:
    return LiveObject(name, normalized, owner, fingerprint(normalized, owner), raw)


@dataclass(frozen=True)
class Risk:
    code: str  # see docs/plan-format.md
    severity: str  # "high" | "medium" | "low"
    message: str


class Kind(Protocol):
    kind: ClassVar[str]  # "ConfigurationSet"
    wave: ClassVar[int]  # apply order: lower first; deletes run in reverse
    iam_actions: ClassVar[frozenset[str]]  # every SES permission this kind's read/apply needs
    replace_fields: ClassVar[frozenset[str]]  # top-level keys whose change MAY force a replace
    taggable: ClassVar[bool]
    singleton: ClassVar[bool]  # an account setting that always exists (see module docstring)

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        """The manifest spec (a pydantic model from reconciler.kinds.specs) in normalized form."""
        ...

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        """What SES returned (the kind's raw read, see LiveObject.raw) in normalized form."""
        ...

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        """Read live objects: only ``names`` when given (targeted plans), else all of this kind.
        A name that does not exist is simply missing from the result (not an error).
        Goes through the gateway (rate limits, retries, error mapping)."""
        ...

    def fill_unmanaged(self, desired: JsonDict, live: JsonDict | None) -> JsonDict:
        """``desired`` with the values the manifest leaves to SES copied from ``live`` (normalized)."""
        ...

    def replace_reason(self, before: JsonDict, after: JsonDict) -> str | None:
        """Why live ``before`` cannot become ``after`` in place (a replace), or None."""
        ...

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None: ...

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        """Converge ``live`` to ``desired`` with the fewest in-place calls; ``changed`` lists the
        top-level normalized keys that differ."""
        ...

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None: ...

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        """Email-specific risk notes for this change (before None = create, after None = delete)."""
        ...


class IncrementalKind(Kind, Protocol):
    """A kind a plan with a refresh budget may read part of (docs/drift.md): its names are
    listed cheaply, and each object is read by ``refresh_operations`` (one request each) with
    ``read_live(gateway, [name])``. ``fill_unmanaged(desired, None)`` must not depend on the live
    object, so that an object in sync has the fingerprint of its desired form."""

    refresh_operations: ClassVar[tuple[str, ...]]

    def list_names(self, gateway: SesGateway) -> list[str]:
        """Every live object's name, from the List operation alone."""
        ...


def is_incremental(kind: Kind) -> TypeGuard[IncrementalKind]:
    return callable(getattr(kind, "list_names", None)) and bool(getattr(kind, "refresh_operations", ()))
