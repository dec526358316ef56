"""validate, schema, render and test through the real `sesctl` console script."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from manifest_cli import REPO, run_sesctl, write

from reconciler.diagnostics import CODES
from reconciler.kinds.registry import KIND_SPECS
from reconciler.manifest.schema import build_schemas, kind_file


def test_example_stack_is_valid() -> None:
    result = run_sesctl("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "10 resources, 0 errors, 0 warnings: manifests are valid." in result.stdout


def test_validate_json_format() -> None:
    result = run_sesctl("validate", "tests/manifest/bad/out_of_range.yaml", "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["summary"] == {"errors": 1, "warnings": 0}
    (item,) = report["diagnostics"]
    assert item["code"] == "E2006"
    assert item["location"] == "tests/manifest/bad/out_of_range.yaml:7:25"
    assert item["address"] == "ConfigurationSet/ranges"
    assert item["field"] == "spec.deliveryOptions.maxDeliverySeconds"


def test_warnings_exit_0(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "t.yaml": "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: t}\nspec: {subject: s, html: x}\n"
        },
    )
    result = run_sesctl("validate", str(tmp_path))
    assert result.returncode == 0
    assert "W4002" in result.stdout and "0 errors, 2 warnings" in result.stdout


def test_schemas_are_fresh() -> None:
    result = run_sesctl("schema", "--check")
    assert result.returncode == 0, result.stderr + "\nRun `sesctl schema` and commit schemas/."


def test_schema_check_detects_stale_and_regenerates(tmp_path: Path) -> None:
    target = tmp_path / "schemas"
    shutil.copytree(REPO / "schemas", target)
    (target / "emailtemplate.json").write_text("{}\n", encoding="utf-8")
    stale = run_sesctl("schema", "--check", "--dir", str(target))
    assert stale.returncode == 1 and "emailtemplate.json" in stale.stderr
    regenerate = run_sesctl("schema", "--dir", str(target))
    assert regenerate.returncode == 0 and "emailtemplate.json" in regenerate.stdout
    assert run_sesctl("schema", "--check", "--dir", str(target)).returncode == 0


def test_every_kind_has_a_schema_and_a_branch() -> None:
    schemas = build_schemas()
    combined = schemas["sesctl.json"]
    assert [b["if"]["properties"]["kind"]["const"] for b in combined["allOf"]] == list(KIND_SPECS)
    for kind in KIND_SPECS:
        schema = schemas[kind_file(kind)]
        assert schema["properties"]["kind"]["const"] == kind
    # YAML spelling in the schema: camelCase keys.
    delivery = schemas["configurationset.json"]["$defs"]["DeliveryOptions"]["properties"]
    assert set(delivery) == {"tlsPolicy", "sendingPoolName", "maxDeliverySeconds"}


def test_example_manifests_match_the_schemas_they_name() -> None:
    for path in sorted((REPO / "manifests").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        for chunk in text.split("\n---\n"):
            first = chunk.lstrip().splitlines()[0]
            assert first.startswith("# yaml-language-server: $schema="), f"{path.name}: no $schema comment"
            schema_path = (path.parent / first.split("=", 1)[1]).resolve()
            schema = json.loads(schema_path.read_text(encoding="utf-8"))
            jsonschema.validate(yaml.safe_load(chunk), schema)
            jsonschema.validate(yaml.safe_load(chunk), json.loads((REPO / "schemas/sesctl.json").read_text()))
    project_schema = json.loads((REPO / "schemas/project.json").read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load((REPO / "sesctl.yaml").read_text(encoding="utf-8")), project_schema)


def test_render_parts_and_preview(tmp_path: Path) -> None:
    subject = run_sesctl("render", "welcome", "--data", '{"user": {"firstName": "Ada"}}', "--part", "subject")
    assert subject.returncode == 0, subject.stderr
    assert subject.stdout == "Welcome to Example, Ada!\n"
    data = tmp_path / "data.yaml"
    data.write_text("user: {firstName: Grace}\n", encoding="utf-8")
    out = tmp_path / "preview.html"
    full = run_sesctl("render", "welcome", "--data", str(data), "--out", str(out))
    assert full.returncode == 0, full.stderr
    page = out.read_text(encoding="utf-8")
    assert "Welcome to Example, Grace!" in page and "Hello Grace" in page and "<pre>" in page
    everything = run_sesctl("render", "password-reset", "--env", "production")
    assert everything.returncode == 0
    assert everything.stdout.startswith("Subject: Reset your Example Inc. password\n")
    assert "--- html ---" in everything.stdout and "--- text ---" in everything.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["welcome", "--data", '{"user": {"firstName": null}}'], "templates.yaml:8:"),
        (["nope"], "no EmailTemplate named 'nope'"),
        (["welcome", "--data", "missing.json"], "not a file and not inline JSON"),
        (["welcome", "--data", "[1, 2]"], "not a file and not inline JSON"),
        (["welcome", "--data", "{bad json"], "not valid JSON or YAML"),
    ],
)
def test_render_errors(args: list[str], message: str) -> None:
    result = run_sesctl("render", *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_test_command_on_the_example() -> None:
    result = run_sesctl("test")
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().startswith("5 passed in ")
    verbose = run_sesctl("test", "-k", "welcome", "-v")
    assert verbose.returncode == 0
    assert verbose.stdout.count("PASSED") == 2 and "2 passed" in verbose.stdout
    none = run_sesctl("test", "-k", "no-such-test")
    assert none.returncode == 1 and "no tests matched" in none.stdout


def test_test_command_reports_failures(tmp_path: Path) -> None:
    spec = {
        "subject": "Hi {{name}}",
        "text": "Hello {{name}}",
        "defaults": {"name": "there"},
        "tests": [
            {"name": "good", "expect": {"subjectEquals": "Hi there"}},
            {"name": "bad", "data": {"name": "Ada"}, "expect": {"textContains": "Bob"}},
        ],
    }
    doc = {"apiVersion": "sesctl/v1", "kind": "EmailTemplate", "metadata": {"name": "greet"}, "spec": spec}
    write(tmp_path, {"t.yaml": yaml.safe_dump(doc)})
    result = run_sesctl("test", str(tmp_path))
    assert result.returncode == 1
    assert "greet::bad FAILED" in result.stdout
    assert "text does not contain 'Bob'" in result.stdout
    assert "1 failed, 1 passed" in result.stdout


def test_test_command_refuses_broken_manifests() -> None:
    result = run_sesctl("test", "tests/manifest/bad/unknown_field.yaml")
    assert result.returncode == 1
    assert "E2002" in result.stderr and "no tests ran" in result.stderr


def test_diagnostic_codes_are_documented() -> None:
    docs = (REPO / "docs/manifests.md").read_text(encoding="utf-8")
    missing = [code for code in CODES if f"`{code}`" not in docs]
    assert not missing, f"document these codes in docs/manifests.md: {missing}"
