"""Property tests: no input makes the loader or validate raise; every problem is a known diagnostic."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.diagnostics import CODES
from reconciler.kinds.registry import KIND_SPECS
from reconciler.manifest import validate
from reconciler.manifest.loader import load_text

FIELD_NAMES = [
    "subject",
    "html",
    "text",
    "defaults",
    "tests",
    "deliveryOptions",
    "maxDeliverySeconds",
    "suppressionOptions",
    "suppressedReasons",
    "matchingEventTypes",
    "snsDestination",
    "topicArn",
    "configurationSet",
    "scalingMode",
    "dedicatedIps",
    "tags",
    "file",
    "name",
    "x",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False),
    st.sampled_from(["BOUNCE", "REQUIRE", "{{x}}", "{{#if", "${v}", "$${", "${env:NOPE}", "", "a" * 70]),
    st.text(max_size=20),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.sampled_from(FIELD_NAMES), children, max_size=4)
    ),
    max_leaves=20,
)
documents = st.fixed_dictionaries(
    {
        "apiVersion": st.sampled_from(["sesctl/v1", "sesctl/v1", "v2", 1]),
        "kind": st.sampled_from([*KIND_SPECS, "Nope", None]),
        "metadata": st.one_of(
            st.fixed_dictionaries({"name": st.sampled_from(["a", "b", "bad name", "x" * 70])}), values
        ),
        "spec": values,
    }
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents, min_size=1, max_size=4))
def test_validate_never_raises(docs: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.yaml"
        path.write_text(yaml.safe_dump_all(docs, allow_unicode=True), encoding="utf-8")
        problems = validate(path, environ={})
    for problem in problems:
        assert problem.code in CODES
        assert problem.file  # every diagnostic is located
        assert problem.line >= 0 and problem.column >= 0


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab: -[]{}\n\t'\"#&*!|>%@`,?\x07é")), max_size=80))
def test_loader_never_raises(text: str) -> None:
    _docs, problems = load_text(text, "f.yaml")
    for problem in problems:
        assert problem.code in ("E1001", "E1003")
        assert problem.line >= 0
