"""Property: for random valid manifests, apply converges (the next plan is empty), a second
apply has nothing to do, and the kinds' normalization is idempotent (Pulumi's lifecycle fuzzing)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from engine_support import apply, plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.kinds.registry import KINDS

names = st.text("abcdefghij-", min_size=1, max_size=6).filter(lambda s: s[0] != "-")
texts = st.text(st.sampled_from(list("ab \n<>é👋{}")), min_size=1, max_size=20).filter(
    lambda s: "{{" not in s and "}}" not in s
)
reasons = st.none() | st.lists(st.sampled_from(["BOUNCE", "COMPLAINT"]), unique=True)
events = st.lists(
    st.sampled_from(["BOUNCE", "COMPLAINT", "SEND", "DELIVERY", "OPEN"]), min_size=1, unique=True
)
tags = st.dictionaries(st.sampled_from(["team", "env", "cost"]), st.sampled_from(["a", "b", "ü"]), max_size=2)


@st.composite
def stacks(draw: st.DrawFn) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for name in draw(st.lists(names, max_size=3, unique=True)):
        spec: dict[str, Any] = {
            "subject": draw(texts).replace("\n", " "),
            "html": draw(texts),
            "tags": draw(tags),
        }
        if draw(st.booleans()):
            spec["text"] = draw(texts)
        docs.append({"kind": "EmailTemplate", "metadata": {"name": name}, "spec": spec})
    for name in draw(st.lists(names, max_size=2, unique=True)):
        spec = {
            "sendingOptions": {"sendingEnabled": draw(st.booleans())},
            "deliveryOptions": {"tlsPolicy": draw(st.sampled_from(["REQUIRE", "OPTIONAL"]))},
            "tags": draw(tags),
        }
        suppressed = draw(reasons)
        if suppressed is not None:  # absent = inherit, [] = disabled, [...] = these reasons
            spec["suppressionOptions"] = {"suppressedReasons": suppressed}
        docs.append({"kind": "ConfigurationSet", "metadata": {"name": name}, "spec": spec})
        for destination in draw(st.lists(names, max_size=2, unique=True)):
            docs.append(
                {
                    "kind": "EventDestination",
                    "metadata": {"name": destination},
                    "spec": {
                        "configurationSet": name,
                        "enabled": draw(st.booleans()),
                        "matchingEventTypes": draw(events),
                        "eventBridgeDestination": {
                            "eventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"
                        },
                    },
                }
            )
    return docs


def write(root: Path, docs: list[dict[str, Any]]) -> None:
    (root / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: Project\nstack: prop\nmanifests: manifests\n"
    )
    manifests = root / "manifests"
    manifests.mkdir()
    (manifests / "all.yaml").write_text(
        yaml.safe_dump_all([{"apiVersion": "sesctl/v1", **d} for d in docs], allow_unicode=True)
        if docs
        else "",
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stacks())
def test_apply_converges(emulator: Any, docs: list[dict[str, Any]]) -> None:
    emulator.reset()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root, docs)
        if not docs:
            return
        first = apply(root, emulator)
        assert first.result is not None and first.result.ok, first.result
        after = plan(root, emulator)
        assert not after.plan.has_changes, after.plan.to_json()
        assert apply(root, emulator).result is None  # a second apply has nothing to do
        for address, obj in after.live.items():
            assert obj is not None
            kind = KINDS[address.split("/", 1)[0]]
            assert kind.normalize_live(obj.raw) == obj.normalized  # normalization is idempotent
