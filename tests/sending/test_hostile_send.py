"""Hostile and sloppy input to `sesctl send` and the engine: every case is a clear message
naming the file and line (or a per-row refusal), never a traceback, and nothing is sent."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sending_support import gateway_for, send_args, sesctl

from reconciler.sending import (
    CheckpointError,
    RecipientFileError,
    SendEngine,
    SendJob,
    file_digest,
    read_recipients,
)
from reconciler.sending.dedupe import SeenAddresses
from reconciler.testing import LocalEmulator


def run(emulator: LocalEmulator, path: Path, **job: Any) -> Any:
    job.setdefault("from_address", "news@example.com")
    job.setdefault("template", "welcome")
    engine = SendEngine(gateway_for(emulator), SendJob(**job), seed=1)
    return engine.run(read_recipients(path), source_digest=file_digest(path))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty.csv: the file is empty"),
        ("noemail.csv", b"name,plan\nAda,pro\n", "noemail.csv:1: the CSV header has no 'email' column"),
        (
            "latin1.csv",
            b"email,name,plan\na@example.org,A,p\nb@example.org,Jos\xe9,p\n",
            "latin1.csv:3: not UTF-8",
        ),
        (
            "latin1.jsonl",
            b'{"email":"a@example.org"}\n{"email":"b@example.org","n":"\xe9"}\n',
            "latin1.jsonl:2: not UTF-8",
        ),
        ("array.jsonl", b'{"email":"a@example.org"}\n[1, 2]\n', "array.jsonl:2: expected a JSON object"),
        (
            "deep.jsonl",
            b'{"email":"a@example.org","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
            "deep.jsonl:1: the JSON is nested too deeply",
        ),
        (
            "huge.csv",
            b"email,name\na@example.org," + b"x" * 10_000_000 + b"\n",
            "huge.csv:2: a cell is longer than",
        ),
    ],
)
def test_malformed_recipient_files_name_file_and_line(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RecipientFileError) as caught:
        run(emulator, path, dry_run=True)
    assert message in str(caught.value)


def test_bom_crlf_and_lone_cr_files_read_like_plain_ones(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    plain = 'email,name,plan\na@example.org,A,p\nb@example.org,B,"two\nlines"\nnot-an-address,C,p\n'
    variants = {
        "bom.csv": b"\xef\xbb\xbf" + plain.replace("\n", "\r\n").encode(),
        "cr.csv": plain.replace("\n", "\r").encode(),
    }
    for name, content in variants.items():
        path = tmp_path / name
        path.write_bytes(content)
        report = run(emulator, path, dry_run=True)
        assert (report.sent, report.refused_invalid) == (2, 1), name
        assert [(p.row, p.line) for p in report.examples] == [(2, 5)], name  # the quoted cell spans 2 lines


def test_duplicate_addresses_are_sent_once_and_reported(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = tmp_path / "dups.csv"
    path.write_text(
        "email,name,plan\nada@example.org,A,p\nbob@example.org,B,p\nADA@example.org ,A2,p\nbob@example.org,B2,p\n"
    )
    dry = run(emulator, path, dry_run=True)
    assert (dry.sent, dry.skipped_duplicate) == (2, 2)
    assert [(p.row, p.email) for p in dry.examples] == [(2, "A***A@example.org"), (3, "b***b@example.org")]
    checkpoint = tmp_path / "run.ckpt"
    report = run(emulator, path, checkpoint=checkpoint)
    assert (report.sent, report.skipped_duplicate, report.processed) == (2, 2, 4)
    sent = emulator.admin("sent_messages", include_body=False)
    assert sorted(m["to"][0] for m in sent) == ["ada@example.org", "bob@example.org"]
    again = run(emulator, path, checkpoint=checkpoint)  # a resume finds the same duplicates
    assert (again.sent, again.already_done, again.skipped_duplicate) == (0, 2, 2)
    assert len(emulator.admin("sent_messages", include_body=False)) == 2


def test_seen_addresses_grows_past_its_first_table() -> None:
    seen = SeenAddresses()
    assert all(seen.add(f"u{i}@example.org") for i in range(5000))
    assert not any(seen.add(f"U{i}@EXAMPLE.org ") for i in range(0, 5000, 7))
    assert len(seen) == 5000


def test_header_injection_in_data_refuses_the_row(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = tmp_path / "inj.jsonl"
    path.write_text(
        '{"email": "a@example.org", "name": "Ada\\r\\nBcc: x@evil.example", "plan": "p"}\n'
        '{"email": "b@example.org\\r\\nBcc: x@evil.example", "name": "B", "plan": "p"}\n'
        '{"email": "c@example.org", "name": "C", "plan": "p"}\n'
    )
    report = run(emulator, path)
    assert (report.sent, report.refused_invalid) == (1, 2)
    assert "line break" in report.examples[0].reason
    sent = emulator.admin("sent_messages", include_body=False)
    assert [m["to"] for m in sent] == [["c@example.org"]]


def test_foreign_or_corrupt_checkpoints_are_refused(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("email,name,plan\na@example.org,A,p\n")
    for name, content in {
        "binary.ckpt": os.urandom(64).replace(b"\n", b"") + b"\n",
        "list.ckpt": b"[1, 2]\n",
        "badentry.ckpt": b'{"type": "run", "run_id": "r1"}\n{"type": "end", "sent": 5}\n',
    }.items():
        checkpoint = tmp_path / name
        checkpoint.write_bytes(content)
        with pytest.raises(CheckpointError) as caught:
            run(emulator, path, checkpoint=checkpoint)
        assert name in str(caught.value)
    assert emulator.admin("sent_messages") == []


def test_cli_hostile_inputs_exit_1_with_a_message(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("email,name,plan\nsuccess@simulator.amazonses.com,A,p\n")
    checkpoint = tmp_path / "run.ckpt"
    first = sesctl(emulator.endpoint_url, *send_args(path, "--yes", "--checkpoint", str(checkpoint)))
    assert first.returncode == 0, first.stderr
    path.write_text(
        "email,name,plan\nsuccess@simulator.amazonses.com,A,p\nsuccess+2@simulator.amazonses.com,B,p\n"
    )
    cases = [
        (send_args(path, "--yes", "--checkpoint", str(checkpoint)), "recipients file is not the one"),
        (send_args(path, "--yes", "--rate", "nan"), "--rate"),
        (
            send_args(path, "--yes", "--from", "news@example.com\r\nBcc: x@evil.example"),
            "Invalid sender address",
        ),
        (send_args(path, "--yes", "--rate", "0"), "--rate"),
        (
            [
                "send",
                "--variant",
                "A=welcome:" + "9" * 5000,
                "--recipients",
                str(path),
                "--from",
                "n@example.com",
            ],
            "weights",
        ),
        (send_args(path, "--yes", "--configuration-set", "nope"), "Configuration set nope does not exist"),
    ]
    for args, message in cases:
        result = sesctl(emulator.endpoint_url, *args)
        assert result.returncode == 1, args
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    assert len(emulator.admin("sent_messages")) == 1
    device = sesctl(emulator.endpoint_url, *send_args(Path("/dev/null"), "--yes"))
    assert device.returncode == 1 and "/dev/null: not a regular file" in device.stderr
    header_only = tmp_path / "h.csv"
    header_only.write_text("email,name\n")
    result = sesctl(emulator.endpoint_url, *send_args(header_only, "--yes"))
    assert result.returncode == 0 and "h.csv has no recipient rows" in result.stderr


def test_ses_messages_quoting_recipients_are_masked(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """In the sandbox SES refuses an unverified recipient with a message that quotes it."""
    emulator.admin("configure_account", production_access_enabled=False, max_send_rate=100.0)
    path = tmp_path / "r.csv"
    path.write_text("email,name,plan\nstranger@example.net,S,p\n")
    checkpoint = tmp_path / "run.ckpt"
    with caplog.at_level("INFO", logger="reconciler.sending"):
        report = run(emulator, path, checkpoint=checkpoint)
    assert report.failed_permanent == 1
    assert "s***r@example.net" in report.examples[0].reason
    everything = json.dumps(report.to_dict()) + caplog.text + checkpoint.read_text()
    assert "stranger@" not in everything


def test_data_nested_too_deeply_refuses_the_row(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    deep = '{"a":' * 900 + "1" + "}" * 900
    path = tmp_path / "deep.jsonl"
    path.write_text(
        f'{{"email": "a@example.org", "name": "A", "plan": "p", "x": {deep}}}\n'
        '{"email": "b@example.org", "name": "B", "plan": "p"}\n'
    )
    report = run(emulator, path)
    assert (report.sent, report.refused_invalid, report.stopped) == (1, 1, None)
    assert "nested more than 200 levels" in report.examples[0].reason


def test_an_endpoint_failing_for_ever_stops_the_run(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    from reconciler.sending import EmulatorResolver

    emulator.configure(fault_rate=1.0, fault_kind="500", fault_operations=["SendBulkEmail"], seed=1)
    path = tmp_path / "r.csv"
    path.write_text("email,name,plan\na@example.org,A,p\n")
    engine = SendEngine(
        gateway_for(emulator),
        SendJob(
            from_address="news@example.com", template="welcome", retry_base=0.001, checkpoint=tmp_path / "ck"
        ),
        resolver=EmulatorResolver(emulator.endpoint_url),
        seed=1,
    )
    report = engine.run(read_recipients(path), source_digest=file_digest(path))
    assert report.stopped is not None and "after 6 attempts" in report.stopped
    assert report.sent == 0
