"""A consumer killed mid-batch (SIGKILL, a real subprocess) and started again loses and
duplicates nothing; two consumers sharing one queue and one store count every event once."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from events_support import record
from test_consume import ENV, SESCTL

from reconciler.testing import local_emulator

N = 100  # moto's SQS costs ~3 ms per queued message per receive: keep the queue small


def fill(sqs: Any, url: str, start: int, count: int) -> None:
    for base in range(start, start + count, 10):
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "MessageBody": json.dumps(record("Send", f"m{i}", to=f"user{i}@example.org"))}
                for i in range(base, min(base + 10, start + count))
            ],
        )


def stored(path: Path) -> int:
    with sqlite3.connect(path, timeout=30) as conn:
        total = conn.execute("SELECT count(*), count(DISTINCT message_id) FROM events").fetchone()
    assert total[0] == total[1]
    return int(total[0])


def consumer(url: str, queue: str, store: Path, *extra: str) -> list[str]:
    return [
        SESCTL,
        "--endpoint-url",
        url,
        "events",
        "consume",
        "--queue",
        queue,
        "--store",
        str(store),
        "--batch-size",
        "10",
        "--visibility-timeout",
        "2",
        *extra,
    ]


def test_killed_mid_batch_and_restarted_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    store = tmp_path / "events.db"
    with local_emulator() as emu:
        sqs = emu.client("sqs")
        url = sqs.create_queue(QueueName="ses")["QueueUrl"]
        fill(sqs, url, 0, N)
        proc = subprocess.Popen(
            consumer(emu.endpoint_url, "ses", store, "--follow", "--wait", "1"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        try:
            assert proc.stderr is not None
            committed = 0
            deadline = time.monotonic() + 60
            while committed < 3 and time.monotonic() < deadline:  # three batches committed...
                line = proc.stderr.readline()
                assert line, "the consumer ended early"
                committed += "received" in line
            proc.send_signal(signal.SIGKILL)  # ...and the fourth in hand
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
        at_kill = stored(store)
        assert 0 < at_kill < N
        time.sleep(2.5)  # the killed consumer's messages become visible again
        rerun = subprocess.run(
            consumer(emu.endpoint_url, "ses", store, "--json"),
            capture_output=True,
            text=True,
            env=ENV,
            timeout=120,
        )
        assert rerun.returncode == 0, rerun.stderr
        assert stored(store) == N
        assert json.loads(rerun.stdout)["quarantined"] == 0

        # Two consumers at once on one queue, one store: every event once.
        fill(sqs, url, N, N)
        runs = [
            subprocess.Popen(
                consumer(emu.endpoint_url, "ses", store),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=ENV,
            )
            for _ in range(2)
        ]
        for run in runs:
            _, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
        time.sleep(2.5)
        subprocess.run(
            consumer(emu.endpoint_url, "ses", store), capture_output=True, env=ENV, timeout=120, check=True
        )
        assert stored(store) == 2 * N
        left = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        assert left == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
