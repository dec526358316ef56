"""Template checks in validate: variables against defaults and tests, syntax, size and lints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from manifest_cli import write

from reconciler.diagnostics import Diagnostic
from reconciler.manifest import load_manifests, validate
from reconciler.manifest.template_tests import run_template_tests


def template(spec: dict[str, Any], name: str = "t") -> str:
    return yaml.safe_dump(
        {"apiVersion": "sesctl/v1", "kind": "EmailTemplate", "metadata": {"name": name}, "spec": spec},
        sort_keys=False,
        allow_unicode=True,
    )


def check(tmp_path: Path, spec: dict[str, Any], files: dict[str, str] | None = None) -> list[Diagnostic]:
    write(tmp_path, {"t.yaml": template(spec), **(files or {})})
    return validate(tmp_path / "t.yaml", environ={})


def codes(problems: list[Diagnostic]) -> list[str]:
    return [p.code for p in problems]


def test_clean_template_has_no_diagnostics(tmp_path: Path) -> None:
    spec = {
        "subject": "Hi {{name}}",
        "html": "<p>{{name}}</p>",
        "text": "{{name}}",
        "defaults": {"name": "x"},
    }
    assert check(tmp_path, spec) == []


def test_missing_variable_in_defaults_points_into_the_body_file(tmp_path: Path) -> None:
    spec = {"subject": "Hi", "html": {"file": "b/x.html"}, "text": "t", "defaults": {"a": 1}}
    problems = check(tmp_path, spec, {"b/x.html": "<p>{{a}}</p>\n<p>\n  {{order.id}}</p>\n"})
    assert [(p.code, p.line, p.column, p.field) for p in problems] == [("E4002", 3, 5, "spec.defaults")]
    assert problems[0].file.endswith("b/x.html")
    assert "{{order.id}}" in problems[0].summary
    assert "t.yaml" in problems[0].detail  # where the defaults are


def test_every_missing_variable_is_reported(tmp_path: Path) -> None:
    spec = {"subject": "{{a}} {{b}}", "text": "{{c.d}} {{a}}", "defaults": {}}
    problems = check(tmp_path, spec)
    assert sorted((p.summary.split("{{")[1].split("}}")[0], p.field) for p in problems) == [
        ("a", "spec.defaults"),
        ("a", "spec.defaults"),
        ("b", "spec.defaults"),
        ("c.d", "spec.defaults"),
    ]


def test_guarded_variables_are_optional(tmp_path: Path) -> None:
    spec = {
        "subject": "x",
        "text": "{{#if coupon}}Use {{coupon}}{{/if}}{{#each items}}{{name}}{{/each}}",
        "defaults": {},
    }
    assert check(tmp_path, spec) == []


def test_test_data_is_merged_onto_defaults(tmp_path: Path) -> None:
    spec = {
        "subject": "{{user.first}} {{user.last}}",
        "text": "x",
        "defaults": {"user": {"first": "A", "last": "B"}},
        "tests": [
            {"name": "partial override", "data": {"user": {"first": "Ada"}}},  # last comes from defaults
            {"name": "null first", "data": {"user": {"first": None}}},  # null counts as missing
        ],
    }
    problems = check(tmp_path, spec)
    assert [(p.code, p.field) for p in problems] == [("E4003", "spec.tests[1].data")]
    assert "test 'null first'" in problems[0].summary


def test_expected_failures_are_not_checked(tmp_path: Path) -> None:
    spec = {"subject": "{{x}}", "text": "t", "tests": [{"expect": {"rendersWithoutError": False}}]}
    assert check(tmp_path, spec) == []


def test_syntax_error_with_position(tmp_path: Path) -> None:
    spec = {"subject": "ok", "html": "<p>\n  {{#each items}}\n</p>\n", "text": "t", "defaults": {}}
    problems = check(tmp_path, spec)
    assert codes(problems) == ["E4001"]
    assert problems[0].field == "spec.html" and problems[0].line > 0


def test_ses_refused_helpers_are_syntax_errors(tmp_path: Path) -> None:
    spec = {"subject": "{{uppercase name}}", "text": "t", "defaults": {"name": "x"}}
    assert codes(check(tmp_path, spec)) == ["E4001"]


def test_size_limit_and_gmail_clipping(tmp_path: Path) -> None:
    big = "<p>" + "x" * (110 * 1024) + "</p>"
    problems = check(tmp_path / "a", {"subject": "s", "html": big, "text": "t", "defaults": {}})
    assert codes(problems) == ["W4001"]
    rendered_big = {
        "subject": "s",
        "html": "<p>{{blob}}</p>",
        "text": "t",
        "defaults": {"blob": "y" * (103 * 1024)},
    }
    assert codes(check(tmp_path / "b", rendered_big)) == ["W4001"]
    huge = "z" * (501 * 1024)
    assert "E4004" in codes(
        check(tmp_path / "c", {"subject": "s", "html": huge, "text": "t", "defaults": {}})
    )


def test_lints(tmp_path: Path) -> None:
    problems = check(tmp_path / "a", {"subject": "s", "html": "<p>x</p>", "marketing": True})
    assert codes(problems) == ["W4002", "W4003", "W4004"] or sorted(codes(problems)) == [
        "W4002",
        "W4003",
        "W4004",
    ]
    with_link = {
        "subject": "s",
        "html": '<a href="{{amazonSESUnsubscribeUrl}}">Unsubscribe</a>',
        "text": "t",
        "marketing": True,
        "defaults": {},
    }
    assert check(tmp_path / "b", with_link) == []  # SES fills amazonSESUnsubscribeUrl itself


def test_warnings_do_not_stop_loading(tmp_path: Path) -> None:
    write(tmp_path, {"t.yaml": template({"subject": "s", "html": "<p>x</p>"})})
    state = load_manifests(tmp_path, environ={})
    assert sorted(d.code for d in state.diagnostics) == ["W4002", "W4004"]


def test_inline_template_positions_map_to_the_yaml(tmp_path: Path) -> None:
    text = (
        "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: t}\nspec:\n"
        "  subject: Hi\n  text: |\n    line one\n    and {{missing}}\n  defaults: {}\n"
    )
    write(tmp_path, {"t.yaml": text})
    problems = validate(tmp_path, environ={})
    assert [(p.code, p.line, p.column) for p in problems] == [("E4002", 8, 11)]


def test_template_tests_run(tmp_path: Path) -> None:
    spec = {
        "subject": "Hi {{name}}",
        "html": "<p>Hello {{name}}</p>",
        "text": "Hello {{name}}",
        "defaults": {"name": "there"},
        "tests": [
            {
                "name": "ok",
                "data": {"name": "Ada"},
                "expect": {"subjectEquals": "Hi Ada", "htmlContains": "Ada"},
            },
            {
                "name": "wrong",
                "expect": {"subjectContains": "Bob", "notContains": "there", "maxHtmlBytes": 5},
            },
            {"name": "should fail", "expect": {"rendersWithoutError": False}},
            {
                "name": "fails",
                "data": {"name": None},
                "expect": {"rendersWithoutError": False, "errorContains": "name"},
            },
        ],
    }
    write(tmp_path, {"t.yaml": template(spec)})
    state = load_manifests(tmp_path, environ={})
    outcomes = {o.name: o for o in run_template_tests(state)}
    assert outcomes["ok"].passed
    assert outcomes["fails"].passed
    assert not outcomes["should fail"].passed
    wrong = outcomes["wrong"].failures
    assert any("subject does not contain 'Bob'" in f for f in wrong)
    assert sum("contains 'there'" in f for f in wrong) == 3  # subject, html and text
    assert any("over maxBytes 5" in f for f in wrong)
    assert [o.name for o in run_template_tests(state, "WRONG")] == ["wrong"]


def test_missing_variables_inside_blocks_and_after_them(tmp_path: Path) -> None:
    spec = {
        "subject": "s {{who}}",
        "text": "{{#each items}}{{title}} {{../user.name}}{{/each}} {{later}}",
        "defaults": {"items": [{"title": "a"}, {"name": "b"}], "user": {}},
    }
    problems = check(tmp_path, spec)
    found = [(p.code, p.summary.split("{{")[1].split("}}")[0]) for p in problems]
    assert sorted(found) == [
        ("E4002", "../user.name"),
        ("E4002", "later"),
        ("E4002", "title"),
        ("E4002", "who"),
    ]


def test_positions_after_a_substituted_variable_point_into_the_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sesctl.yaml": "stack: s\nmanifests: m\nvariables: {brand: A much longer brand name}\n",
            "m/t.yaml": (
                "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: t}\nspec:\n"
                '  subject: "${brand}: {{missing}}"\n  text: x\n  defaults: {}\n'
            ),
        },
    )
    problems = validate(tmp_path, environ={})
    line = (tmp_path / "m/t.yaml").read_text().splitlines()[4]
    assert [(p.code, p.line, p.column) for p in problems] == [("E4002", 5, line.index("missing") + 1)]
