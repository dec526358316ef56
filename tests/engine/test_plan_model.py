from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.engine.diff import _reported_paths, deepdiff_paths, diff
from reconciler.engine.ordering import order_steps, sort_changes
from reconciler.engine.plan import (
    REPLACE,
    Action,
    FieldChange,
    Plan,
    PlanDiagnostic,
    ResourceChange,
    Source,
    TextDiff,
    canonical_json,
)
from reconciler.engine.planfile import parse_plan, plan_from_data
from reconciler.errors import PlanError
from reconciler.kinds.base import Risk

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
json_dicts = st.dictionaries(st.text(min_size=1, max_size=6), json_values, max_size=4)
KINDS = {"DedicatedIpPool": 10, "ConfigurationSet": 20, "EventDestination": 30, "EmailTemplate": 50}
ACTIONS = [(Action.CREATE,), (Action.UPDATE,), (Action.DELETE,), REPLACE]


@st.composite
def changes(draw: st.DrawFn) -> ResourceChange:
    kind = draw(st.sampled_from(sorted(KINDS)))
    before, after = draw(json_dicts), draw(json_dicts)
    return ResourceChange(
        kind=kind,
        name=draw(st.text("abcxyz-_", min_size=1, max_size=6)),
        actions=draw(st.sampled_from(ACTIONS)),
        wave=KINDS[kind],
        reason=draw(st.sampled_from([None, "not_in_live", "removed_from_manifests"])),
        fields=diff(before, after),
        text_diffs=tuple(
            draw(st.lists(st.builds(TextDiff, st.sampled_from(["html", "text"]), st.text()), max_size=2))
        ),
        risks=tuple(
            draw(st.lists(st.builds(Risk, st.just("delete"), st.just("high"), st.text()), max_size=1))
        ),
        source=draw(st.one_of(st.none(), st.builds(Source, st.text(min_size=1), st.integers(0, 99)))),
        before=before,
        after=after,
        depends_on=tuple(draw(st.lists(st.text(min_size=1, max_size=5), max_size=2))),
    )


plans = st.builds(
    Plan,
    changes=st.lists(changes(), max_size=5).map(sort_changes),
    stack=st.text(max_size=5),
    live_objects=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=4),
    unmanaged=st.lists(st.text(max_size=5), max_size=2).map(tuple),
    pending_prune=st.lists(st.text(max_size=5), max_size=2).map(tuple),
    no_op=st.integers(0, 9),
    diagnostics=st.lists(
        st.builds(PlanDiagnostic, st.just("W4002"), st.just("warning"), st.text()), max_size=1
    ).map(tuple),
    prune=st.booleans(),
)


@settings(max_examples=30, deadline=None)
@given(plans)
def test_json_round_trip(plan: Plan) -> None:
    assert parse_plan(plan.to_json()) == plan
    assert parse_plan(plan.to_json(indent=None)).checksum == plan.checksum


def _shuffled(value: object, rng: random.Random) -> object:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@settings(max_examples=25, deadline=None)
@given(plans, st.integers(0, 2**16))
def test_checksum_independent_of_dict_order(plan: Plan, seed: int) -> None:
    data = _shuffled(json.loads(plan.to_json()), random.Random(seed))
    assert isinstance(data, dict)
    assert Plan.from_dict(data).checksum == plan.checksum
    assert Plan.from_dict(data).live_fingerprint == plan.live_fingerprint


@settings(max_examples=30, deadline=None)
@given(st.lists(changes(), max_size=8))
def test_order_deletes_after_creates_in_descending_wave(items: list[ResourceChange]) -> None:
    steps = order_steps(items)
    pure = [i for i, s in enumerate(steps) if s.change.is_delete]
    forward = [i for i, s in enumerate(steps) if s.action != Action.DELETE]
    assert not pure or not forward or min(pure) > max(forward)
    assert [steps[i].change.wave for i in pure] == sorted((steps[i].change.wave for i in pure), reverse=True)
    assert [steps[i].change.wave for i in forward] == sorted(steps[i].change.wave for i in forward)
    for i, step in enumerate(steps):  # a replace deletes before it creates
        if step.change.is_replace and step.action == Action.CREATE:
            assert any(s.change is step.change and s.action == Action.DELETE for s in steps[:i])


@settings(max_examples=30, deadline=None)
@given(json_dicts, json_dicts)
def test_diff_is_empty_exactly_when_equal(a: dict[str, object], b: dict[str, object]) -> None:
    assert diff(a, a) == ()
    assert (diff(a, b) == ()) == (canonical_json(_strip_none(a)) == canonical_json(_strip_none(b)))


@settings(max_examples=40, deadline=None)
@given(json_dicts)
def test_creates_and_deletes_report_what_deepdiff_reports(b: dict[str, object]) -> None:
    """diff() skips deepdiff when one side is empty (a create or a delete); it must find
    the same paths deepdiff would."""
    assert sorted(map(str, _reported_paths({}, b))) == sorted(map(str, deepdiff_paths({}, b)))
    assert sorted(map(str, _reported_paths(b, {}))) == sorted(map(str, deepdiff_paths(b, {})))


# Values equal to Python but not to deepdiff or JSON: 1, 1.0 and True; 0.0 and -0.0.
close_scalars = st.sampled_from([0, 1, 1.0, 0.0, -0.0, True, False, None, "1", float("nan")])
close_dicts = st.dictionaries(
    st.sampled_from(["a", "b"]),
    st.recursive(
        close_scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=2), st.dictionaries(st.sampled_from(["x", "y"]), inner, max_size=2)),
        max_leaves=4,
    ),
    min_size=1,
    max_size=2,
)


@settings(max_examples=60, deadline=None)
@given(close_dicts, close_dicts)
def test_unchanged_objects_report_what_deepdiff_reports(a: dict[str, object], b: dict[str, object]) -> None:
    """diff() skips deepdiff when both sides are the same, type for type; the pairs drawn are
    often equal to Python and not to deepdiff, so the shortcut must find the same paths."""
    for x, y in ((a, b), (a, json.loads(json.dumps(a))), (a, {**a, **b})):
        assert sorted(map(str, _reported_paths(x, y))) == sorted(map(str, deepdiff_paths(x, y)))


def _strip_none(value: object) -> object:
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


def test_diff_paths_and_ops() -> None:
    before = {"a": 1, "opts": {"tls": "OPTIONAL", "gone": True}, "dims": [{"n": "x"}], "tags": {"a.b": "1"}}
    after = {"a": 1, "opts": {"tls": "REQUIRE"}, "dims": [{"n": "y"}, {"n": "z"}], "types": ["BOUNCE"]}
    assert diff(before, after) == (
        FieldChange("dims[0].n", "change", "x", "y"),
        FieldChange("dims[1].n", "add", None, "z"),
        FieldChange("opts.gone", "remove", True, None),
        FieldChange("opts.tls", "change", "OPTIONAL", "REQUIRE"),
        FieldChange('tags["a.b"]', "remove", "1", None),
        FieldChange("types", "add", None, ["BOUNCE"]),
    )


def test_tri_state_suppression_differs() -> None:
    inherit: dict[str, object] = {}
    disabled: dict[str, object] = {"suppression_options": {"suppressed_reasons": []}}
    both = {"suppression_options": {"suppressed_reasons": ["BOUNCE", "COMPLAINT"]}}
    assert diff(inherit, disabled) == (
        FieldChange("suppression_options.suppressed_reasons", "add", None, []),
    )
    assert diff(both, disabled)[0].op == "change"
    assert diff(disabled, inherit)[0].op == "remove"


def test_types_compared_as_json() -> None:
    assert diff({"x": {"y": 1}}, {"x": {"y": True}}) == (FieldChange("x.y", "change", 1, True),)


def test_strings_compared_exactly() -> None:
    assert diff({"subject": "Hi 👋"}, {"subject": "Hi 👋"}) == ()
    assert diff({"subject": "Café"}, {"subject": "Cafe\u0301"}) != ()


def test_edited_plan_is_refused() -> None:
    plan = Plan(changes=(ResourceChange("EmailTemplate", "a", (Action.CREATE,), 50, after={"subject": "x"}),))
    data = json.loads(plan.to_json())
    data["changes"][0]["after"]["subject"] = "y"
    with pytest.raises(PlanError, match="edited"):
        plan_from_data(data)
    data["format_version"] = "9"
    with pytest.raises(PlanError, match="format_version"):
        plan_from_data(data)
    with pytest.raises(PlanError, match="not JSON"):
        parse_plan("{")


def test_text_colour_only_when_asked() -> None:
    from reconciler.engine.render_text import render_text

    plan = Plan(
        changes=(
            ResourceChange(
                "EmailTemplate", "a", (Action.CREATE,), 50, fields=(FieldChange("subject", "add", None, "x"),)
            ),
        )
    )
    assert "\x1b[32m" in render_text(plan, color=True)
    plain = render_text(plan, color=False)
    assert "\x1b[" not in plain
    assert "  + EmailTemplate/a" in plain and plain.endswith(
        "Plan: 1 to create, 0 to update, 0 to delete, 0 to replace.\n"
    )
    assert render_text(Plan(), color=False) == "No changes. Live SES matches the manifests.\n"


def test_the_renderers_do_not_import_click() -> None:
    import subprocess
    import sys

    code = (
        "import sys, reconciler.engine.render_text, reconciler.engine.render_markdown, "
        "reconciler.engine.planfile; print('click' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_diff_rules_where_deepdiff_on_its_own_would_differ() -> None:
    # Mappings with no key in common are still diffed key by key (not one whole new value).
    assert diff({"o": {"a": 1}}, {"o": {"b": 2}}) == (
        FieldChange("o.a", "remove", 1, None),
        FieldChange("o.b", "add", None, 2),
    )
    # Lists of mappings are compared by position: an insert at the front changes every element.
    assert diff({"d": [{"n": "x"}]}, {"d": [{"n": "w"}, {"n": "x"}]}) == (
        FieldChange("d[0].n", "change", "x", "w"),
        FieldChange("d[1].n", "add", None, "x"),
    )
    # A list of values is one value, None elements included; -0.0 is not 0.0 in JSON.
    assert diff({"v": [1, None]}, {"v": [1]}) == (FieldChange("v", "change", [1, None], [1]),)
    assert diff({"x": 0.0}, {"x": -0.0}) == (FieldChange("x", "change", 0.0, -0.0),)
    assert diff({"x": 1}, {"x": 1.0}) == (FieldChange("x", "change", 1, 1.0),)
    assert diff({"t": {"sesctl:stack": "a", "k": None}}, {"t": {}}) == (
        FieldChange('t["sesctl:stack"]', "remove", "a", None),
    )
