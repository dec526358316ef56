"""A fake kind over an in-memory dict, for the engine's pure-logic tests (Pulumi's
deploytest.Provider idea). Behaviour tests use the real kinds against the emulator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from reconciler.engine.plan import fingerprint
from reconciler.errors import AwsError
from reconciler.kinds.base import JsonDict, LiveObject, Risk


@dataclass
class FakeKind:
    kind: str
    wave: int
    store: dict[str, tuple[JsonDict, str | None]] = field(default_factory=dict)
    fail_on: set[tuple[str, str]] = field(default_factory=set)  # (operation, name)
    replace_fields: frozenset[str] = frozenset()
    taggable: bool = True
    singleton: bool = False
    iam_actions: ClassVar[frozenset[str]] = frozenset({"ses:Fake"})
    calls: list[tuple[str, str]] = field(default_factory=list)
    parent_owner: Any = None  # name -> owner, for untaggable children

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        return dict(spec)

    def read_live(self, gateway: Any, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        wanted = self.store if names is None else {n: self.store[n] for n in names if n in self.store}
        return {
            n: LiveObject(n, dict(v), self._owner(n, owner), fingerprint([v, owner]))
            for n, (v, owner) in sorted(wanted.items())
        }

    def _owner(self, name: str, owner: str | None) -> str | None:
        # Like the real EventDestination kind: an untaggable child carries its parent's owner.
        return owner if self.taggable else (self.parent_owner(name) if self.parent_owner else None)

    def fill_unmanaged(self, desired: JsonDict, live: JsonDict | None) -> JsonDict:
        return desired

    def replace_reason(self, before: JsonDict, after: JsonDict) -> str | None:
        changed = sorted(f for f in self.replace_fields if before.get(f) != after.get(f))
        return f"{', '.join(changed)} cannot change in place" if changed else None

    def _call(self, op: str, name: str) -> None:
        self.calls.append((op, name))
        if (op, name) in self.fail_on:
            raise AwsError(f"{op} {name}: boom", code="InternalFailure", hint="try again")

    def create(self, gateway: Any, name: str, desired: JsonDict, stack: str) -> None:
        self._call("create", name)
        self.store[name] = (dict(desired), stack if self.taggable else None)

    def update(
        self, gateway: Any, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        self._call("update", name)
        self.store[name] = (dict(desired), self.store[name][1])

    def delete(self, gateway: Any, name: str, live: LiveObject) -> None:
        self._call("delete", name)
        del self.store[name]

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        if after is not None and after.get("sending_enabled") is False:
            return [Risk("sending_disabled", "high", f"{name} stops sending")]
        return []


def fake_kinds() -> dict[str, Any]:
    sets = FakeKind("ConfigurationSet", 20)

    def set_owner(name: str) -> str | None:
        entry = sets.store.get(name.split("/", 1)[0])
        return entry[1] if entry else None

    return {
        "DedicatedIpPool": FakeKind("DedicatedIpPool", 10, replace_fields=frozenset({"scaling_mode"})),
        "ConfigurationSet": sets,
        "EventDestination": FakeKind("EventDestination", 30, taggable=False, parent_owner=set_owner),
        "EmailTemplate": FakeKind("EmailTemplate", 50),
    }
