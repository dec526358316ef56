"""Hostile templates: self-including partials, partials that repeat partials, very deep data.
Each one fails fast with a RenderError that names the part, line and column (or renders),
never a RecursionError, a hang or gigabytes of output."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from render_both import compile_template

from reconciler.templates import RenderError, TemplateError, analyze

SESCTL = str(Path(sys.executable).parent / "sesctl")


def laughs(levels: int) -> str:
    """l0 prints 10 characters; each l<i> calls l<i-1> ten times: 10^(levels+1) characters."""
    source = '{{#*inline "l0"}}xxxxxxxxxx{{/inline}}'
    for i in range(1, levels + 1):
        source += f'{{{{#*inline "l{i}"}}}}' + f"{{{{> l{i - 1}}}}}" * 10 + "{{/inline}}"
    return source + f"{{{{> l{levels}}}}}"


@pytest.mark.parametrize(
    ("source", "column"),
    [
        ('{{#*inline "a"}}{{> a}}{{/inline}}{{> a}}', 17),
        ('{{#*inline "a"}}x{{> b}}{{/inline}}{{#*inline "b"}}{{> a}}{{/inline}}{{> a}}', 52),
        ('{{#*inline "a"}}{{> a}}{{> a}}{{/inline}}{{> a}}', 17),
        ('{{#*inline "a"}}{{#with x}}{{> a}}{{/with}}{{/inline}}{{> a}}', 28),
    ],
)
def test_self_including_partials_fail_with_a_position(source: str, column: int) -> None:
    data: dict[str, object] = {}
    for _ in range(200):
        data = {"x": data}
    started = time.monotonic()
    with pytest.raises(RenderError, match="too deeply") as info:
        compile_template(source, part="text").render(data)
    assert (info.value.part, info.value.line, info.value.column) == ("text", 1, column)
    assert str(info.value).startswith(f"text:1:{column}: ")
    assert time.monotonic() - started < 30  # bounded (not hours); generous for a loaded CI machine


def test_partials_that_repeat_partials_are_bounded() -> None:
    template = compile_template(laughs(9), part="html")  # would be 10 billion characters
    for render in (template.parsed.interpret, template.compiled.render):  # each way on its own clock
        started = time.monotonic()
        with pytest.raises(RenderError, match="million characters"):
            render({})
        assert time.monotonic() - started < 30  # bounded (not hours); generous for a loaded CI machine
    assert len(compile_template(laughs(4), part="html").render({})) == 100_000  # a real size renders


def test_analysis_of_repeating_partials_is_linear() -> None:
    source = laughs(12).replace("xxxxxxxxxx", "{{name}}")
    started = time.monotonic()
    contract = analyze(source)
    assert contract.required == {"name"}
    assert time.monotonic() - started < 30  # bounded (not hours); generous for a loaded CI machine


def test_an_error_without_a_line_names_only_the_part() -> None:
    error = RenderError("boom", part="subject")
    assert str(error) == "subject: boom"


def test_deep_data_renders_or_fails_cleanly() -> None:
    data: dict[str, object] = {"v": "end"}
    for _ in range(150):
        data = {"a": data}
    path = ".".join(["a"] * 150) + ".v"
    assert compile_template("{{" + path + "}}").render(data) == "end"
    with pytest.raises(TemplateError, match="too large or nested"):  # a clean error, not a crash
        compile_template("{{" + ".".join(["a"] * 600) + "}}")
    each = compile_template("{{#each a}}{{#each this}}{{this}}{{/each}}{{/each}}")
    assert each.render({"a": [[1, 2], [3]]}) == "123"


def test_render_command_on_a_repeating_partial_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "t.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: boom}\n"
        f"spec:\n  subject: Hi\n  html: {laughs(9)!r}\n  text: x\n"
    )
    result = subprocess.run(
        [SESCTL, "render", "boom"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stdout[-500:]
    assert "million characters" in result.stderr and "Traceback" not in result.stderr
    assert "t.yaml" in result.stderr and "EmailTemplate/boom" in result.stderr


def _self_nested_list(n: int) -> list[object]:
    items: list[object] = []
    items.extend([{"a": items}] * n)  # every item holds the list again: any depth of {{#a}}
    return items


@pytest.mark.parametrize(
    ("source", "data"),
    [
        (
            "{{#each a}}{{#each ../a}}{{#each ../../a}}{{#each ../../../a}}x{{/each}}{{/each}}{{/each}}{{/each}}",
            {"a": list(range(300))},
        ),
        ("{{#a}}{{#a}}{{#a}}{{#a}}x{{/a}}{{/a}}{{/a}}{{/a}}", {"a": _self_nested_list(300)}),
    ],
    ids=["each", "sections"],
)
def test_nested_loops_over_large_lists_are_bounded(source: str, data: dict[str, object]) -> None:
    # 300**4 item visits would run for hours; the render stops at the loop budget instead.
    template = compile_template(source, part="html")
    with pytest.raises(RenderError) as caught:
        template.render(data)
    assert "loops visit more than" in caught.value.reason
    assert caught.value.part == "html" and caught.value.line == 1 and caught.value.column > 1


def test_ordinary_loops_stay_far_below_the_budget() -> None:
    template = compile_template("{{#each rows}}{{#each cells}}{{this}}{{/each}};{{/each}}", part="html")
    rows = [{"cells": list(range(100))} for _ in range(1000)]  # 100,000 item visits
    assert template.render({"rows": rows}).count(";") == 1000
