"""Hostile files given to the commands that read them: `events consume` (malformed SNS
envelopes, truncated JSON and gzip, huge records), `suppression import`, `gdpr`, `analytics`
filters shaped like SQL, and saved plans given to `apply --plan`. Through the real CLI
against one emulator: exit 1 naming the file (and line), or the record quarantined (kept,
not lost) where that is the documented outcome; never a traceback; nothing applied."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hostile_support import PROJECT, Case, Run, assert_refused, run_cases, sesctl, write_files

from reconciler.testing import LocalEmulator, local_emulator

REPO = Path(__file__).resolve().parents[2]
BIG = "9" * 5000
DEEP = "[" * 100_000 + "]" * 100_000


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def project(**more: object) -> dict[str, object]:
    return {"sesctl.yaml": PROJECT, "manifests/.keep": "", **more}


def consume(name: str, *extra: str) -> tuple[str, ...]:
    return ("events", "consume", "--store", "events.db", *extra, name)


def suppression_import(name: str) -> tuple[str, ...]:
    return ("--endpoint-url", "{endpoint}", "suppression", "import", name)


def gdpr(*args: str) -> tuple[str, ...]:
    return ("--endpoint-url", "{endpoint}", "gdpr", *args)


CASES = [
    # events consume: a file that cannot be read at all is an error...
    Case("consume-truncated-gzip", project(**{"e.ndjson.gz": gzip.compress(b'{"a": 1}\n' * 100)[:-20]}), consume("e.ndjson.gz"), ("e.ndjson.gz: not valid gzip",)),
    Case("consume-garbage-gzip", project(**{"e.ndjson.gz": b"\x1f\x8b\x08\x00garbage"}), consume("e.ndjson.gz"), ("e.ndjson.gz: not valid gzip",)),
    Case("consume-directory", project(), consume("manifests"), ("manifests is a directory",)),
    Case("consume-missing", project(), consume("nope.ndjson"), ("cannot read nope.ndjson",)),
    # ... and a record that cannot be read is quarantined (kept with why, not lost): exit 0
    Case("consume-truncated-json", project(**{"e.ndjson": '{"eventType": "Deliv'}), consume("e.ndjson"), ("1 quarantined",), code=0),
    Case("consume-sns-not-json", project(**{"e.ndjson": json.dumps({"Type": "Notification", "Message": "{not json"}) + "\n"}), consume("e.ndjson"), ("1 quarantined",), code=0),
    Case("consume-sns-message-number", project(**{"e.ndjson": json.dumps({"Type": "Notification", "Message": 5}) + "\n"}), consume("e.ndjson"), ("1 quarantined",), code=0),
    Case("consume-sns-huge-int", project(**{"e.ndjson": json.dumps({"Type": "Notification", "Message": '{"a": ' + BIG + "}"}) + "\n"}), consume("e.ndjson"), ("1 quarantined",), code=0),
    Case("consume-huge-int", project(**{"e.ndjson": '{"eventType": "Delivery", "n": ' + BIG + "}\n"}), consume("e.ndjson"), ("1 quarantined",), code=0),
    Case("consume-deep", project(**{"e.ndjson": DEEP + "\n"}), consume("e.ndjson"), ("1 quarantined",), code=0),
    Case("consume-binary", project(**{"e.ndjson": b"\xff\xfe\x00\x01garbage\n"}), consume("e.ndjson"), ("1 quarantined",), code=0),
    Case("consume-foreign-eventbridge", project(**{"e.ndjson": json.dumps({"detail-type": "x", "detail": {}, "source": "evil"}) + "\n"}), consume("e.ndjson", "--json"), ('"quarantined": 1',), code=0),
    Case("consume-store-foreign", project(**{"e.ndjson": "{}\n", "notes.txt": "mine\n"}), ("events", "consume", "--store", "notes.txt", "e.ndjson"), ("notes.txt is not an event store",)),
    # suppression import
    Case("suppression-deep-jsonl", project(**{"s.jsonl": '{"email": ' + DEEP + "}\n"}), suppression_import("s.jsonl"), ("s.jsonl:1:", "nested too deeply")),
    Case("suppression-huge-cell", project(**{"s.csv": "email,reason\n" + "a" * 200_000 + "@example.com,BOUNCE\n"}), suppression_import("s.csv"), ("s.csv:2:", "not CSV")),
    Case("suppression-huge-int", project(**{"s.jsonl": '{"email": "a@example.com", "reason": ' + BIG + "}\n"}), suppression_import("s.jsonl"), ("s.jsonl:1:",)),
    Case("suppression-truncated", project(**{"s.jsonl": '{"email": "a@example.com", "rea'}), suppression_import("s.jsonl"), ("s.jsonl:1:", "not a JSON object")),
    Case("suppression-bad-address", project(**{"s.csv": "email,reason\n\"a@example.com\r\nBcc: b@example.com\",BOUNCE\n"}), suppression_import("s.csv"), ("s.csv:", "not an email address")),
    Case("suppression-bad-reason", project(**{"s.csv": "email,reason\na@example.com,'; DROP TABLE x; --\n"}), suppression_import("s.csv"), ("s.csv:2:", "reason must be BOUNCE or COMPLAINT")),
    Case("suppression-latin1", project(**{"s.csv": b"email,reason\ncaf\xe9@example.com,BOUNCE\n"}), suppression_import("s.csv"), ("s.csv", "not UTF-8")),
    Case("suppression-no-header", project(**{"s.csv": "a@example.com,BOUNCE\n"}), suppression_import("s.csv"), ("s.csv:1:", "address column")),
    # gdpr
    Case("gdpr-sql-shaped", project(), gdpr("export", "' OR 1=1 --"), ("not an email address",)),
    Case("gdpr-like-wildcard", project(), gdpr("export", "%@%"), ("not an email address",)),
    Case("gdpr-line-break", project(), gdpr("export", "a@example.com\nb@example.com"), ("not an email address",)),
    Case("gdpr-foreign-store", project(**{"notes.txt": "mine\n"}), gdpr("export", "--store", "notes.txt", "a@example.com"), ("notes.txt is not an event store",)),
    Case("gdpr-erase-latin1-file", project(**{"a.txt": b"caf\xe9@example.com\n"}), gdpr("erase", "--file", "a.txt", "--suppression", "keep"), ("a.txt", "not UTF-8")),
]


@pytest.fixture(scope="module")
def emulator() -> Iterator[LocalEmulator]:
    with local_emulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, emulator: LocalEmulator) -> dict[str, Run]:
    return run_cases(CASES, tmp_path_factory.mktemp("files"), {"endpoint": emulator.endpoint_url})


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_file_is_refused_or_quarantined(case: Case, results: dict[str, Run]) -> None:
    run = results[case.id]
    assert_refused(run, case)
    assert "a@example.com" not in run.output and "caf\\xe9@" not in run.output  # masked


def test_nothing_was_suppressed(results: dict[str, Run], emulator: LocalEmulator) -> None:
    ses = emulator.client("sesv2")
    assert ses.list_suppressed_destinations()["SuppressedDestinationSummaries"] == []


def test_sql_shaped_analytics_filters_are_values(tmp_path: Path) -> None:
    """Filters and tag names are bound parameters: the store answers, and is intact after."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    mail = {"timestamp": now, "messageId": "m1", "source": "n@example.com", "destination": ["a@example.org"], "tags": {"camp": ["x"]}}
    record = {"eventType": "Send", "mail": mail, "send": {}}
    root = write_files(tmp_path, project(**{"e.ndjson": json.dumps(record) + "\n"}))
    assert sesctl(consume("e.ndjson"), root).returncode == 0
    for args in (
        ("--filter", "camp' OR '1'='1"),
        ("--filter", "camp=x' OR 1=1; DROP TABLE events; --"),
        ("--group-by", "tag", "--tag", "camp\"; DROP TABLE events; --"),
    ):
        run = sesctl(("analytics", "--source", "store", "--store", "events.db", "--format", "json", *args), root)
        assert run.returncode == 0 and "Traceback" not in run.output, run.output
        assert json.dumps(json.loads(run.stdout))  # JSON, whatever the filter
    after = sesctl(("analytics", "--source", "store", "--store", "events.db", "--format", "json", "--group-by", "total"), root)
    assert after.returncode == 0, after.output
    assert '"send":1' in after.stdout.replace(" ", "")  # the event is still there


@pytest.fixture(scope="module")
def saved_plan(tmp_path_factory: pytest.TempPathFactory, emulator: LocalEmulator) -> Path:
    root = tmp_path_factory.mktemp("plans")
    shutil.copytree(REPO / "manifests", root / "manifests")
    shutil.copy(REPO / "sesctl.yaml", root / "sesctl.yaml")
    made = sesctl(("--endpoint-url", emulator.endpoint_url, "plan", "--out", "plan.json"), root)
    assert made.returncode == 0, made.output
    return root


def test_tampered_plans_apply_nothing(saved_plan: Path, emulator: LocalEmulator) -> None:
    good = (saved_plan / "plan.json").read_text(encoding="utf-8")
    edited = json.loads(good)
    edited["changes"][0]["after"] = {"subject": "changed"}
    variants: dict[str, str | bytes] = {
        "truncated.json": good[: len(good) // 2],
        "huge-int.json": good.replace('"format_version"', f'"x": {BIG}, "format_version"', 1),
        "deep.json": DEEP,
        "edited.json": json.dumps(edited),
        "other-stack.json": good.replace('"stack": "example"', '"stack": "other"'),
        "binary.json": b"\xd2\x00\xff" * 10,
    }
    expected = {
        "truncated.json": "truncated.json:",
        "huge-int.json": "not a plan sesctl writes",
        "deep.json": "nested more than",
        "edited.json": "was edited",
        "other-stack.json": "stack 'other'",
        "binary.json": "not UTF-8",
    }
    write_files(saved_plan, variants)
    os.mkfifo(saved_plan / "fifo.json")
    expected["fifo.json"] = "not a regular file"
    cases = [
        Case(name, {}, ("--endpoint-url", emulator.endpoint_url, "apply", "--plan", name, "--auto-approve"), (message,))
        for name, message in expected.items()
    ]
    for case in cases:
        assert_refused(sesctl(case.args, saved_plan), case)
    assert emulator.client("sesv2").list_email_templates()["TemplatesMetadata"] == []
