"""The one plan-file reader (reconciler/engine/planfile.py): format, shape, nesting, checksum and
the optional HMAC signature, each refused with a message naming the file and the field."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from reconciler.engine.plan import Action, FieldChange, Plan, ResourceChange
from reconciler.engine.planfile import KEY_ENV, MAX_DEPTH, dumps, parse_plan, read_plan_file
from reconciler.errors import PlanError


def sample() -> Plan:
    return Plan(
        changes=(
            ResourceChange(
                "EmailTemplate",
                "welcome",
                (Action.CREATE,),
                50,
                fields=(FieldChange("subject", "add", None, "Hi"),),
                after={"subject": "Hi"},
            ),
        ),
        stack="demo",
        environment="production",
        region="us-east-1",
    )


def sample_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sample().to_json())
    return data


def test_a_written_plan_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(dumps(sample()))
    assert read_plan_file(path) == sample()


def test_deep_nesting_is_a_located_error_not_a_recursion_error() -> None:
    data = sample_data()
    text = json.dumps(data)
    deep = text.replace('"after": {"subject": "Hi"}', '"after": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(PlanError, match=rf"plan\.json:1:\d+: values nested more than {MAX_DEPTH} levels"):
        parse_plan(deep, source="plan.json")
    # Brackets inside strings are text, not nesting.
    data["changes"][0]["after"]["subject"] = "[" * 5000
    data["checksum"] = Plan.from_dict(data).checksum
    assert parse_plan(json.dumps(data)).changes[0].after == {"subject": "[" * 5000}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(changes="EmailTemplate/welcome"), "changes: must be a list, not a string"),
        (lambda d: d.pop("changes"), "changes: missing"),
        (
            lambda d: d["changes"][0].update(actions="create"),
            r"changes\[0\]\.actions: must be \[\"create\"\]",
        ),
        (lambda d: d["changes"][0].update(actions=["explode"]), r"changes\[0\]\.actions"),
        (
            lambda d: d["changes"][0].update(wave="50"),
            r"changes\[0\]\.wave: must be a whole number, not a string",
        ),
        (lambda d: d["changes"][0].update(after=[1]), r"changes\[0\]\.after: must be an object or null"),
        (lambda d: d["changes"][0].update(fields={}), r"changes\[0\]\.fields: must be a list, not an object"),
        (lambda d: d["changes"][0]["fields"][0].update(op="zap"), r"changes\[0\]\.fields\[0\]\.op"),
        (lambda d: d["changes"][0].update(source={"line": 1}), r"changes\[0\]\.source"),
        (
            lambda d: d["changes"][0].update(depends_on=[1]),
            r"changes\[0\]\.depends_on\[0\]: must be a string",
        ),
        (lambda d: d.update(live_objects=[]), "live_objects: must be an object"),
        (lambda d: d.update(unmanaged="x"), "unmanaged: must be a list"),
        (lambda d: d.update(stack=1), "stack: must be a string, not a number"),
        (lambda d: d.update(diagnostics=[{"code": "W1"}]), r"diagnostics\[0\]\.severity: missing"),
        (lambda d: d.update(summary={"no_op": "many"}), "summary: must be an object whose no_op"),
    ],
)
def test_a_wrong_shape_names_the_field(edit: Any, message: str) -> None:
    data = sample_data()
    edit(data)
    with pytest.raises(PlanError, match="plan.json: not a valid sesctl plan: " + message):
        parse_plan(json.dumps(data), source="plan.json")


def test_format_checksum_and_json_errors_name_the_file() -> None:
    data = sample_data()
    data["changes"][0]["after"]["subject"] = "Bye"
    with pytest.raises(PlanError, match=r"p.json: plan checksum .* the plan file was edited"):
        parse_plan(json.dumps(data), source="p.json")
    data["format_version"] = "2"
    with pytest.raises(PlanError, match=r"p.json: plan format_version '2' is not supported"):
        parse_plan(json.dumps(data), source="p.json")
    with pytest.raises(PlanError, match=r"p.json:2:1: not JSON"):
        parse_plan('{"a": 1,\n}', source="p.json")
    with pytest.raises(PlanError, match="not a sesctl plan"):
        parse_plan("[]", source="p.json")


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    with pytest.raises(PlanError, match="not a regular file"):
        read_plan_file(fifo)


def test_signed_plans_when_a_key_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "a secret key")
    signed = dumps(sample())
    assert "a secret key" not in signed
    assert parse_plan(signed) == sample()

    # An attacker who edits the plan and recomputes the (unkeyed) checksum is caught.
    data = json.loads(signed)
    data["changes"][0]["after"]["subject"] = "Bye"
    data["checksum"] = Plan.from_dict(data).checksum
    with pytest.raises(PlanError, match="signature does not match"):
        parse_plan(json.dumps(data))
    del data["signature"]
    with pytest.raises(PlanError, match=f"not signed, and {KEY_ENV} is set"):
        parse_plan(json.dumps(data))
    # Environment and region are signed too, not only the changes.
    data = json.loads(signed)
    data["environment"] = "staging"
    with pytest.raises(PlanError, match="signature does not match"):
        parse_plan(json.dumps(data))

    monkeypatch.setenv(KEY_ENV, "another key")
    with pytest.raises(PlanError, match="signature does not match"):
        parse_plan(signed)
    monkeypatch.delenv(KEY_ENV)
    assert parse_plan(signed) == sample()  # without the key only the checksum can be checked
