"""GDPR export and erase against the emulator: the person is in the contact list (SES allows
one per account and region, so with two topics), on the suppression list, in the event store
and in a checkpoint; afterwards only the chosen suppression entry remains."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reconciler.events import records
from reconciler.events.store import EventStore
from reconciler.testing import dummy_aws_env

SESCTL = str(Path(sys.executable).parent / "sesctl")
ADA = "Ada.Lovelace@example.com"
OTHER = "grace@example.com"


def _run(cwd: Path, emulator: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = dummy_aws_env(drop=("SESCTL_AUDIT", "SESCTL_EVENTS"))
    return subprocess.run(
        [SESCTL, "--endpoint-url", emulator.endpoint_url, "gdpr", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _delivery(address: str, message_id: str) -> dict[str, Any]:
    return {
        "eventType": "Delivery",
        "mail": {
            "timestamp": "2026-12-01T10:00:00.000Z",
            "messageId": message_id,
            "source": "news@example.com",
            "destination": [address],
            "tags": {"ses:configuration-set": ["marketing"]},
        },
        "delivery": {"timestamp": "2026-12-01T10:00:01.000Z", "recipients": [address]},
    }


@pytest.fixture
def person(tmp_path: Path, emulator: Any, ses: Any) -> Path:
    ses.create_contact_list(ContactListName="newsletter", Topics=[
        {"TopicName": "weekly", "DisplayName": "Weekly", "DefaultSubscriptionStatus": "OPT_IN"},
        {"TopicName": "product", "DisplayName": "Product news", "DefaultSubscriptionStatus": "OPT_OUT"},
    ])  # fmt: skip
    for address in (ADA, OTHER):
        ses.create_contact(
            ContactListName="newsletter",
            EmailAddress=address,
            TopicPreferences=[{"TopicName": "weekly", "SubscriptionStatus": "OPT_OUT"}],
        )
    ses.put_suppressed_destination(EmailAddress=ADA, Reason="COMPLAINT")
    store_path = tmp_path / ".sesctl" / "events.db"
    with EventStore.open(store_path) as store:
        found = records.facts(_delivery(ADA, "m-1"), store.hasher) + records.facts(_delivery(OTHER, "m-2"), store.hasher)
        store.commit(found, origin="test")
    journal = tmp_path / "campaign.checkpoint"
    journal.write_text(
        json.dumps({"type": "run", "run_id": "r1", "file": "sha256:00", "job": {}}) + "\n"
        + json.dumps({"type": "end", "batch": "b1", "sent": [], "failed": [[3, "Failed", f"SES refused {ADA.lower()}"]]})
        + "\n",
        encoding="utf-8",
    )
    return tmp_path


def test_export_lists_everything_held_about_the_person(person: Path, emulator: Any) -> None:
    done = _run(person, emulator, "export", ADA, "--checkpoint", str(person))
    assert done.returncode == 0, done.stderr
    subject = json.loads(done.stdout)["subjects"][0]
    assert subject["suppression"]["reason"] == "COMPLAINT"
    assert sorted(m["contact_list"] for m in subject["contact_lists"]) == ["newsletter"]
    assert subject["contact_lists"][0]["topic_preferences"] == [{"TopicName": "weekly", "SubscriptionStatus": "OPT_OUT"}]
    assert [e["message_id"] for e in subject["events"]] == ["m-1"]
    assert subject["checkpoints"] == [{"file": str(person / "campaign.checkpoint"), "lines": [2]}]
    trail = (person / ".sesctl" / "audit.jsonl").read_text(encoding="utf-8")
    assert "lovelace" not in trail.lower() and '"action": "export"' in trail


def test_erase_is_a_dry_run_without_yes(person: Path, emulator: Any, ses: Any) -> None:
    done = _run(person, emulator, "erase", ADA, "--suppression", "keep", "--checkpoint", str(person))
    assert done.returncode == 0, done.stderr
    receipt = json.loads(done.stdout)
    assert receipt["dry_run"] is True and receipt["subjects"][0]["contact_lists"] == ["newsletter"]
    assert "Dry run" in done.stderr
    assert len(ses.list_contacts(ContactListName="newsletter")["Contacts"]) == 2


def test_erase_without_a_suppression_choice_is_refused(person: Path, emulator: Any) -> None:
    done = _run(person, emulator, "erase", ADA, "--yes")
    assert done.returncode == 1 and "--suppression keep|remove is required" in done.stderr


def test_erase_leaves_only_the_kept_suppression(person: Path, emulator: Any, ses: Any) -> None:
    (person / "erase.txt").write_text(f"# request 17\n{ADA}\n", encoding="utf-8")
    done = _run(person, emulator, "erase", "--file", "erase.txt", "--suppression", "keep", "--yes",
                "--checkpoint", str(person / "campaign.checkpoint"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    receipt = json.loads(done.stdout)["subjects"][0]
    assert receipt["subject"] == "A***e@example.com" and receipt["subject_hash"].startswith("h:")
    assert receipt["events"] == 1 and receipt["suppression"] == "kept"
    assert [c["EmailAddress"] for c in ses.list_contacts(ContactListName="newsletter")["Contacts"]] == [OTHER]
    assert ses.get_suppressed_destination(EmailAddress=ADA)["SuppressedDestination"]["Reason"] == "COMPLAINT"
    with EventStore.open(person / ".sesctl" / "events.db") as store:
        assert store.find_recipient(store.recipient_hash(ADA)) == []
        assert len(store.find_recipient(store.recipient_hash(OTHER))) == 1  # nobody else's
    journal = (person / "campaign.checkpoint").read_text(encoding="utf-8")
    assert "ada.lovelace" not in journal.lower() and receipt["subject_hash"] in journal
    again = json.loads(_run(person, emulator, "export", ADA, "--checkpoint", str(person)).stdout)["subjects"][0]
    assert again["contact_lists"] == [] and again["events"] == [] and again["checkpoints"] == []
    assert again["suppression"]["reason"] == "COMPLAINT"
    trail = [json.loads(line) for line in (person / ".sesctl" / "audit.jsonl").read_text().splitlines()]
    assert "lovelace" not in json.dumps(trail).lower()
    assert trail[-1]["kind"] == "gdpr" and trail[-3]["result"]["receipt"][0]["contact_lists"] == ["newsletter"]


def test_erase_can_remove_the_suppression_entry(person: Path, emulator: Any, ses: Any) -> None:
    done = _run(person, emulator, "erase", ADA, "--suppression", "remove", "--yes")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["subjects"][0]["suppression"] == "removed"
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_suppressed_destination(EmailAddress=ADA)
