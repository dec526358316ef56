"""Adoption: a live resource made by hand and declared in the manifests is tagged as owned by
the first apply, so a second plan is empty and a later --prune can delete it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_support import apply, configuration_set, plan, project, sesctl, settings, template

from reconciler.app.import_ import ImportRequest, import_
from reconciler.engine.render_markdown import render_markdown
from reconciler.engine.render_text import render_text
from reconciler.errors import PlanError, UsageError

ARN = "arn:aws:ses:us-east-1:123456789012:template/welcome"


def _tags(ses: Any, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in ses.list_tags_for_resource(ResourceArn=arn)["Tags"]}


def test_apply_adopts_an_unowned_template_and_prune_deletes_it_later(tmp_path: Path, emulator: Any) -> None:
    ses = emulator.client("sesv2")
    ses.create_email_template(
        TemplateName="welcome",
        TemplateContent={"Subject": "Hi {{name}}", "Html": "<p>Hello {{name}}</p>", "Text": "Hello {{name}}"},
    )
    root = project(tmp_path, {"t.yaml": template("welcome")})

    first = plan(root, emulator).plan
    (change,) = first.changes
    assert change.is_update
    assert [(f.path, f.op, f.after) for f in change.fields] == [('tags["sesctl:stack"]', "add", "demo")]
    assert [r.code for r in change.risks] == ["adopt"]
    text = render_text(first)
    assert '+ tags["sesctl:stack"] = "demo"' in text
    assert "apply adopts it, tagging it sesctl:stack=demo" in text
    markdown = render_markdown(first)
    assert '<code>tags["sesctl:stack"]</code> | — | <code>"demo"</code>' in markdown
    assert "adopt" in markdown

    outcome = apply(root, emulator)
    assert outcome.result is not None and outcome.result.ok
    live = ses.get_email_template(TemplateName="welcome")  # still there, content untouched
    assert live["TemplateContent"]["Subject"] == "Hi {{name}}"
    assert _tags(ses, ARN) == {"sesctl:stack": "demo"}
    again = plan(root, emulator).plan
    assert not again.has_changes and again.no_op == 1

    project(tmp_path, {"other.yaml": template("other")})
    pruned = plan(root, emulator, prune=True).plan
    assert [(c.address, str(c.actions[0])) for c in pruned.changes] == [
        ("EmailTemplate/other", "create"),
        ("EmailTemplate/welcome", "delete"),
    ]
    assert apply(root, emulator, prune=True).result is not None
    names = [m["TemplateName"] for m in ses.list_email_templates()["TemplatesMetadata"]]
    assert names == ["other"]


def test_adoption_keeps_user_tags_and_changes_drift_in_the_same_update(tmp_path: Path, emulator: Any) -> None:
    ses = emulator.client("sesv2")
    ses.create_configuration_set(
        ConfigurationSetName="marketing",
        SendingOptions={"SendingEnabled": True},
        Tags=[{"Key": "team", "Value": "growth"}],
    )
    doc = configuration_set("marketing", sending=False).replace("spec:\n", "spec:\n  tags: {team: growth}\n")
    root = project(tmp_path, {"cs.yaml": doc})
    (change,) = plan(root, emulator).plan.changes
    assert {f.path for f in change.fields} == {'tags["sesctl:stack"]', "sending_options.sending_enabled"}
    assert {r.code for r in change.risks} == {"adopt", "sending_disabled"}
    assert apply(root, emulator).result is not None
    live = ses.get_configuration_set(ConfigurationSetName="marketing")
    assert {t["Key"]: t["Value"] for t in live["Tags"]} == {"sesctl:stack": "demo", "team": "growth"}
    assert live["SendingOptions"]["SendingEnabled"] is False
    assert not plan(root, emulator).plan.has_changes


def test_a_resource_owned_by_another_stack_is_still_refused(tmp_path: Path, emulator: Any) -> None:
    emulator.client("sesv2").create_email_template(
        TemplateName="welcome",
        TemplateContent={"Subject": "x"},
        Tags=[{"Key": "sesctl:stack", "Value": "someone-else"}],
    )
    root = project(tmp_path, {"t.yaml": template("welcome")})
    with pytest.raises(PlanError, match="owned by stack 'someone-else'"):
        plan(root, emulator)


def test_saved_plan_adopts_and_cli_shows_the_tag(tmp_path: Path, emulator: Any) -> None:
    emulator.client("sesv2").create_email_template(
        TemplateName="welcome",
        TemplateContent={"Subject": "Hi {{name}}", "Html": "<p>Hello {{name}}</p>", "Text": "Hello {{name}}"},
    )
    root = project(tmp_path, {"t.yaml": template("welcome")})
    shown = sesctl(root, emulator, "plan", "--out", "plan.json")
    assert shown.returncode == 0, shown.stderr
    assert '+ tags["sesctl:stack"] = "demo"' in shown.stdout
    assert "! medium risk (adopt)" in shown.stdout
    applied = sesctl(root, emulator, "apply", "--plan", "plan.json", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert sesctl(root, emulator, "plan", "--detailed-exitcode").returncode == 0


def test_import_adopt_outside_the_manifests_is_refused_before_writing(tmp_path: Path, emulator: Any) -> None:
    emulator.client("sesv2").create_email_template(
        TemplateName="x", TemplateContent={"Subject": "x", "Text": "x"}
    )
    root = project(tmp_path, {})
    request = ImportRequest(project=root, out=tmp_path / "elsewhere", adopt=True, rate=1000)
    with pytest.raises(UsageError, match="not one of its manifests paths"):
        import_(settings(emulator), request)
    assert not (tmp_path / "elsewhere").exists()
