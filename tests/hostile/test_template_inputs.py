"""Hostile templates (the Handlebars subset SES renders) and hostile template data through the
real ``sesctl validate``, ``render`` and ``test``: refused at the template's file:line with its
resource and field, within the suite's time, never a traceback."""

from __future__ import annotations

import json

import pytest
from hostile_support import PROJECT, Case, Run, assert_refused, run_cases

A = "manifests/a.yaml"


def template(text: str, defaults: str = "{}", subject: str = "s", extra: str = "") -> dict[str, str]:
    manifest = (
        "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: x}\nspec:\n"
        f"  subject: {json.dumps(subject)}\n  text: {json.dumps(text)}\n  defaults: {defaults}\n{extra}"
    )
    return {"sesctl.yaml": PROJECT, A: manifest}


WHERE = f"{A}:6:"  # the text: line
CASES = [
    Case("deep-blocks", template("{{#if a}}" * 5000 + "x" + "{{/if}}" * 5000), expect=(WHERE, "EmailTemplate/x spec.text", "nested more than 100")),
    Case("unbalanced-open", template("{{#if a}}x"), expect=(WHERE, "expected a closing tag")),
    Case("unbalanced-close", template("x{{/if}}"), expect=(WHERE, "without a matching opening block")),
    Case("mismatched-close", template("{{#if a}}x{{/each}}"), expect=(WHERE, "doesn't match")),
    Case("unclosed-tag", template("{{a"), expect=(WHERE, "missing '}}'")),
    Case("braces-only", template("{{" * 20000), expect=(WHERE, "E4001")),
    Case("unterminated-comment", template("{{!--" + "-" * 50000), expect=(WHERE, "unterminated comment")),
    Case("hash-flood", template("{{a " + "b=" * 20000 + "}}"), expect=(WHERE, "E4001")),
    Case("long-path", template("{{" + "a." * 20000 + "b}}"), expect=(WHERE, "a path of more than 1000 parts")),
    Case("parent-flood", template("{{" + "../" * 5000 + "a}}"), expect=(WHERE, "a path of more than 1000 parts")),
    Case("subexpression-flood", template("{{a " + "(a " * 3000 + ")" * 3000 + "}}"), expect=(WHERE, "subexpressions")),
    Case("unknown-partial", template("{{> nope}}"), expect=(WHERE, "unknown partial 'nope'")),
    Case(
        "partial-recursion",
        template('{{#*inline "p"}}{{> p}}{{/inline}}{{> p}}'),
        expect=(WHERE, "partials nest too deeply"),
    ),
    Case("custom-helper", template("{{exec 'rm -rf /'}}"), expect=(WHERE, "custom helper 'exec'")),
    Case("decorator", template("{{* foo}}"), expect=(WHERE, "decorators")),
    Case("raw-block", template("{{{{raw}}}} {{x}} {{{{/raw}}}}"), expect=(WHERE, "raw blocks")),
    Case(
        "many-variables",  # one search per variable: 20,000 of them took minutes
        template(" ".join(f"{{{{v{i}}}}}" for i in range(5000))),
        expect=(f"{A}:6:10", "text uses {{v0}}, missing from defaults"),
    ),
    Case(
        "subject-header-injection",
        template("t", subject="hi\r\nBcc: victim@example.com"),
        expect=(f"{A}:5:", "E4008", "EmailTemplate/x spec.subject"),
    ),
    Case(
        "subject-unicode-line-break",
        template("t", subject="hi\u2028Bcc: victim@example.com"),
        expect=(f"{A}:5:", "E4008"),
    ),
    Case("tests-not-a-list", template("t", extra="  tests: 5\n"), expect=(f"{A}:8:10", "spec.tests: must be a list")),
    Case(
        "tests-data-deep",
        template("{{a}}", defaults="{a: 1}", extra="  tests: [{name: t, data: {a: " + "[" * 300 + "]" * 300 + "}}]\n"),
        args=("test",),
        expect=(f"{A}:8:", "nested more than"),
    ),
    # the same through render and test
    Case("render-long-path", template("{{" + "a." * 20000 + "b}}"), args=("render", "x"), expect=(WHERE, "1000 parts")),
    Case("test-deep-blocks", template("{{#if a}}" * 500 + "{{/if}}" * 500), args=("test",), expect=(WHERE, "nested")),
    Case(
        "render-data-deep",
        template("{{a}}", defaults="{a: 1}"),
        args=("render", "x", "--data", '{"a": ' + "[" * 5000 + "]" * 5000 + "}"),
        expect=("--data:1:", "nesting depth"),
    ),
    Case(
        "render-data-huge-int",
        template("{{a}}", defaults="{a: 1}"),
        args=("render", "x", "--data", '{"a": ' + "9" * 5000 + "}"),
        expect=("--data",),
    ),
    Case("render-data-list", template("{{a}}", defaults="{a: 1}"), args=("render", "x", "--data", "[1]"), expect=("--data [1]",)),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return run_cases(CASES, tmp_path_factory.mktemp("templates"))


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_template_is_refused(case: Case, results: dict[str, Run]) -> None:
    assert_refused(results[case.id], case)


def test_a_template_message_is_bounded(results: dict[str, Run]) -> None:
    """A 20,000-part path is one short line, not the path echoed back."""
    assert len(results["long-path"].output) < 2_000


def test_missing_variables_are_located_in_one_pass() -> None:
    from reconciler.manifest.template_checks import _first_positions

    source = "Hi {{name}},\n{{#if vip}}\n  {{ offer.code }} {{{raw}}} {{name}}{{/if}}"
    assert _first_positions(source) == {
        "name": (1, 6),
        "if": (2, 4),
        "offer.code": (3, 6),
        "raw": (3, 23),
    }
