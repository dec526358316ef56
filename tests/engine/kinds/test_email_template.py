"""EmailTemplate against the emulator: exact UTF-8 round trips, in-place updates, contract risks."""

from __future__ import annotations

from typing import Any

from reconciler.aws.gateway import SesGateway
from reconciler.kinds.email_template import KIND
from reconciler.kinds.specs.email_template import EmailTemplateSpec

STACK = "test-stack"

UNICODE = {
    "subject": "Bienvenue {{name}} 🎉 — ça va ?",
    "html": "<h1>Olá {{name}} 👋🏽</h1>\n<p>中文 · Ελληνικά · עברית · 🇯🇵</p>\r\n<p>trailing space </p>\n",
    "text": "Olá {{name}} 👋🏽\n\n\tindented, non-breaking\u00a0space\n",
    "tags": {"lang": "fr-🇫🇷"},
}


def spec(**yaml: Any) -> EmailTemplateSpec:
    return EmailTemplateSpec.model_validate(yaml)


def test_unicode_and_whitespace_round_trip_without_a_diff(gateway: SesGateway) -> None:
    desired = KIND.normalize_desired("welcome", spec(**UNICODE), STACK)
    KIND.create(gateway, "welcome", desired, STACK)
    live = KIND.read_live(gateway, ["welcome"])["welcome"]
    assert live.normalized == desired
    assert live.owner == STACK
    assert live.normalized["html"] == UNICODE["html"]  # byte for byte, \r\n and emoji included


def test_content_change_is_one_update_call_tags_change_is_tag_calls(gateway: SesGateway) -> None:
    desired = KIND.normalize_desired("t", spec(subject="Hi", text="Hello {{name}}", tags={"a": "1"}), STACK)
    KIND.create(gateway, "t", desired, STACK)
    live = KIND.read_live(gateway, ["t"])["t"]

    new_content = {**desired, "text": "Hello {{name}} 🙂"}
    gateway.reset_counters()
    KIND.update(gateway, "t", new_content, live, ["text"])
    assert dict(gateway.calls) == {"UpdateEmailTemplate": 1}
    live = KIND.read_live(gateway, ["t"])["t"]
    assert live.normalized == new_content

    new_tags = {**new_content, "tags": {"b": "2"}}
    gateway.reset_counters()
    KIND.update(gateway, "t", new_tags, live, ["tags"])
    assert dict(gateway.calls) == {"UntagResource": 1, "TagResource": 1}
    live = KIND.read_live(gateway, ["t"])["t"]
    assert live.normalized == new_tags
    assert live.owner == STACK  # the ownership tag survives a tag update


def test_drift_made_with_the_aws_cli_shows_and_emoji_from_the_cli_compare_exactly(
    gateway: SesGateway, aws_cli: Any
) -> None:
    desired = KIND.normalize_desired("cli", spec(subject="Hé 🎉", html="<b>{{x}}</b>"), STACK)
    KIND.create(gateway, "cli", desired, STACK)
    aws_cli(
        "update-email-template",
        "--template-name",
        "cli",
        "--template-content",
        '{"Subject": "Hé 🎉", "Html": "<b>{{x}}</b> changed"}',
    )
    live = KIND.read_live(gateway, ["cli"])["cli"]
    assert live.normalized["subject"] == desired["subject"]
    assert live.normalized["html"] == "<b>{{x}}</b> changed"


def test_listing_missing_and_delete(gateway: SesGateway, aws_cli: Any) -> None:
    for i in range(3):
        KIND.create(
            gateway, f"t{i}", KIND.normalize_desired(f"t{i}", spec(subject="s", text="t"), STACK), STACK
        )
    aws_cli(
        "create-email-template",
        "--template-name",
        "theirs",
        "--template-content",
        '{"Subject": "s", "Text": "t"}',
    )
    live = KIND.read_live(gateway, None)
    assert sorted(live) == ["t0", "t1", "t2", "theirs"]
    assert live["theirs"].owner is None
    assert KIND.read_live(gateway, ["nope", "t1"]).keys() == {"t1"}
    KIND.delete(gateway, "t1", live["t1"])
    assert KIND.read_live(gateway, ["t1"]) == {}


def test_variable_contract_risks() -> None:
    before = KIND.normalize_desired("c", spec(subject="Hi {{name}}", text="{{name}} {{code}}"), STACK)
    added = KIND.normalize_desired("c", spec(subject="Hi {{name}}", text="{{name}} {{code}} {{city}}"), STACK)
    removed = KIND.normalize_desired("c", spec(subject="Hi {{name}}", text="{{name}}"), STACK)
    assert [(r.code, r.severity) for r in KIND.risks("c", before, added)] == [
        ("template_contract_changed", "high")
    ]
    assert "city" in KIND.risks("c", before, added)[0].message
    assert [(r.code, r.severity) for r in KIND.risks("c", before, removed)] == [
        ("template_contract_changed", "low")
    ]
    assert KIND.risks("c", before, before) == []
    assert KIND.risks("c", None, before) == []
