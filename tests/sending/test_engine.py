"""The send engine against the emulator: exact reports, pre-rendering, suppression, A/B,
retries, stops and the checkpoint."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest
from sending_support import ALL_EVENTS, gateway_for, sns_event_queue, write_csv

from reconciler.errors import SendError
from reconciler.sending import (
    CheckpointError,
    RecipientFileError,
    SendEngine,
    SendJob,
    Variant,
    assign,
    file_digest,
    mask_email,
    parse_variant,
    read_recipients,
)
from reconciler.testing import LocalEmulator


def people(
    n: int, *, missing_plan: Collection[int] = frozenset(), domain: str = "example.org"
) -> list[dict[str, str]]:
    return [
        {"email": f"user{i}@{domain}", "name": f"User {i}", "plan": "" if i in missing_plan else "pro"}
        for i in range(n)
    ]


def send(emulator: LocalEmulator, path: Path, **job: Any) -> Any:
    job.setdefault("from_address", "news@example.com")
    if "variants" not in job:
        job.setdefault("template", "welcome")
    resolver = job.pop("resolver", None)
    engine = SendEngine(gateway_for(emulator), SendJob(**job), resolver=resolver, seed=1)
    return engine.run(read_recipients(path), source_digest=file_digest(path))


def messages(emulator: LocalEmulator, **filters: Any) -> list[dict[str, Any]]:
    return list(emulator.admin("sent_messages", include_body=False, **filters))


def test_thousand_recipients_exact_report(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    suppressed = {i for i in range(1000) if i % 20 == 0}  # 5%
    missing = {i for i in range(1000) if i % 50 == 1}  # 2%
    for i in suppressed:
        ses.put_suppressed_destination(EmailAddress=f"user{i}@example.org", Reason="BOUNCE")
    # A destination for Rendering Failure events only: the engine must never cause one.
    failures = sns_event_queue(emulator, "campaign", ["RENDERING_FAILURE"])
    path = write_csv(tmp_path / "r.csv", people(1000, missing_plan=missing))
    report = send(emulator, path, configuration_set="campaign", checkpoint=tmp_path / "ck")
    assert (report.sent, report.skipped_suppressed, report.refused_render, report.failed_permanent) == (
        930,
        50,
        20,
        0,
    )
    assert report.refused_invalid == 0 and report.retried == 0 and report.stopped is None
    assert "missing variable 'plan'" in report.examples[0].reason
    assert report.examples[0].email == mask_email("user1@example.org") and report.examples[0].row == 1
    stored = messages(emulator)
    assert len(stored) == 930
    assert all(set(m["outcomes"].values()) == {"delivered"} for m in stored)
    addresses = {m["to"][0] for m in stored}
    assert len(addresses) == 930
    assert not addresses & {f"user{i}@example.org" for i in suppressed | missing}
    assert failures.drain(timeout=0.2) == []


def test_dry_run_sends_nothing(emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", people(120, missing_plan={3}))
    report = send(emulator, path, dry_run=True, checkpoint=tmp_path / "ck")
    assert (report.sent, report.refused_render) == (119, 1)
    assert report.dry_run and messages(emulator) == []
    assert not (tmp_path / "ck").exists()


def test_ab_assignment_is_deterministic_and_tagged(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    ses.create_email_template(
        TemplateName="welcome-b", TemplateContent={"Subject": "B for {{name}}", "Text": "b"}
    )
    variants = (parse_variant("A=welcome:50"), parse_variant("B=welcome-b:50"))
    path = write_csv(tmp_path / "r.csv", people(200))
    dry = send(emulator, path, variants=variants, dry_run=True)
    report = send(emulator, path, variants=variants)
    assert report.by_variant == dry.by_variant
    assert 70 <= report.by_variant["A"] <= 130 and report.by_variant["A"] + report.by_variant["B"] == 200
    for message in emulator.admin("sent_messages"):
        expected = assign(message["to"][0], variants)
        assert message["tags"]["sesctl-variant"] == expected.name
        assert message["subject"].startswith("Welcome" if expected.name == "A" else "B for")
    # Stable: the same address always lands in the same variant, whatever the file order.
    assert assign("USER7@example.org", variants) == assign("user7@example.org", variants)
    assert assign("x@example.org", (Variant("A", "t", 1), Variant("B", "u", 0 + 1))).name in {"A", "B"}


def test_transient_statuses_are_retried(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    emulator.admin("configure_sending", transient_failures=3)
    path = write_csv(tmp_path / "r.csv", people(60))
    report = send(emulator, path)
    assert (report.sent, report.retried, report.failed_permanent) == (60, 3, 0)
    assert len({m["to"][0] for m in messages(emulator)}) == 60 == len(messages(emulator))


def test_transient_statuses_give_up_after_max_attempts(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    emulator.admin("configure_sending", transient_failures=2)
    path = write_csv(tmp_path / "r.csv", people(1))
    report = send(emulator, path, max_attempts=2)
    assert (report.sent, report.retried, report.failed_permanent) == (0, 1, 1)
    assert report.failures == {"TRANSIENT_FAILURE": 1}


def test_permanent_statuses_are_reported(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    # In the sandbox, an unverified recipient is MESSAGE_REJECTED; the simulator is allowed.
    emulator.admin(
        "configure_account", production_access_enabled=False, max_send_rate=100.0, max_24_hour_send=200.0
    )
    rows = [*people(2), {"email": "success@simulator.amazonses.com", "name": "S", "plan": "p"}]
    path = write_csv(tmp_path / "r.csv", rows)
    report = send(emulator, path)
    assert any("sandbox" in w for w in report.warnings)
    assert (report.sent, report.failed_permanent) == (1, 2)
    assert report.failures == {"MESSAGE_REJECTED": 2}


def test_daily_quota_stops_the_run_and_the_checkpoint_resumes_it(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    emulator.admin("configure_account", max_24_hour_send=30.0)
    path = write_csv(tmp_path / "r.csv", people(80))
    first = send(emulator, path, checkpoint=tmp_path / "ck")
    assert first.sent == 30 and first.stopped and "ACCOUNT_DAILY_QUOTA_EXCEEDED" in first.stopped
    emulator.admin("configure_account", max_24_hour_send=1000.0)
    second = send(emulator, path, checkpoint=tmp_path / "ck")
    assert (second.sent, second.already_done, second.stopped) == (50, 30, None)
    assert len({m["to"][0] for m in messages(emulator)}) == 80 == len(messages(emulator))


def _drop_last_end(checkpoint: Path) -> list[int]:
    """Make the last batch in doubt, as if the process died right after SES answered."""
    lines = checkpoint.read_text().splitlines()
    index = max(i for i, line in enumerate(lines) if json.loads(line)["type"] == "end")
    rows = [row for row, _ in json.loads(lines[index])["sent"]]
    checkpoint.write_text("\n".join(lines[:index] + lines[index + 1 :]) + "\n")
    return rows


def test_in_doubt_batch_is_decided_by_the_emulator(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    from reconciler.sending import EmulatorResolver

    path = write_csv(tmp_path / "r.csv", people(100))
    ck = tmp_path / "ck"
    send(emulator, path, checkpoint=ck)
    in_doubt = _drop_last_end(ck)
    assert len(in_doubt) == 50
    # Without a way to ask, the default refuses to guess.
    with pytest.raises(CheckpointError, match="in doubt"):
        send(emulator, path, checkpoint=ck)
    report = send(emulator, path, checkpoint=ck, resolver=EmulatorResolver(emulator.endpoint_url))
    assert (report.in_doubt_sent, report.sent, report.already_done) == (50, 0, 50)
    assert len(messages(emulator)) == 100


def test_in_doubt_resend_and_skip(emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", people(60))
    ck = tmp_path / "ck"
    send(emulator, path, checkpoint=ck)
    doubt = len(_drop_last_end(ck))  # the batch answered last (calls may run concurrently)
    resent = send(emulator, path, checkpoint=ck, in_doubt="resend")
    assert (resent.in_doubt_resent, resent.sent) == (doubt, doubt)
    assert len(messages(emulator)) == 60 + doubt  # the documented cost of "resend": duplicates
    doubt = len(_drop_last_end(ck))
    skipped = send(emulator, path, checkpoint=ck, in_doubt="skip")
    assert (skipped.in_doubt_skipped, skipped.sent) == (doubt, 0)


def test_checkpoint_refuses_another_file(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    ck = tmp_path / "ck"
    send(emulator, write_csv(tmp_path / "a.csv", people(3)), checkpoint=ck)
    with pytest.raises(CheckpointError, match="belongs to another run"):
        send(emulator, write_csv(tmp_path / "b.csv", people(4)), checkpoint=ck)


def test_jsonl_recipients_and_tags(emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        json.dumps(
            {"email": "ada@example.org", "data": {"name": "Ada", "plan": "pro"}, "tags": {"segment": "vip"}}
        )
        + "\n\n"
        + json.dumps({"email": "bob@example.org", "name": "Bob", "plan": "free"})
        + "\n"
        + json.dumps({"email": "not-an-address", "name": "X", "plan": "y"})
        + "\n"
    )
    report = send(emulator, path, default_tags={"campaign": "c1"})
    assert (report.sent, report.refused_invalid) == (2, 1), report.to_dict()
    ada, bob = emulator.admin("sent_messages")
    assert ada["tags"]["segment"] == "vip" and ada["tags"]["campaign"] == "c1"
    assert bob["text"] == "Hi Bob, your plan is free."


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("r.jsonl", '{"email": "a@example.org"}\n{not json}\n', "r.jsonl:2"),
        ("r.jsonl", '["a@example.org"]\n', "r.jsonl:1"),
        ("r.csv", "name,plan\nAda,pro\n", "r.csv:1"),
        ("r.xlsx", "x", "unknown recipients format"),
    ],
)
def test_bad_recipient_files_name_file_and_line(tmp_path: Path, name: str, content: str, where: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(RecipientFileError, match=where):
        list(read_recipients(path))


def test_csv_nesting_tags_and_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        'email,user.name,tag:segment,plan\nada@example.org,Ada,vip,\n"bob@example.org","Bo\nb",,x\n'
    )
    ada, bob = read_recipients(path)
    assert ada.data == {"user": {"name": "Ada"}} and ada.tags == {"segment": "vip"} and ada.line == 2
    assert bob.data == {"user": {"name": "Bo\nb"}, "plan": "x"} and bob.row == 1 and bob.line == 3


def test_logs_mask_addresses(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ses.put_suppressed_destination(EmailAddress="user0@example.org", Reason="BOUNCE")
    path = write_csv(tmp_path / "r.csv", people(3, missing_plan={1}))
    with caplog.at_level(logging.INFO, logger="reconciler.sending"):
        send(emulator, path)
    text = caplog.text
    assert "u***0@example.org" in text and "u***1@example.org" in text
    assert "user0@example.org" not in text and "user1@example.org" not in text


def test_masking() -> None:
    assert mask_email("alice@example.com") == "a***e@example.com"
    assert mask_email("al@example.com") == "a*@example.com"
    assert mask_email("nonsense") == "***"


def test_all_events_constant_matches_the_model() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sesv2")
    assert sorted(ALL_EVENTS) == sorted(model.shape_for("EventType").enum)  # type: ignore[attr-defined]


def test_in_memory_recipients(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    from reconciler.sending import recipients_from

    items: list[dict[str, Any]] = [
        {"email": "ada@example.org", "data": {"name": "Ada", "plan": "pro"}, "tags": {"segment": "vip"}},
        {"email": "bob@example.org", "name": "Bob"},
        {"email": "cy@example.org", "name": "Cy", "plan": "free", "tags": {"bad tag": "x"}},
    ]
    job = SendJob(from_address="news@example.com", template="welcome")
    report = SendEngine(gateway_for(emulator), job).run(recipients_from(items))
    assert (report.sent, report.refused_render, report.refused_invalid) == (1, 1, 1)
    assert [e.row for e in report.examples] == [1, 2]
    [message] = emulator.admin("sent_messages")
    assert message["tags"]["segment"] == "vip" and message["tags"]["sesctl-idem"].endswith("-0")


@pytest.mark.parametrize("concurrency", [1, 4])
def test_server_errors_are_decided_by_the_emulator_without_duplicates(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path, concurrency: int
) -> None:
    from reconciler.sending import EmulatorResolver

    # 20 %: a batch fails all 6 attempts once in ~16,000 (at 30 % it did under load, with
    # concurrent workers making the seeded faults land in another order).
    emulator.configure(fault_rate=0.2, fault_kind="500", fault_operations=["SendBulkEmail"], seed=3)
    path = write_csv(tmp_path / "r.csv", people(200))
    resolver = EmulatorResolver(emulator.endpoint_url)
    emulator.admin("configure_sending", transient_failures=7)
    report = send(
        emulator,
        path,
        checkpoint=tmp_path / "ck",
        resolver=resolver,
        retry_base=0.01,
        concurrency=concurrency,
    )
    assert report.sent == 200 and report.retried > 0 and report.stopped is None
    assert len({m["to"][0] for m in messages(emulator)}) == 200 == len(messages(emulator))


def test_server_error_without_resolver_stops_in_doubt(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    emulator.configure(fault_rate=1.0, fault_kind="500", fault_operations=["SendBulkEmail"])
    path = write_csv(tmp_path / "r.csv", people(10))
    report = send(emulator, path, checkpoint=tmp_path / "ck")
    assert report.sent == 0 and report.stopped and "in doubt" in report.stopped
    emulator.configure(fault_rate=0.0)
    with pytest.raises(CheckpointError, match="10 recipients"):
        send(emulator, path, checkpoint=tmp_path / "ck")
    resumed = send(emulator, path, checkpoint=tmp_path / "ck", in_doubt="resend")
    assert resumed.sent == 10 and len(messages(emulator)) == 10


def test_progress_bar_only_on_a_terminal() -> None:
    import io

    from reconciler.sending.progress import ProgressBar
    from reconciler.sending.report import SendReport

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    report = SendReport(sent=40, skipped_suppressed=2)
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        bar = ProgressBar(100, stream=stream)
        bar(report)
        bar.close(report)
    assert pipe.getvalue() == ""
    assert "42/100" in terminal.getvalue() and "sent 40" in terminal.getvalue()
    assert terminal.getvalue().endswith("\n")


def test_dry_run_warns_when_the_campaign_exceeds_the_quota(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    emulator.admin("configure_account", max_24_hour_send=100.0, sent_last_24_hours=90.0)
    report = send(emulator, write_csv(tmp_path / "r.csv", people(20)), dry_run=True)
    assert any("exceed the 10 left of the 24-hour quota" in w for w in report.warnings)


def test_dry_run_warns_about_an_unverified_sender_and_refuses_an_unknown_set(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", people(2))
    verified = send(emulator, path, dry_run=True, from_address="Team <team@mail.example.com>")
    assert not verified.warnings  # its parent domain example.com is verified
    report = send(emulator, path, dry_run=True, from_address="someone@elsewhere.test")
    assert any("s***e@elsewhere.test is not a verified identity" in w for w in report.warnings)
    with pytest.raises(SendError, match="Configuration set nope does not exist"):
        send(emulator, path, dry_run=True, configuration_set="nope")
