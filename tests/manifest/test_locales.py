"""Localized templates: one SES template per locale, per-locale plans, the same variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.manifest import collect, load_manifests
from reconciler.testing import dummy_aws_env

SESCTL = str(Path(sys.executable).with_name("sesctl"))

PROJECT = """\
apiVersion: sesctl/v1
kind: Project
stack: loc
manifests: manifests
"""
TEMPLATE = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: welcome}
spec:
  subject: "Welcome, {{name}}!"
  html: "<p>Hello {{name}}</p>"
  text: "Hello {{name}}"
  defaults: {name: friend}
  locales:
    fr:
      subject: "Bienvenue, {{name}} !"
      html: {file: welcome.fr.html}
      text: "Bonjour {{name}}"
    fr-CA:
      subject: "Bienvenue, {{name}}!"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text(PROJECT)
    (tmp_path / "manifests" / "t.yaml").write_text(TEMPLATE)
    (tmp_path / "manifests" / "welcome.fr.html").write_text("<p>Bonjour {{name}}</p>\n")
    return tmp_path


def test_each_locale_is_a_template_of_its_own(project: Path) -> None:
    state = load_manifests(project)
    by_name = {r.ses_name: r.spec_as(EmailTemplateSpec) for r in state.resources}
    assert sorted(by_name) == ["welcome", "welcome--fr", "welcome--fr-CA"]
    assert by_name["welcome--fr"].html == "<p>Bonjour {{name}}</p>\n"
    assert by_name["welcome--fr"].text == "Bonjour {{name}}"
    # fr-CA gives only a subject: the rest is the base template's.
    assert by_name["welcome--fr-CA"].subject == "Bienvenue, {{name}}!"
    assert by_name["welcome--fr-CA"].html == "<p>Hello {{name}}</p>"
    assert by_name["welcome--fr-CA"].defaults == {"name": "friend"}
    fr = next(r for r in state.resources if r.ses_name == "welcome--fr")
    assert fr.body_files["html"].name == "welcome.fr.html"


def test_every_locale_needs_the_same_variables(project: Path) -> None:
    manifest = project / "manifests" / "t.yaml"
    manifest.write_text(TEMPLATE.replace('"Bonjour {{name}}"', '"Bonjour {{name}} {{title}}"'))
    _state, problems = collect(project)
    codes = [(d.code, d.field, d.summary) for d in problems if d.is_error]
    assert any(
        code == "E4006" and field == "spec.locales.fr" and "needs title that the base does not" in summary
        for code, field, summary in codes
    ), codes


def test_a_missing_locale_body_file_is_located(project: Path) -> None:
    (project / "manifests" / "welcome.fr.html").unlink()
    _state, problems = collect(project)
    missing = [d for d in problems if d.code == "E3004"]
    assert missing and missing[0].field == "spec.locales.fr.html.file"


def test_a_bad_locale_tag_is_refused(project: Path) -> None:
    (project / "manifests" / "t.yaml").write_text(TEMPLATE.replace("fr-CA:", "fr_CA!:"))
    _state, problems = collect(project)
    assert any(d.is_error and "language tag" in (d.summary + d.detail) for d in problems), problems


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESCTL, "--local", *args], cwd=project, capture_output=True, text=True,
        env=dict(os.environ), stdin=subprocess.DEVNULL, timeout=300,
    )


def test_plan_and_apply_per_locale_against_the_emulator(project: Path) -> None:
    applied = run(project, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "EmailTemplate/welcome--fr: create done" in applied.stdout
    assert run(project, "plan", "--detailed-exitcode").returncode == 0
    (project / "manifests" / "welcome.fr.html").write_text("<p>Salut {{name}}</p>\n")
    planned = run(project, "plan", "--json")
    changes = json.loads(planned.stdout)["changes"]
    assert [c["address"] for c in changes] == ["EmailTemplate/welcome--fr"]
    text = run(project, "plan").stdout
    assert "-<p>Bonjour {{name}}</p>" in text and "+<p>Salut {{name}}</p>" in text


def test_send_picks_each_recipients_locale_with_a_fallback(project: Path) -> None:
    from reconciler.testing import local_emulator

    with local_emulator() as emu:
        env = dummy_aws_env()

        def run_at(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [SESCTL, "--endpoint-url", emu.endpoint_url, *args], cwd=project, capture_output=True,
                text=True, env=env, stdin=subprocess.DEVNULL, timeout=300,
            )

        assert run_at("apply", "--auto-approve").returncode == 0
        emu.admin("verify_identity", identity="example.com")
        users = project / "users.csv"
        rows = {"success+1": "fr-CA", "success+2": "fr_BE", "success+3": "de", "success+4": "", "success+5": "FR"}
        users.write_text(
            "email,name,locale\n"
            + "".join(f"{local}@simulator.amazonses.com,U,{loc}\n" for local, loc in rows.items())
        )
        sent = run_at(
            "send", "--template", "welcome", "--locale-column", "locale", "--recipients", str(users),
            "--from", "news@example.com", "--yes",
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        got = {m["to"][0].split("@")[0]: m["template"] for m in emu.admin("sent_messages", include_body=False)}
        assert got == {
            "success+1": "welcome--fr-CA",
            "success+2": "welcome--fr",  # fr_BE: no fr-BE, its language fr
            "success+3": "welcome",  # de: no German, the base
            "success+4": "welcome",
            "success+5": "welcome--fr",  # tags compare case-insensitively
        }
        refused = run_at(
            "send", "--template", "other", "--locale-column", "locale", "--recipients", str(users),
            "--from", "news@example.com", "--yes",
        )
        assert refused.returncode == 1 and "no locales declared for other" in refused.stderr
