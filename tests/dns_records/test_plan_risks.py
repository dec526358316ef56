"""Readiness in plans: a change that breaks a bulk-sender rule carries a bulk_sender_rule risk
note, in the plan, its Markdown and the pull-request comment; the plan of what keeps every
rule carries none. Real plans against the emulator over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.app import apply as applying
from reconciler.app import plan as planning
from reconciler.dns.plan_risks import CODE
from reconciler.engine.plan import Plan
from reconciler.engine.render_markdown import render_markdown
from reconciler.engine.render_text import render_text
from reconciler.settings import Settings
from reconciler.testing import LocalEmulator, local_emulator

IDENTITY = (
    "apiVersion: sesctl/v1\nkind: EmailIdentity\nmetadata: {name: example.com}\n"
    "spec:\n  mailFrom: {domain: mail.example.com}\n  dkim: {signingEnabled: true}\n"
)
TEMPLATE = (
    "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: promo}\n"
    "spec:\n  marketing: true\n  subject: Offers\n"
    "  html: '<p>Deals</p><a href=\"{{amazonSESUnsubscribeUrl}}\">Unsubscribe</a>'\n"
)
CONTACTS = (
    "apiVersion: sesctl/v1\nkind: ContactList\nmetadata: {name: news}\n"
    "spec: {topics: [{name: weekly, displayName: Weekly, defaultSubscriptionStatus: OPT_IN}]}\n"
)
BASE = {"identity.yaml": IDENTITY, "template.yaml": TEMPLATE, "contacts.yaml": CONTACTS}


def _project(root: Path, documents: dict[str, str]) -> Path:
    manifests = root / "manifests"
    manifests.mkdir(parents=True, exist_ok=True)
    (root / "sesctl.yaml").write_text("apiVersion: sesctl/v1\nkind: Project\nstack: demo\nmanifests: manifests\n")
    for old in manifests.glob("*.yaml"):
        old.unlink()
    for name, text in documents.items():
        (manifests / name).write_text(text)
    return root


def _settings(emu: LocalEmulator) -> Settings:
    return Settings(endpoint_url=emu.endpoint_url, region="us-east-1", color=False)


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEmulator]:
    """An account where example.com passes DKIM, SPF and alignment and the marketing template
    meets the one-click rule."""
    with local_emulator() as emulator:
        root = _project(tmp_path_factory.mktemp("base"), BASE)
        request = applying.ApplyRequest(path=root, rate=1000)
        applied = applying.apply(_settings(emulator), request, confirm=lambda plan: True).result
        assert applied is not None and applied.ok
        emulator.admin("verify_identity", identity="example.com", status="SUCCESS", mail_from_status="SUCCESS")
        yield emulator


def _plan(emu: LocalEmulator, tmp_path: Path, **changed: str) -> Plan:
    root = _project(tmp_path, {**BASE, **changed})
    return planning.plan(_settings(emu), planning.PlanRequest(path=root, rate=1000)).plan


def _notes(plan: Plan) -> dict[str, list[str]]:
    return {c.address: [r.message for r in c.risks if r.code == CODE] for c in plan.changes if any(r.code == CODE for r in c.risks)}


def test_a_plan_that_keeps_every_rule_has_no_note(emu: LocalEmulator, tmp_path: Path) -> None:
    harmless = _plan(emu, tmp_path, **{"template.yaml": TEMPLATE.replace("Deals", "Better deals")})
    assert harmless.has_changes and _notes(harmless) == {}


def test_dkim_signing_off_breaks_the_dkim_rule(emu: LocalEmulator, tmp_path: Path) -> None:
    plan = _plan(emu, tmp_path, **{"identity.yaml": IDENTITY.replace("signingEnabled: true", "signingEnabled: false")})
    (note,) = _notes(plan)["EmailIdentity/example.com"]
    assert "'DKIM'" in note and "pass -> fail" in note
    # The PR comment and the text plan show it, with the rule and what to do.
    for shown in (render_markdown(plan), render_text(plan)):
        assert CODE in shown and "DKIM" in shown and "signingEnabled" in shown


def test_removing_mail_from_breaks_spf_alignment(emu: LocalEmulator, tmp_path: Path) -> None:
    plan = _plan(emu, tmp_path, **{"identity.yaml": IDENTITY.replace("  mailFrom: {domain: mail.example.com}\n", "")})
    (note,) = _notes(plan)["EmailIdentity/example.com"]
    assert "'SPF'" in note and "pass -> warn" in note


def test_dkim_off_and_no_mail_from_breaks_dmarc_alignment_too(emu: LocalEmulator, tmp_path: Path) -> None:
    identity = "apiVersion: sesctl/v1\nkind: EmailIdentity\nmetadata: {name: example.com}\nspec: {dkim: {signingEnabled: false}}\n"
    notes = _notes(_plan(emu, tmp_path, **{"identity.yaml": identity}))["EmailIdentity/example.com"]
    assert sorted(n.split("'")[1] for n in notes) == ["DKIM", "DMARC alignment", "SPF"]


def test_a_marketing_template_losing_its_unsubscribe_link(emu: LocalEmulator, tmp_path: Path) -> None:
    text = TEMPLATE.replace('<a href=\\"{{amazonSESUnsubscribeUrl}}\\">Unsubscribe</a>', "")
    text = text.replace('<a href="{{amazonSESUnsubscribeUrl}}">Unsubscribe</a>', "")
    plan = _plan(emu, tmp_path, **{"template.yaml": text})
    (note,) = _notes(plan)["EmailTemplate/promo"]
    assert "'One-click unsubscribe'" in note and "pass -> fail" in note and "promo" in note


def test_the_last_topic_going_makes_one_click_impossible(emu: LocalEmulator, tmp_path: Path) -> None:
    contacts = CONTACTS.replace("[{name: weekly, displayName: Weekly, defaultSubscriptionStatus: OPT_IN}]", "[]")
    plan = _plan(emu, tmp_path, **{"contacts.yaml": contacts})
    (note,) = _notes(plan)["ContactList/news"]
    assert "'One-click unsubscribe'" in note and "pass -> warn" in note
