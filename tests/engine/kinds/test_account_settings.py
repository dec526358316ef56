"""AccountSettings: what the plan shows (risk notes, masked contact addresses), what import
writes, and the singleton rule (one document per environment)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.diagnostics import format_text
from reconciler.engine.export import export_spec
from reconciler.engine.planner import DesiredResource, PlanOptions, build_plan
from reconciler.engine.render_markdown import render_markdown
from reconciler.engine.render_text import render_text
from reconciler.kinds.account_settings import DEFAULT_NORMALIZED, KIND, PLUGIN
from reconciler.kinds.base import live_object
from reconciler.kinds.specs.account_settings import AccountSettingsSpec
from reconciler.manifest import load_manifests
from reconciler.manifest.errors import ManifestInvalid

ADDRESS = "AccountSettings/account"
CONTACT = "operations.team@example.com"
DETAILS = {"mailType": "MARKETING", "websiteUrl": "https://example.com", "additionalContactEmailAddresses": [CONTACT]}


def _plan(spec: dict[str, Any], live: dict[str, Any] = DEFAULT_NORMALIZED) -> Any:
    desired = KIND.normalize_desired("account", AccountSettingsSpec.model_validate(spec), "demo")
    resource = DesiredResource("AccountSettings", "account", desired)
    obj = live_object("account", live, None, {})
    return build_plan({ADDRESS: resource}, {ADDRESS: obj}, {"AccountSettings": KIND}, PlanOptions(stack="demo"))


def _risks(plan: Any) -> dict[str, str]:
    return {r.code: r.severity for c in plan.changes for r in c.risks}


def test_pausing_sending_is_a_high_risk_and_resuming_a_medium_one() -> None:
    paused = _plan({"sendingEnabled": False})
    assert _risks(paused) == {"account_sending_paused": "high"}
    resumed = _plan({}, {**DEFAULT_NORMALIZED, "sending_enabled": False})
    assert _risks(resumed) == {"account_sending_resumed": "medium"}


def test_details_are_a_production_access_request_sent_only_when_they_differ() -> None:
    plan = _plan({"details": DETAILS})
    assert _risks(plan) == {"production_access_request": "medium"}
    live = plan.changes[0].after
    assert not _plan({"details": DETAILS}, live).has_changes
    # Left out, the live details are kept (never re-submitted, never "removed").
    assert not _plan({}, live).has_changes


def test_contact_addresses_are_masked_in_text_and_markdown_but_kept_in_the_plan_file() -> None:
    plan = _plan({"details": DETAILS})
    text, markdown = render_text(plan), render_markdown(plan)
    assert "production_access_request" in text and "production_access_request" in markdown
    for shown in (text, markdown):
        assert CONTACT not in shown and "o***m@" in shown
    assert CONTACT in plan.to_json()  # apply --plan needs the value; the manifests hold it anyway


def test_import_writes_what_differs_from_the_defaults_and_never_the_details() -> None:
    live = {
        **DEFAULT_NORMALIZED,
        "sending_enabled": False,
        "details": _plan({"details": DETAILS}).changes[0].after["details"],
    }
    assert export_spec(PLUGIN, "account", live) == {"sending_enabled": False}
    assert export_spec(PLUGIN, "account", DEFAULT_NORMALIZED) == {}


def test_two_documents_are_refused_naming_both_places(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "manifests").mkdir(parents=True)
    (root / "sesctl.yaml").write_text("apiVersion: sesctl/v1\nkind: Project\nstack: demo\nmanifests: manifests\n")
    document = "apiVersion: sesctl/v1\nkind: AccountSettings\nmetadata: {name: account}\nspec: {sendingEnabled: %s}\n"
    (root / "manifests" / "a.yaml").write_text(document % "true")
    (root / "manifests" / "b.yaml").write_text("# paused\n" + document % "false")
    with pytest.raises(ManifestInvalid) as caught:
        load_manifests(root)
    text = format_text(caught.value.diagnostics)
    assert "E3005" in text and "b.yaml:3" in text and "a.yaml:1" in text, text
