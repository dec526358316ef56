"""The circuit breaker pauses a bad campaign (README: "see the breaker pause a bad campaign"):
real `sesctl send` and `sesctl events consume --follow` processes against the emulator, whose
mailbox simulator publishes a Bounce for every bounce@simulator address (SNS -> SQS -> the
consumer -> the store the send watches). The pause is clean (checkpoint, exit 4, the rates in
the report), a plain rerun is refused, and --resume sends exactly the rest, each recipient once."""

from __future__ import annotations

import json
import signal
import subprocess
from collections import Counter
from pathlib import Path

from sending_support import ENV, SESCTL, EventQueue, send_args, sesctl, write_csv

from reconciler.testing import LocalEmulator

ROWS = [
    {"email": f"bounce+{i}@simulator.amazonses.com" if i < 50 else f"success+{i}@simulator.amazonses.com",
     "name": f"U{i}", "plan": "pro"}
    for i in range(100)
]


def sent_to(emulator: LocalEmulator) -> Counter[str]:
    return Counter(m["to"][0] for m in emulator.admin("sent_messages", include_body=False))


def test_breaker_pauses_a_bouncing_campaign_and_resume_continues_where_it_stopped(
    emulator: LocalEmulator, events: EventQueue, tmp_path: Path
) -> None:
    emulator.admin("configure_account", max_send_rate=10.0)  # batches of 5, two a second
    store = tmp_path / "events.db"
    checkpoint = tmp_path / "spring.ckpt"
    recipients = write_csv(tmp_path / "r.csv", ROWS)
    consumer = subprocess.Popen(
        [SESCTL, "--endpoint-url", emulator.endpoint_url, "events", "consume", "--queue", events.url,
         "--follow", "--wait", "1", "--batch-size", "10", "--store", str(store)],
        env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        campaign = [
            *send_args(recipients, "--configuration-set", "tracked", "--checkpoint", str(checkpoint), "--yes"),
            "--store", str(store), "--breaker", "--breaker-min-sends", "5",
        ]  # fmt: skip
        paused = sesctl(emulator.endpoint_url, *campaign)
        assert paused.returncode == 4, paused.stdout + paused.stderr
        assert "PAUSED: paused by the circuit breaker: bounce rate" in paused.stdout
        assert "rates seen (store," in paused.stdout and "--resume" in paused.stdout
        first = sent_to(emulator)
        assert 5 <= sum(first.values()) < 100, first
        lines = [json.loads(line) for line in checkpoint.read_text().splitlines()]
        pause = [e for e in lines if e["type"] == "pause"]
        assert len(pause) == 1 and pause[0]["details"]["trigger"] == "rates"
        assert pause[0]["details"]["rates_seen"]["rates"]["bounce_rate"] > 0.05
        begun = {e["batch"] for e in lines if e["type"] == "begin"}
        assert begun == {e["batch"] for e in lines if e["type"] in ("end", "abort")}  # nothing in doubt

        # Run again as if nothing happened: refused before anything is sent.
        again = sesctl(emulator.endpoint_url, *campaign)
        assert again.returncode == 1 and "circuit breaker paused this campaign at 20" in again.stderr
        assert "--resume" in again.stderr and sent_to(emulator) == first

        # A human looked and goes on (without the breaker: the rest of the bouncing rows follow).
        resumed = sesctl(emulator.endpoint_url, *campaign, "--resume", "--no-breaker", "--json")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        report = json.loads(resumed.stdout)
        assert report["already_done"] == sum(first.values()) and report["paused"] is None
        counts = sent_to(emulator)
        assert set(counts) == {row["email"] for row in ROWS} and set(counts.values()) == {1}
    finally:
        consumer.send_signal(signal.SIGTERM)
        _, errors = consumer.communicate(timeout=30)
    assert "Traceback" not in errors
