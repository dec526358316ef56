"""What is specific to SES: no escaping, strict missing-variable errors with exact positions,
null as missing, JavaScript values, the bulk merge rule, the inline-template restriction and
refusals of what SES cannot run."""

from __future__ import annotations

import pytest
from render_both import compile_template

from reconciler.templates import (
    RenderError,
    TemplateError,
    TemplateSyntaxError,
    merge_template_data,
    render_email,
)
from reconciler.templates.runtime import js_number


def render(source: str, data: object, **options: bool) -> str:
    return compile_template(source).render(data, **options)


# -- escaping ------------------------------------------------------------------------------
def test_ses_does_not_escape_html() -> None:
    assert render("{{x}}|{{{x}}}|{{&x}}", {"x": "<a href=\"?a=1&b='2'\">`</a>"}) == (
        "<a href=\"?a=1&b='2'\">`</a>|" * 2 + "<a href=\"?a=1&b='2'\">`</a>"
    )


def test_escape_option_is_handlebars_js_escaping() -> None:
    template = compile_template("{{x}}|{{{x}}}", escape=True)
    assert template.render({"x": "&<>\"'`="}) == "&amp;&lt;&gt;&quot;&#x27;&#x60;&#x3D;|&<>\"'`="


# -- strict mode ---------------------------------------------------------------------------
def test_missing_variable_names_part_line_column_and_variable() -> None:
    source = "<p>Hello</p>\n<p>  {{user.first_name}}</p>"
    with pytest.raises(RenderError) as info:
        compile_template(source, part="html").render({"user": {}})
    err = info.value
    assert (err.part, err.line, err.column, err.variable) == ("html", 2, 8, "user.first_name")
    assert source.splitlines()[err.line - 1][err.column - 1 :].startswith("user.first_name")
    assert str(err) == "html:2:8: Attribute 'user.first_name' is not present in the rendering data."


def test_missing_parent_object_is_an_error_too() -> None:
    with pytest.raises(RenderError) as info:
        render("{{a.b.c}}", {})
    assert info.value.variable == "a.b.c"


@pytest.mark.parametrize(
    "source",
    [
        "{{#if nope}}{{nope}}{{/if}}",
        "{{#unless nope}}ok{{/unless}}",
        "{{#each nope}}{{name}}{{/each}}",
        "{{#with nope}}{{name}}{{/with}}",
        "{{#each nope}}x{{else}}empty{{/each}}",
        "{{lookup nope 'x'}}",
        "{{log nope}}",
    ],
)
def test_guarded_lookups_do_not_fail(source: str) -> None:
    render(source, {})


def test_errors_inside_blocks_point_at_the_variable() -> None:
    source = "{{#each items}}\n  - {{name}} {{price}}\n{{/each}}"
    with pytest.raises(RenderError) as info:
        render(source, {"items": [{"name": "a", "price": 1}, {"name": "b"}]})
    assert (info.value.line, info.value.column, info.value.variable) == (2, 16, "price")
    assert info.value.path == "items[].price"


def test_render_errors_carry_the_data_path() -> None:
    source = "{{#with order}}{{#each lines}}{{../currency}}{{sku}}{{/each}}{{/with}}{{@root.shop.name}}"
    template = compile_template(source)
    with pytest.raises(RenderError) as info:
        template.render({"order": {"lines": [{"sku": 1}]}})
    assert (info.value.variable, info.value.path) == ("../currency", "order.currency")
    with pytest.raises(RenderError) as info:
        template.render({"order": {"currency": "EUR", "lines": [{}]}})
    assert (info.value.variable, info.value.path) == ("sku", "order.lines[].sku")
    with pytest.raises(RenderError) as info:
        template.render({"order": {}})
    assert (info.value.variable, info.value.path) == ("@root.shop.name", "shop.name")


def test_section_on_a_missing_name_is_strict_as_in_handlebars_js() -> None:
    with pytest.raises(RenderError):
        render("{{#nope}}x{{/nope}}", {})
    assert render("{{#nope}}x{{/nope}}", {}, strict=False) == ""


def test_at_variables_outside_each_are_missing() -> None:
    with pytest.raises(RenderError) as info:
        render("{{@index}}", {})
    assert info.value.variable == "@index"


def test_strict_off_prints_nothing_for_missing() -> None:
    assert render("[{{a.b}}{{c}}]", {}, strict=False) == "[]"


# -- null ----------------------------------------------------------------------------------
def test_null_counts_as_missing_by_default() -> None:
    with pytest.raises(RenderError) as info:
        render("{{website}}", {"website": None})
    assert "null" in info.value.reason
    assert info.value.variable == "website"


def test_null_prints_empty_when_null_is_not_missing() -> None:
    assert render("[{{website}}]", {"website": None}, null_is_missing=False) == "[]"


def test_null_under_a_guard_is_fine() -> None:
    assert render("{{#if website}}{{website}}{{else}}none{{/if}}", {"website": None}) == "none"


# -- JavaScript values ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (1.0, "1"),
        (100.0, "100"),
        (1.5, "1.5"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (123456789012345680000.0, "123456789012345680000"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (1e16, "10000000000000000"),
        (2**53, "9007199254740992"),
        (2**64, "18446744073709552000"),
        (10**25, "1e+25"),
        (-1e-7, "-1e-7"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (float("inf"), "Infinity"),
        (float("nan"), "NaN"),
    ],
)
def test_numbers_print_like_javascript(value: float, printed: str) -> None:
    assert js_number(value) == printed
    assert render("{{n}}", {"n": value}) == printed


def test_stringification_like_javascript() -> None:
    data = {"t": True, "f": False, "arr": [1, [2, None, "x"], {"k": 1}, True], "obj": {"a": 1}, "empty": []}
    assert (
        render("{{t}} {{f}} {{arr}} {{obj}} [{{empty}}]", data)
        == "true false 1,2,,x,[object Object],true [object Object] []"
    )


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        ([], False),
        ({}, True),
        ("0", True),
        ("", False),
        (0, False),
        (0.0, False),
        ("false", True),
        ([0], True),
    ],
)
def test_if_truthiness_like_javascript(value: object, truthy: bool) -> None:
    assert render("{{#if v}}T{{else}}F{{/if}}", {"v": value}) == ("T" if truthy else "F")


def test_each_iterates_objects_in_javascript_key_order() -> None:
    data = {"o": {"b": 1, "a": 2, "10": 3, "2": 4}}
    assert (
        render("{{#each o}}{{@key}}={{this}}{{#unless @last}},{{/unless}}{{/each}}", data)
        == "2=4,10=3,b=1,a=2"
    )


def test_else_if_chains_and_with_else() -> None:
    source = "{{#if a}}A{{else if b}}B{{else if c}}C{{else}}D{{/if}}|{{#with w}}W{{else}}no-w{{/with}}"
    assert render(source, {"a": 0, "b": "", "c": [1]}) == "C|no-w"


# -- merge rule ----------------------------------------------------------------------------
def test_bulk_merge_is_per_key_recursive_for_objects() -> None:
    defaults = {"user": {"name": "default", "plan": "free"}, "items": [1, 2], "greeting": "Hi", "n": 1}
    replacement = {"user": {"name": "Ada"}, "items": [3], "n": None}
    merged = merge_template_data(defaults, replacement)
    assert merged == {"user": {"name": "Ada", "plan": "free"}, "items": [3], "greeting": "Hi", "n": None}
    assert defaults["user"] == {"name": "default", "plan": "free"}  # inputs untouched


def test_bulk_merge_replaces_objects_with_scalars_and_back() -> None:
    assert merge_template_data({"a": {"b": 1}}, {"a": "x"}) == {"a": "x"}
    assert merge_template_data({"a": "x"}, {"a": {"b": 1}}) == {"a": {"b": 1}}
    assert merge_template_data({"a": [{"b": 1}]}, {"a": [{"c": 2}]}) == {"a": [{"c": 2}]}
    assert merge_template_data({"a": 1}, {}) == {"a": 1}


# -- inline templates ----------------------------------------------------------------------
def test_inline_templates_allow_simple_substitution() -> None:
    template = compile_template("Hi {{name}}, {{{user.html}}} {{! note }}", part="inline", inline=True)
    assert template.render({"name": "Ada", "user": {"html": "<b>"}}) == "Hi Ada, <b> "


@pytest.mark.parametrize(
    ("source", "column"),
    [
        ("Hi {{#if a}}x{{/if}}", 4),
        ("Hi\n {{#each a}}x{{/each}}", 2),
        ('{{#*inline "p"}}x{{/inline}}', 1),
        ("ab {{lookup a 'b'}}", 4),
        ("{{log a}}", 1),
    ],
)
def test_inline_templates_refuse_anything_else_with_a_position(source: str, column: int) -> None:
    with pytest.raises(TemplateSyntaxError) as info:
        compile_template(source, part="inline", inline=True)
    assert "Template contains unsupported operations" in info.value.reason
    assert info.value.column == column
    assert info.value.part == "inline"


# -- refusals ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "line", "column", "words"),
    [
        ("x\n  {{foo bar}}", 2, 3, "custom helper 'foo'"),
        ("{{#foo bar}}x{{/foo}}", 1, 1, "custom helper 'foo'"),
        ("{{formatDate when format='short'}}", 1, 1, "custom helper 'formatDate'"),
        ("{{a.b c}}", 1, 1, "custom helper 'a.b'"),
        ("{{#each (filter items)}}{{/each}}", 1, 9, "subexpressions"),
        ("{{* decorator}}", 1, 1, "decorators"),
        ("{{#*deco}}x{{/deco}}", 1, 1, "decorator 'deco'"),
        ("{{#> layout}}x{{/layout}}", 1, 1, "partial blocks"),
        ("a {{> footer}}", 1, 3, "unknown partial 'footer'"),
        ("{{{{raw}}}}x{{{{/raw}}}}", 1, 1, "raw blocks"),
        ("{{#each}}x{{/each}}", 1, 1, "#each requires"),
        ("{{#if a b}}x{{/if}}", 1, 1, "#if requires exactly one argument"),
        ("{{#with}}x{{/with}}", 1, 1, "#with requires"),
        ("{{if a}}", 1, 1, "block helper"),
        ("{{helperMissing}}", 1, 1, "internal handlebars.js hook"),
        ("{{#if a}}x", 1, 11, "unexpected end of template"),
        ("{{#if a}}x{{/each}}", 1, 11, "if doesn't match each"),
        ("{{/if}}", 1, 1, "closing tag"),
        ("{{else}}", 1, 1, "'else' outside of a block"),
        ("{{a", 1, 1, "unclosed tag"),
        ("{{{a}}", 1, 5, "mismatched braces"),
        ("{{foo/../bar}}", 1, 3, "invalid path: foo/.."),
        ("x\n\n   {{!-- never closed", 3, 4, "unterminated comment"),
        ('{{#*inline "p"}}a{{else}}b{{/inline}}', 1, 18, "else"),
        ("{{#if a includeZero=true extra=1}}x{{/if}}", 1, 1, "extra="),
        ("{{#unless a as |x|}}x{{/unless}}", 1, 1, "block parameters"),
    ],
)
def test_refusals_carry_positions(source: str, line: int, column: int, words: str) -> None:
    with pytest.raises(TemplateSyntaxError) as info:
        compile_template(source, part="html")
    err = info.value
    assert words in err.reason
    assert (err.part, err.line, err.column) == ("html", line, column)


def test_inline_partials_are_supported_with_context_hash_and_indentation() -> None:
    source = (
        '{{#*inline "row"}}<li>{{label}}: {{value}}</li>\n{{/inline}}'
        "<ul>\n"
        "  {{> row label='Name' value=user.name}}\n"
        "  {{#each extras}}\n"
        "  {{> row}}\n"
        "  {{/each}}\n"
        "</ul>"
    )
    data = {"user": {"name": "Ada"}, "extras": [{"label": "Plan", "value": "pro"}]}
    assert render(source, data) == "<ul>\n  <li>Name: Ada</li>\n  <li>Plan: pro</li>\n</ul>"


def test_partial_scoped_to_its_block_is_unknown_outside() -> None:
    with pytest.raises(TemplateSyntaxError, match="unknown partial 'p'"):
        compile_template('{{#with a}}{{#*inline "p"}}x{{/inline}}{{/with}}{{> p}}')


def test_recursive_inline_partial_depth_is_bounded() -> None:
    template = compile_template('{{#*inline "r"}}{{#each kids}}({{> r}}){{/each}}{{/inline}}{{> r}}')
    assert template.render({"kids": [{"kids": [{"kids": []}]}, {"kids": []}]}) == "(())()"
    node: dict[str, object] = {"kids": []}
    for _ in range(3000):
        node = {"kids": [node]}
    with pytest.raises(RenderError, match="too deeply"):
        template.render(node)


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ("{{#each a}}\n" * 19 + "x" + "{{/each}}" * 19, 19, 1),  # Python: at most 20 nested loops
        ("{{#if a}}" * 95 + "x" + "{{/if}}" * 95, 1, 9 * 90 + 1),  # Python: about 100 indent levels
        ("{{#if a}}" * 101 + "x" + "{{/if}}" * 101, 1, 9 * 100 + 1),  # the parser's own limit
    ],
)
def test_nesting_limits_are_refused_with_a_position(source: str, line: int, column: int) -> None:
    with pytest.raises(TemplateSyntaxError, match="nested") as info:
        compile_template(source)
    assert (info.value.line, info.value.column) == (line, column)


def test_eighteen_nested_loops_compile() -> None:
    source = "".join(f"{{{{#each l{i}}}}}" for i in range(18)) + "{{x}}" + "{{/each}}" * 18
    assert compile_template(source).render({}) == ""


# -- render_email --------------------------------------------------------------------------
def test_render_email_renders_each_part_and_names_the_failing_one() -> None:
    email = render_email("Hi {{name}}", "<p>{{name}}</p>", None, {"name": "Ada"})
    assert (email.subject, email.html, email.text) == ("Hi Ada", "<p>Ada</p>", None)
    with pytest.raises(RenderError) as info:
        render_email("Hi", "<p>ok</p>", "Dear {{name}},\nyour code is {{code}}", {"name": "Ada"})
    assert (info.value.part, info.value.line, info.value.column, info.value.variable) == (
        "text",
        2,
        16,
        "code",
    )


def test_errors_are_reconciler_errors_for_the_cli() -> None:
    from reconciler.errors import ReconcilerError

    assert issubclass(TemplateError, ReconcilerError)
    assert issubclass(RenderError, TemplateError) and issubclass(TemplateSyntaxError, TemplateError)


def test_compiled_template_is_reusable_and_keeps_variants_apart() -> None:
    template = compile_template("[{{a}}]")
    assert template.render({"a": None}, null_is_missing=False) == "[]"
    with pytest.raises(RenderError):
        template.render({"a": None})
    assert template.render({}, strict=False) == "[]"
    assert template.render({"a": 1}) == "[1]"


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, [1], True),
        ("1", 1, True),
        (0, "", True),
        (0, [], True),
        ("0", False, True),
        (True, 1, True),
        ({}, "[object Object]", True),
        (None, None, True),
        ({}, {}, False),
        ([1], [1], False),
        (None, 0, False),
        ("a", "b", False),
        (" 2 ", 2, True),
        ("0x10", 16, True),
        ("1e3", 1000, True),
        ("abc", float("nan"), False),
    ],
)
def test_contexts_compare_with_javascript_loose_equality(a: object, b: object, equal: bool) -> None:
    from reconciler.templates.runtime import loose_equal

    assert loose_equal(a, b) is equal
    assert loose_equal(b, a) is equal
