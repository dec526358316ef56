"""Differential test: our renderer against handlebars.js (node) on generated templates and data.

handlebars.js runs with ``{noEscape: true, strict: true}`` (SES-like) and we render with
``null_is_missing=False`` (handlebars.js does not count null as missing). Two handlebars.js
behaviours are not template semantics and are set aside:

* ``{{#if a.b}}`` with ``a`` missing is a JavaScript TypeError in its strict mode; our guards
  never fail (the generator makes one-segment guards, so these are rare; they are skipped).
* its compiled code joins adjacent unescaped values with JavaScript ``+``, so ``{{t}}{{t}}``
  with ``t = true`` prints ``2`` under ``noEscape``. The generated cases therefore run on
  handlebars.js with a compiler that stringifies each value first (``"stringify": true`` in
  hbs_oracle.js, a two-line JavaScriptCompiler subclass); test_plus_quirk pins the difference.
"""

from __future__ import annotations

import random
import re
from typing import Any

import hbs_gen
import node_oracle
import pytest
from render_both import compile_template

from reconciler.templates import RenderError, TemplateError

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not node_oracle.available(), reason="node or handlebars.js (tests/node) missing"),
]

CASES = 400


_STRICT_ERROR = re.compile(r'"(?P<name>.*)" not defined in [\s\S]* - (?P<line>\d+):\d+$')


def _agree(ours: dict[str, str], node: dict[str, str]) -> bool:
    """Same output, or both refuse/fail (error messages differ by design)."""
    return ours == node if "ok" in node else "error" in ours


def _ours(template: str, data: object, *, escape: bool = False, strict: bool = True) -> dict[str, str]:
    try:
        rendered = compile_template(template, escape=escape).render(
            data, strict=strict, null_is_missing=False
        )
        return {"ok": rendered}
    except RenderError as exc:
        return {"error": str(exc), "line": str(exc.line), "variable": exc.variable}
    except TemplateError as exc:
        return {"error": str(exc)}


def _generated(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {"template": hbs_gen.TemplateGen(rng).template(), "data": hbs_gen.root_data(rng), "stringify": True}
        for _ in range(count)
    ]


def test_generated_templates_render_like_handlebars_js_strict() -> None:
    cases = _generated(20261128, CASES)
    compared = located = 0
    mismatches = []
    for case, node in zip(cases, node_oracle.run(cases), strict=True):
        if "error" in node and "Cannot read properties" in node["error"]:
            continue  # handlebars.js TypeError on a guarded path with a missing parent
        compared += 1
        ours = _ours(case["template"], case["data"])
        if not _agree(ours, node):
            mismatches.append((case, node, ours))
        elif (m := _STRICT_ERROR.match(node.get("error", ""))) is not None:
            # the same missing variable, reported on the same line
            located += 1
            if ours.get("line") != m["line"] or not ours.get("variable", "").endswith(m["name"].strip("[]")):
                mismatches.append((case, node, ours))
    assert not mismatches, "\n".join(
        f"{c!r}\n  handlebars.js: {n!r}\n  ours: {o!r}" for c, n, o in mismatches[:5]
    )
    assert compared > CASES * 0.95 and located > CASES * 0.2


def test_generated_templates_render_like_handlebars_js_lenient() -> None:
    """Without strict mode more cases render to the end, so more output gets compared."""
    cases = _generated(7, CASES)
    requests = [{**c, "options": {"noEscape": True}} for c in cases]
    rendered = 0
    mismatches = []
    for case, node in zip(cases, node_oracle.run(requests), strict=True):
        ours = _ours(case["template"], case["data"], strict=False)
        rendered += "ok" in node
        if not _agree(ours, node):
            mismatches.append((case, node, ours))
    assert not mismatches, "\n".join(
        f"{c!r}\n  handlebars.js: {n!r}\n  ours: {o!r}" for c, n, o in mismatches[:5]
    )
    assert rendered > CASES * 0.7


def test_generated_templates_escape_like_handlebars_js_defaults() -> None:
    """escape=True and strict=False are handlebars.js's defaults (HTML escaping on)."""
    cases = _generated(11, CASES // 2)
    requests = [{**c, "options": {}} for c in cases]
    mismatches = []
    for case, node in zip(cases, node_oracle.run(requests), strict=True):
        ours = _ours(case["template"], case["data"], escape=True, strict=False)
        if not _agree(ours, node):
            mismatches.append((case, node, ours))
    assert not mismatches, "\n".join(
        f"{c!r}\n  handlebars.js: {n!r}\n  ours: {o!r}" for c, n, o in mismatches[:5]
    )


def test_plus_quirk() -> None:
    """Plain handlebars.js adds adjacent booleans/numbers under noEscape; we print each value."""
    case: dict[str, Any] = {"template": "{{t}}{{t}} {{{n}}}{{{n}}}", "data": {"t": True, "n": 1}}
    assert node_oracle.run([case]) == [{"ok": "2 11"}]
    assert node_oracle.run([{**case, "stringify": True}]) == [{"ok": "truetrue 11"}]
    assert _ours(case["template"], case["data"]) == {"ok": "truetrue 11"}


def test_hand_picked_cases_match_handlebars_js() -> None:
    """Corners worth pinning by name: numbers, arrays, objects, sections on 0 and "", key order."""
    cases = [
        ("{{n}}", {"n": 1e21}),
        ("{{n}}", {"n": 1.0}),
        ("{{n}}", {"n": 1e-7}),
        ("{{n}}", {"n": 0.000001}),
        ("{{n}}", {"n": -0.0}),
        ("{{n}}", {"n": 123456789012345678901234}),
        ("{{n}}", {"n": 2**60}),
        ("{{n}}", {"n": 5e-324}),
        ("{{n}}", {"n": [1, [2, None, True], {"a": 1}]}),
        ("{{#foo}}x{{/foo}}", {"foo": 0}),
        ("{{#foo}}[{{.}}]{{/foo}}", {"foo": ""}),
        ("{{^foo}}x{{/foo}}", {"foo": 0}),
        ("{{#foo}}x{{/foo}}", {}),
        ("{{#each a}}{{@index}}{{@key}}{{@first}}{{@last}};{{/each}}", {"a": {"x": 1, "2": 2, "1": 3}}),
        ("{{#with a}}[{{.}}]{{else}}no{{/with}}", {"a": 0}),
        ("{{#if a includeZero=true}}y{{else}}n{{/if}}", {"a": 0}),
        ("{{a.length}} {{a.[1]}} {{a.0.b}}", {"a": [{"b": 3}, 2]}),
        ('{{#*inline "p"}}[{{x}}]{{/inline}}{{> p y}} {{> p x=1}} {{> p}}', {"x": 0, "y": {"x": 2}}),
        ('{{#with y}}{{#*inline "p"}}{{../x}}{{/inline}}{{> p}}{{/with}}', {"x": "X", "y": {"x": 2}}),
        ("{{elsewhere}}", {"elsewhere": 1}),
        ("a\n  {{#if x}}\n  b\n  {{/if}}\nc", {"x": True}),
        ("\\{{a}} \\\\{{a}}", {"a": 1}),
        ("{{a}}", {"a": None}),
        ("{{missing}}", {}),
        ("{{#each a}}{{../b}}{{/each}}", {"a": [1], "b": "B"}),
        # contexts compare with JavaScript's loose ==: 1 inside [1] keeps the depth chain
        ("{{#each e}}{{#each this}}({{../b}}){{/each}}{{/each}}", {"e": [[1]], "b": "B"}),
        ("{{#each e}}{{#this}}({{../b}}){{/this}}{{/each}}", {"e": {"d": ["1"]}, "b": "B"}),
        # block parameters shadow @data names
        ("{{#each this as |item key|}}{{#each this}}{{@key}}:{{/each}}{{/each}}", {"c": {"c": 1, "d": 2}}),
        # built-in helpers see an empty object for a null context (handlebars.js's nullContext)
        (
            "{{#each a}}[{{this}}]{{#if 1}}({{this}}){{/if}}{{#x}}{{else}}<{{this}}>{{/x}}{{/each}}",
            {"a": [None]},
        ),
    ]
    answers = node_oracle.run([{"template": t, "data": d} for t, d in cases])
    for (template, data), node in zip(cases, answers, strict=True):
        ours = _ours(template, data, escape=False)
        if "error" in node:
            assert "error" in ours, (template, data, node, ours)
        else:
            assert ours == node, (template, data)


def test_lookup_keys_are_stringified_like_javascript() -> None:
    cases = [
        ("{{lookup a k}}", {"a": {"undefined": "U", "null": "N", "1": "one"}}),
        ("{{lookup a k}}", {"a": {"undefined": "U", "null": "N"}, "k": None}),
        ("{{lookup a 1.0}}", {"a": {"1": "one"}}),
        ("{{lookup a k}}", {"a": ["x", "y"], "k": 1}),
        ("{{lookup a k}}", {"a": 0, "k": "x"}),
    ]
    answers = node_oracle.run([{"template": t, "data": d} for t, d in cases])
    for (template, data), node in zip(cases, answers, strict=True):
        assert _ours(template, data, escape=False) == node, (template, data)
