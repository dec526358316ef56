"""The MCP send tools refuse while the account's bounce or complaint rate is over the alert
thresholds, saying which source answered (the event store, else CloudWatch); through the
official client."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_support import SENDER, SIM, SUCCESS, Harness, answering

from reconciler.events.records import facts, sent_fact
from reconciler.events.store import EventStore, now_ms

pytestmark = pytest.mark.anyio

EMAIL = {"request": {"to": [SUCCESS], "template": "welcome", "template_data": {"name": "Ada", "plan": "pro"}}}


def text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


def bounce_record(message_id: str, to: str) -> dict[str, Any]:
    stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "eventType": "Bounce",
        "mail": {
            "timestamp": stamp,
            "messageId": message_id,
            "source": SENDER,
            "destination": [to],
            "tags": {},
        },
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": to}],
            "timestamp": stamp,
        },
    }


def fill(path: Path, sends: int, bounces: int) -> None:
    with EventStore.open(path) as store:
        store.commit(
            [
                sent_fact(
                    store.hasher, message_id=f"m{i}", recipient=f"u{i}@example.org", sent_at_ms=now_ms()
                )
                for i in range(sends)
            ],
            origin="test",
        )
        for i in range(bounces):
            store.commit(facts(bounce_record(f"m{i}", f"u{i}@example.org"), store.hasher), origin="test")


async def test_refused_when_the_store_shows_a_bounce_rate_over_the_threshold(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "events.db"
    monkeypatch.setenv("SESCTL_EVENTS_STORE", str(store))
    fill(store, sends=100, bounces=5)  # 5 %: at the threshold, not over it
    callback, asked = answering("accept")
    async with Client(harness.server, elicitation_callback=callback) as client:
        fine = await client.call_tool("send_email", EMAIL)
        assert fine.is_error is False, fine.content
        with EventStore.open(store) as opened:  # one more hard bounce: 6 of 100
            opened.commit(facts(bounce_record("m5", "u5@example.org"), opened.hasher), origin="test")
        refused = await client.call_tool("send_email", EMAIL)
        bulk = await client.call_tool(
            "send_bulk_email",
            {
                "request": {
                    "template": "welcome",
                    "recipients": [{"email": SUCCESS, "data": {"name": "A", "plan": "p"}}],
                }
            },
        )
    assert refused.is_error is True and bulk.is_error is True
    message = text(refused)
    assert "rates over the last 24 hours are over the alert thresholds" in message
    assert (
        "bounce rate 6.00 %" in message
        and "over 5.00 %" in message
        and "(source: the event store)" in message
    )
    assert "nothing was sent" in message
    assert len(asked) == 1  # the refused calls never asked the human
    # The human who confirmed the first send saw what was judged, and on what.
    assert "Reputation: within the alert thresholds (event store, 100 sends: bounce rate 5.00%" in asked[0]
    assert len(harness.sent()) == 1


async def test_refused_from_cloudwatch_when_there_is_no_store(harness: Harness) -> None:
    ses = harness.emulator.client("sesv2")
    for to in (f"complaint@{SIM}", SUCCESS, f"success+1@{SIM}"):  # publishes to CloudWatch (marketing)
        ses.send_email(
            FromEmailAddress=SENDER,
            Destination={"ToAddresses": [to]},
            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
            ConfigurationSetName="marketing",
        )
    callback, asked = answering("accept")
    async with Client(harness.server, elicitation_callback=callback) as client:
        refused = await client.call_tool("send_email", EMAIL)
    assert refused.is_error is True
    message = text(refused)
    assert "complaint rate 33.33 %" in message and "(source: CloudWatch)" in message
    assert asked == [] and len(harness.sent()) == 3


async def test_the_confirmation_says_when_the_rates_could_not_be_judged(harness: Harness) -> None:
    """No events in the store or CloudWatch: the send goes on (a new account has none), but the
    human is told the reputation was not checked instead of nothing."""
    callback, asked = answering("accept")
    async with Client(harness.server, elicitation_callback=callback) as client:
        sent = await client.call_tool("send_email", EMAIL)
    assert sent.is_error is False, sent.content
    assert "Reputation: not checked: no sends in the event store or CloudWatch over the last 24 hours" in asked[0]
    assert sent.structured_content["preview"]["reputation"].startswith("not checked")


async def test_the_projects_alert_policy_sets_the_threshold(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """4 % bounces pass the default 5 % but not a project whose AlertPolicy pages at 3 %."""
    store = tmp_path / "events.db"
    monkeypatch.setenv("SESCTL_EVENTS_STORE", str(store))
    fill(store, sends=100, bounces=4)
    project = tmp_path / "project"
    (project / "manifests").mkdir(parents=True)
    (project / "sesctl.yaml").write_text("apiVersion: sesctl/v1\nkind: Project\nstack: r\nmanifests: manifests\n")
    (project / "manifests" / "alerts.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: AlertPolicy\nmetadata: {name: strict}\nspec: {bounceRate: 0.03}\n"
    )
    callback, _asked = answering("accept")
    async with Client(make_harness(project=str(project)).server, elicitation_callback=callback) as client:
        refused = await client.call_tool("send_email", EMAIL)
    assert refused.is_error is True and "over 3.00 %" in text(refused)


async def test_the_thresholds_are_loaded_once_and_again_after_an_edit(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two sends load the manifests once (the server keeps the thresholds); editing the
    AlertPolicy changes the next call's decision, without a restart."""
    import os

    import reconciler.manifest

    store = tmp_path / "events.db"
    monkeypatch.setenv("SESCTL_EVENTS_STORE", str(store))
    fill(store, sends=100, bounces=4)  # 4 %
    project = tmp_path / "project"
    (project / "manifests").mkdir(parents=True)
    (project / "sesctl.yaml").write_text("apiVersion: sesctl/v1\nkind: Project\nstack: r\nmanifests: manifests\n")
    policy = project / "manifests" / "alerts.yaml"
    policy.write_text("apiVersion: sesctl/v1\nkind: AlertPolicy\nmetadata: {name: strict}\nspec: {bounceRate: 0.05}\n")
    for path in (project / "sesctl.yaml", policy):  # written a minute ago: settled (manifest/stamp.py)
        os.utime(path, (path.stat().st_atime - 60, path.stat().st_mtime - 60))
    loads: list[Path] = []
    real = reconciler.manifest.load_manifests

    def counted(path: Any = None, *args: Any, **kwargs: Any) -> Any:
        loads.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(reconciler.manifest, "load_manifests", counted)
    callback, asked = answering("accept")
    async with Client(make_harness(project=str(project)).server, elicitation_callback=callback) as client:
        for _ in range(2):
            sent = await client.call_tool("send_email", EMAIL)
            assert sent.is_error is False, sent.content
        assert len(loads) == 1
        # the same size, a minute later: only the modification time tells the edit
        policy.write_text(policy.read_text().replace("0.05", "0.03"))
        refused = await client.call_tool("send_email", EMAIL)
        assert refused.is_error is True and "over 3.00 %" in text(refused)
        assert len(loads) == 2
    assert len(asked) == 2
