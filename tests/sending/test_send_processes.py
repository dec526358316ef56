"""`sesctl send --processes N` as real processes against the emulator over HTTP: the shards
send what one process sends (each address once, the same variant), a killed worker or parent
resumes exactly once, another N is refused, and a breaker trip in one shard pauses them all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sending_support import ENV, SESCTL, send_args, sesctl, write_csv

from reconciler.sending.shards import journal_path, shard_of, write_manifest
from reconciler.testing import LocalEmulator


def sent(emulator: LocalEmulator) -> list[dict[str, Any]]:
    return list(emulator.admin("sent_messages", include_body=False))


def sent_to(emulator: LocalEmulator) -> Counter[str]:
    return Counter(m["to"][0] for m in sent(emulator))


def people(n: int, domain: str = "example.org") -> list[dict[str, str]]:
    return [{"email": f"user{i}@{domain}", "name": f"U{i}", "plan": "pro"} for i in range(n)]


def lock_pid(lock: Path, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            text = lock.read_text().strip()
        except FileNotFoundError:
            text = ""
        if text.isdigit():
            return int(text)
        time.sleep(0.05)
    raise AssertionError(f"{lock} never held a pid")


def wait_for(condition: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_three_processes_send_what_one_sends(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    ses.create_email_template(
        TemplateName="welcome-b", TemplateContent={"Subject": "B {{name}}", "Text": "{{plan}}"}
    )
    ses.put_suppressed_destination(EmailAddress="user8@example.org", Reason="BOUNCE")
    rows = people(60)
    rows[4]["plan"] = ""  # refused: rendering
    rows += [
        {"email": "User10@EXAMPLE.org", "name": "dup", "plan": "pro"},  # duplicates, another spelling
        {"email": "user11@example.org", "name": "dup", "plan": "pro"},
    ]
    path = write_csv(tmp_path / "r.csv", rows)
    ab = ["--variant", "A=welcome:1", "--variant", "B=welcome-b:1"]

    def campaign(*extra: str) -> tuple[dict[str, Any], dict[str, str]]:
        emulator.admin("clear_sent_messages")
        args = [
            "send",
            *ab,
            "--recipients",
            str(path),
            "--from",
            "news@example.com",
            "--yes",
            "--json",
            *extra,
        ]
        audit = tmp_path / f"audit{len(extra)}.jsonl"
        result = sesctl(emulator.endpoint_url, *args, env={**ENV, "SESCTL_AUDIT_LOG": str(audit)})
        assert result.returncode == 0, result.stdout + result.stderr
        started, finished = (json.loads(line) for line in audit.read_text().splitlines())  # once per run
        assert started["kind"] == "send" and finished["result"]["counts"]["sent"] == 58
        messages = sent(emulator)
        variants = {m["to"][0]: m["tags"]["sesctl-variant"] for m in messages}
        assert len(variants) == len(messages)  # each address once
        assert "user4@example.org" not in result.stdout + result.stderr  # masked
        return json.loads(result.stdout), variants

    one, one_variants = campaign()
    three, three_variants = campaign("--processes", "3", "--checkpoint", str(tmp_path / "c.ckpt"))
    assert three_variants == one_variants and len(one_variants) == 58
    counted = (
        "rows",
        "sent",
        "skipped_suppressed",
        "skipped_duplicate",
        "refused_render",
        "failed_permanent",
    )
    assert {k: three[k] for k in counted} == {k: one[k] for k in counted}
    assert three["by_variant"] == one["by_variant"] and three["processes"] == 3 and "processes" not in one
    assert three["recorded"] == one["recorded"] == 58  # every shard recorded its sends in the store
    assert [e["row"] for e in three["examples"]] == [e["row"] for e in one["examples"]]
    assert three["stopped"] is None and three["max_send_rate"] == one["max_send_rate"]
    for k in range(3):  # every shard journaled its own rows, with the campaign's run id
        lines = [json.loads(x) for x in journal_path(tmp_path / "c.ckpt", k, 3).read_text().splitlines()]
        assert lines[0]["run_id"] == three["run_id"]
        assert {shard_of(rows[r]["email"], 3) for e in lines if e["type"] == "end" for r, _ in e["sent"]} == {
            k
        }


def _start(
    emulator: LocalEmulator, tmp_path: Path, n: int, *, session: bool = False
) -> tuple[subprocess.Popen[bytes], list[str], Path]:
    emulator.admin("configure_account", max_send_rate=90.0)  # 30/s per shard, batches of 15
    path = write_csv(tmp_path / "r.csv", people(n))
    checkpoint = tmp_path / "ck"
    args = [*send_args(path, "--checkpoint", str(checkpoint), "--processes", "3", "--yes")]
    proc = subprocess.Popen(
        [SESCTL, "--endpoint-url", emulator.endpoint_url, *args],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=session,  # its own process group, as a terminal's foreground job
    )
    wait_for(lambda: len(sent(emulator)) >= 60 or proc.poll() is not None)
    assert proc.poll() is None, proc.communicate()
    return proc, args, checkpoint


def test_a_killed_worker_is_reported_and_resume_sends_each_recipient_once(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    proc, args, checkpoint = _start(emulator, tmp_path, 400)
    worker = lock_pid(journal_path(checkpoint, 1, 3).with_name("ck.shard-2-of-3.lock"))
    os.kill(worker, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    assert b"shard 2 of 3: its process died (killed by SIGKILL)" in out, out
    assert b"--processes 3" in out and b"Traceback" not in err
    before = sum(sent_to(emulator).values())
    assert before < 400
    emulator.admin("configure_account", max_send_rate=900.0)  # the test's time, not the journal's
    resumed = sesctl(emulator.endpoint_url, *args)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "already done (checkpoint)" in resumed.stdout
    counts = sent_to(emulator)
    assert set(counts) == {f"user{i}@example.org" for i in range(400)} and set(counts.values()) == {1}


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "Ctrl-C"])
def test_a_killed_parent_stops_its_workers_and_resume_sends_each_recipient_once(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path, how: str
) -> None:
    proc, args, checkpoint = _start(emulator, tmp_path, 400, session=how == "Ctrl-C")
    workers = [lock_pid(journal_path(checkpoint, k, 3).with_name(f"ck.shard-{k + 1}-of-3.lock")) for k in range(3)]
    # SIGKILL: the workers notice their parent is gone. SIGTERM: the parent stops them. Ctrl-C:
    # a terminal sends SIGINT to the whole foreground group, the parent and every worker.
    if how == "Ctrl-C":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.Signals[how])
    out, err = proc.communicate(timeout=60)
    if how != "SIGKILL":
        assert proc.returncode == 1 and b"stopped: interrupted" in out, out + err
        assert b"Traceback" not in err, err
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=30)
    stopped = sum(sent_to(emulator).values())
    time.sleep(0.5)
    assert sum(sent_to(emulator).values()) == stopped < 400  # nothing sends behind the user's back
    for k in range(3):
        lines = [json.loads(x) for x in journal_path(checkpoint, k, 3).read_text().splitlines()]
        begun = {e["batch"] for e in lines if e["type"] == "begin"}
        assert begun == {e["batch"] for e in lines if e["type"] in ("end", "abort")}  # nothing in doubt
    emulator.admin("configure_account", max_send_rate=900.0)
    resumed = sesctl(emulator.endpoint_url, *args)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    counts = sent_to(emulator)
    assert set(counts) == {f"user{i}@example.org" for i in range(400)} and set(counts.values()) == {1}


def test_resume_with_another_number_of_processes_is_refused(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", people(20))
    checkpoint = str(tmp_path / "ck")
    write_manifest(tmp_path / "ck", 3, "r0123456789ab")  # what a run of --processes 3 starts with
    for other in ([], ["--processes", "2"]):
        refused = sesctl(emulator.endpoint_url, *send_args(path, "--checkpoint", checkpoint, "--yes", *other))
        assert refused.returncode == 1
        assert "was started with --processes 3" in refused.stderr
        assert "Resume with --processes 3" in refused.stderr and "Traceback" not in refused.stderr
    assert sent(emulator) == []
    # A refusal every shard meets (here: the account's sending is paused) is the run's error, once.
    emulator.admin("configure_account", sending_enabled=False)
    fresh = str(tmp_path / "new")
    paused = sesctl(emulator.endpoint_url, *send_args(path, "--checkpoint", fresh, "--yes", "--processes", "2"))
    assert paused.returncode == 1 and "Sending is paused for this account" in paused.stderr, paused.stderr
    assert "Traceback" not in paused.stderr and sent(emulator) == []


def test_a_breaker_trip_in_one_shard_pauses_every_shard(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    # The sandbox refuses unverified recipients (MESSAGE_REJECTED) and takes the simulator's:
    # every refused address is in shard 1, so only that shard's breaker can trip.
    emulator.admin("configure_account", max_send_rate=30.0, production_access_enabled=False)
    bad = [a for a in (f"nobody{i}@unverified.example" for i in range(200)) if shard_of(a, 3) == 0][:30]
    good = [f"success+{i}@simulator.amazonses.com" for i in range(150)]
    rows = [{"email": a, "name": "X", "plan": "pro"} for a in bad + good]
    path = write_csv(tmp_path / "r.csv", rows)
    checkpoint = tmp_path / "ck"
    campaign = [
        *send_args(path, "--checkpoint", str(checkpoint), "--processes", "3", "--yes"),
        "--store", str(tmp_path / "events.db"), "--breaker",
    ]  # fmt: skip
    paused = sesctl(emulator.endpoint_url, *campaign)
    assert paused.returncode == 4, paused.stdout + paused.stderr
    assert "PAUSED: paused by the circuit breaker: 20 recipients in a row failed at SES" in paused.stdout
    assert "in shard 1 of 3; the other 2 paused at their next batch" in paused.stdout
    first = sent_to(emulator)
    assert sum(first.values()) < len(rows) - 50, first  # the other shards stopped early too
    for k in range(3):
        lines = [json.loads(x) for x in journal_path(checkpoint, k, 3).read_text().splitlines()]
        pauses = [e for e in lines if e["type"] == "pause"]
        assert len(pauses) == 1, (k, lines[-3:])
        assert ("paused_by_shard" in pauses[0]["details"]) == (k != 0)

    again = sesctl(emulator.endpoint_url, *campaign)
    assert again.returncode == 1 and "--resume" in again.stderr and sent_to(emulator) == first

    emulator.admin("configure_account", production_access_enabled=True, max_send_rate=900.0)
    resumed = sesctl(emulator.endpoint_url, *campaign, "--resume", "--no-breaker", "--json")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    counts = sent_to(emulator)  # the rejected rows failed for good; everyone else got one message
    assert set(good) <= set(counts) <= set(good) | set(bad) and set(counts.values()) == {1}
