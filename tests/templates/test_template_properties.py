"""Property tests: whatever the template and data, the renderer fails only with its own errors,
with positions inside the source; and analyze() covers every variable rendering looks up."""

from __future__ import annotations

import math
import random
import re
from typing import Any

import hbs_gen
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from render_both import compile_template

from reconciler.templates import RenderError, TemplateError, analyze
from reconciler.templates.runtime import js_number, js_number_general

FRAGMENTS = [
    "{{", "}}", "{{{", "}}}", "{{#", "{{/", "{{^", "{{else", "{{>", "{{!", "{{!--", "--}}", "{{~", "~}}",
    "if", "each", "with", "unless", "lookup", "log", "inline", "*", "a", "b.c", "../", "this", ".", "@index",
    "@root", "as |x|", "x", "=", '"s"', "'t'", "1", "-2.5", "true", "null", "(", ")", "[", "]", "\\", " ",
    "\n", "\r\n", "\t", "<p>", "&", "/", "|", "é",
]  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.sampled_from("abcx"), children, max_size=3)
    ),
    max_leaves=8,
)


def _check_position(err: TemplateError, source: str) -> None:
    lines = source.split("\n")
    assert 1 <= err.line <= len(lines), (err, source)
    assert 1 <= err.column <= len(lines[err.line - 1]) + 1, (err, source)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join), json_values, st.booleans())
def test_only_template_errors_with_positions_inside_the_source(source: str, data: Any, escape: bool) -> None:
    try:
        template = compile_template(source, escape=escape)
    except TemplateError as err:
        _check_position(err, source)
        return
    for options in ({}, {"strict": False}, {"null_is_missing": False}):
        try:
            template.render(data, **options)
        except RenderError as err:
            _check_position(err, source)
    try:
        analyze(source)
    except TemplateError:  # pragma: no cover - compile_template accepted it
        raise AssertionError("analyze refused what compile_template accepted") from None


@settings(max_examples=100, deadline=None)
@given(st.randoms(use_true_random=False), json_values)
def test_generated_templates_render_any_data_without_foreign_errors(rng: random.Random, data: Any) -> None:
    source = hbs_gen.TemplateGen(rng).template()
    template = compile_template(source)
    for root in (data, hbs_gen.root_data(rng)):
        try:
            template.render(root)
        except RenderError as err:
            _check_position(err, source)
            assert err.variable and err.part == "html"


def _data_for(paths: set[str]) -> dict[str, Any] | None:
    """JSON data holding every path of a contract ("items[].name" -> a one-element list);
    None if two paths need different shapes at the same place."""
    root: dict[str, Any] = {}
    for path in sorted(paths, key=len):
        node: Any = root
        steps = path.replace("[]", ".[]").split(".")
        for i, step in enumerate(steps):
            last = i == len(steps) - 1
            if step == "[]":
                if not isinstance(node, list):
                    return None
                if not node:
                    node.append("x" if last else {})
                node = node[0]
                continue
            if not isinstance(node, dict):
                return None
            nxt = steps[i + 1] if not last else None
            want: Any = "x" if last else ([] if nxt == "[]" else {})
            current = node.setdefault(step, want)
            if current == "x" and not last:
                node[step] = current = want
            if not last and type(current) is not type(want):
                return None
            node = current
    return root


PLAIN_SECTION = re.compile(r"\{\{#(?!each\b|if\b|unless\b|with\b)")


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False))
def test_data_holding_the_whole_contract_renders(rng: random.Random) -> None:
    """analyze() is consistent with rendering: data containing every required and optional
    path renders in strict mode without a RenderError."""
    source = hbs_gen.TemplateGen(rng, parent_paths=False).template()
    contract = analyze(source)
    paths = set(contract.required | contract.optional)
    assume(not any(p.startswith("[]") for p in paths))  # {{#each this}} over the root object
    # {{#d}}{{#each this}}{{b}}{{/each}}{{/d}}: the contract says d[].b (this is d, iterated), but
    # a plain section over a list iterates it too, so no data fits both readings; the contract
    # cannot name "d is a list of lists" and this test's data builder cannot either.
    assume(not ("{{#each this" in source and PLAIN_SECTION.search(source)))
    data = _data_for(paths)
    assume(data is not None)
    compile_template(source).render(data)


@settings(max_examples=100, deadline=None)
@given(st.randoms(use_true_random=False))
def test_required_paths_are_reported_when_missing(rng: random.Random) -> None:
    """Removing the data leaves nothing to render: a template with a required path fails on
    empty data, one without renders."""
    source = hbs_gen.TemplateGen(rng).template()
    contract = analyze(source)
    template = compile_template(source)
    if contract.required:
        try:
            template.render({})
        except RenderError as err:
            assert err.variable
            return
        raise AssertionError(f"{source!r} rendered without its required {sorted(contract.required)}")


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=-1e17, max_value=1e17),
        st.floats(min_value=-1e-3, max_value=1e-3),
        st.integers(min_value=-(2**70), max_value=2**70),
    )
)
def test_fast_number_printing_agrees_with_the_general_algorithm(value: float) -> None:
    assert js_number(value) == js_number_general(value)


number_like = st.one_of(
    st.sampled_from([0, 1, -1, 0.0, -0.0, 1.0, True, False, 2**53, float(2**53), 2**53 + 1, 1e21, 10**21]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(number_like, min_size=1, max_size=8), st.booleans())
def test_printed_numbers_do_not_depend_on_what_was_printed_before(values: list[Any], escape: bool) -> None:
    """runtime.NUMBER_TEXT keys printed numbers by value, where True == 1 == 1.0 and
    0 == -0.0: whatever was printed before, in whichever order, each value prints as the
    uncached algorithm prints it, strict lookups and ``{{this}}`` alike, both renderers."""
    template = compile_template("{{#each xs}}{{this}}/{{/each}}|{{#each ys}}{{v}}/{{/each}}", escape=escape)
    for order in (values, values[::-1]):
        text = "".join(f"{str(v).lower() if type(v) is bool else js_number_general(v)}/" for v in order)
        assert template.render({"xs": order, "ys": [{"v": v} for v in order]}) == f"{text}|{text}"


def test_the_printed_number_cache_stays_bounded() -> None:
    from reconciler.templates import runtime

    template = compile_template("{{#each xs}}{{this}},{{/each}}")
    values = [i + 0.5 for i in range(runtime.NUMBER_TEXT_LIMIT * 2 + 7)] + [math.nan] * 50
    assert template.render({"xs": values}) == ",".join(js_number_general(v) for v in values) + ","
    assert len(runtime.NUMBER_TEXT) <= runtime.NUMBER_TEXT_LIMIT
    assert not any(k != k for k in runtime.NUMBER_TEXT)  # noqa: PLR0124 no NaN stored
