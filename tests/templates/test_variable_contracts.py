"""Variable contracts: required (printed outside guards) and optional (guards and under them)."""

from __future__ import annotations

import pytest

from reconciler.templates import TemplateSyntaxError, VariableContract, analyze


@pytest.mark.parametrize(
    ("source", "required", "optional"),
    [
        ("Hi {{name}} {{user.email}} {{{raw}}} {{&amp}}", {"name", "user.email", "raw", "amp"}, set()),
        ("{{user/name}} {{this.a}} {{./b}} {{[c d]}}", {"user.name", "a", "b", "c d"}, set()),
        ("{{#if vip}}{{code}}{{else}}{{fallback}}{{/if}}", set(), {"vip", "code", "fallback"}),
        ("{{#unless off}}{{x}}{{/unless}}", set(), {"off", "x"}),
        (
            "{{#each items}}{{name}} {{../currency}} {{@index}}{{/each}}",
            set(),
            {"items", "items[].name", "currency"},
        ),
        ("{{#each items as |it i|}}{{it.sku}}{{i}}{{/each}}", set(), {"items", "items[].sku"}),
        (
            "{{#with user}}{{name}}{{#with address}}{{city}} {{../../site}}{{/with}}{{/with}}",
            set(),
            {"user", "user.name", "user.address", "user.address.city", "site"},
        ),
        ("{{#each a}}{{#each b}}{{c}}{{/each}}{{/each}}", set(), {"a", "a[].b", "a[].b[].c"}),
        ("{{#each a}}{{@root.top}}{{/each}}{{@root.other}}", {"other"}, {"a", "top"}),
        ("{{#sec}}{{inside}}{{/sec}}", {"sec"}, {"sec.inside"}),
        ("{{^sec}}{{inside}}{{/sec}}", {"sec"}, {"inside"}),
        ("{{lookup map key}}", set(), {"map", "key"}),
        ("{{#if a includeZero=z}}x{{/if}}", set(), {"a", "z"}),
        ("{{this}} {{.}} {{@index}}", set(), set()),
        (
            '{{#*inline "row"}}{{label}}={{value.amount}}{{/inline}}{{> row line}}{{> row label=title value=price}}',
            {"line.label", "line.value.amount", "title", "price.amount"},
            set(),
        ),
        (
            '{{#*inline "r"}}{{name}}{{#each kids}}{{> r}}{{/each}}{{/inline}}{{> r tree}}',
            {"tree.name"},
            {"tree.kids", "tree.kids[].name", "tree.kids[].kids"},
        ),
        ("{{a}}{{#if a}}{{a.b}}{{/if}}", {"a"}, {"a.b"}),
    ],
)
def test_contract(source: str, required: set[str], optional: set[str]) -> None:
    contract = analyze(source)
    assert contract == VariableContract(frozenset(required), frozenset(optional))


def test_contracts_of_parts_merge() -> None:
    subject, html = analyze("Order {{order.id}}"), analyze("{{#if note}}{{note}}{{/if}} {{order.id}}")
    merged = subject.merged(html)
    assert merged.required == {"order.id"} and merged.optional == {"note"}


def test_optional_drops_parents_of_required_paths() -> None:
    assert analyze("{{#with user}}x{{/with}}{{user.name}}") == VariableContract(frozenset({"user.name"}))


def test_syntax_errors_surface() -> None:
    with pytest.raises(TemplateSyntaxError):
        analyze("{{#if a}}")
