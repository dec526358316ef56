"""A plan that changes a live resource no stack owns says so (found in QA: it looked like any update)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.app import plan as planning
from reconciler.settings import Settings
from reconciler.testing import LocalEmulator

TEMPLATE = (
    "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: welcome}\n"
    "spec: {subject: Hi, text: Hello, defaults: {}}\n"
)


def test_update_of_an_unowned_resource_carries_an_adopt_note(
    tmp_path: Path, emulator: LocalEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    (tmp_path / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: Project\nstack: qa\n", encoding="utf-8"
    )
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "t.yaml").write_text(TEMPLATE, encoding="utf-8")
    emulator.client("sesv2").create_email_template(
        TemplateName="welcome", TemplateContent={"Subject": "by hand", "Text": "Hello"}
    )
    settings = Settings(region="us-east-1", endpoint_url=emulator.endpoint_url)
    plan = planning.plan(settings, planning.PlanRequest(tmp_path)).plan
    (change,) = plan.changes
    assert [r.code for r in change.risks] == ["adopt"]
    assert "without a sesctl owner tag" in change.risks[0].message
