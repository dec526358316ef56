"""`sesctl send` and `sesctl quota` as real subprocesses, including a run killed with SIGKILL
midway and resumed: every recipient is sent exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from sending_support import ENV, SESCTL, TEMPLATE, send_args, sesctl, write_csv

from reconciler.emulator.local import admin_request
from reconciler.testing import LocalEmulator, served_emulator


def people(n: int) -> list[dict[str, str]]:
    return [{"email": f"user{i}@example.org", "name": f"U{i}", "plan": "pro"} for i in range(n)]


@contextmanager
def serve(tmp_path: Path) -> Iterator[str]:
    with served_emulator(tmp_path / "state.json", env=ENV) as (_, url):
        yield url


def sent_to(url: str) -> Counter[str]:
    result = admin_request(url, "/_sesctl/admin/sent_messages", {"include_body": False})["result"]
    return Counter(m["to"][0] for m in result)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_midway_then_resume_sends_each_recipient_once(tmp_path: Path, how: signal.Signals) -> None:
    with serve(tmp_path) as url:
        admin_request(url, "/_sesctl/admin/verify_identity", {"identity": "example.com"})
        admin_request(url, "/_sesctl/admin/configure_account", {"max_send_rate": 100.0})
        ses = boto3.client(
            "sesv2",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="l",
            aws_secret_access_key="l",
        )
        ses.create_email_template(TemplateName="welcome", TemplateContent=TEMPLATE)
        path = write_csv(tmp_path / "r.csv", people(300))
        command = [
            SESCTL,
            "--endpoint-url",
            url,
            *send_args(path, "--checkpoint", str(tmp_path / "ck"), "--yes"),
        ]
        proc = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while sum(sent_to(url).values()) < 60 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        # SIGKILL: no cleanup at all. SIGINT: Ctrl-C, which stops after the call in flight.
        proc.send_signal(how)
        code = proc.wait(timeout=30)
        if how == signal.SIGINT:
            assert code == 1
            lines = [json.loads(line) for line in (tmp_path / "ck").read_text().splitlines()]
            begun = {e["batch"] for e in lines if e["type"] == "begin"}
            assert begun == {e["batch"] for e in lines if e["type"] in ("end", "abort")}  # nothing in doubt
        before = sum(sent_to(url).values())
        assert 60 <= before < 300, before
        resumed = sesctl(url, *send_args(path, "--checkpoint", str(tmp_path / "ck"), "--yes"))
        assert resumed.returncode == 0, resumed.stderr
        assert "already done (checkpoint)" in resumed.stdout
        counts = sent_to(url)
        assert set(counts) == {f"user{i}@example.org" for i in range(300)}
        assert set(counts.values()) == {1}


def test_quota_command(emulator: LocalEmulator, ses: Any, sender: str) -> None:
    emulator.admin("configure_account", max_24_hour_send=200.0, sent_last_24_hours=50.0, max_send_rate=14.0)
    result = sesctl(emulator.endpoint_url, "quota")
    assert result.returncode == 0, result.stderr
    assert "Max send rate:" in result.stdout and "14 recipients/s" in result.stdout
    assert "50 of 200 (25.0%)" in result.stdout and "Sending:" in result.stdout
    as_json = sesctl(emulator.endpoint_url, "quota", "--json")
    assert '"used_percent": 25.0' in as_json.stdout


def test_send_refuses_without_confirmation_when_not_interactive(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", people(5))
    result = sesctl(emulator.endpoint_url, *send_args(path))
    assert result.returncode == 1
    assert "non-interactive" in result.stderr and "--yes" in result.stderr
    assert emulator.admin("sent_messages") == []


def test_send_dry_run_and_real_run(emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path) -> None:
    rows = people(30)
    rows[4]["plan"] = ""
    path = write_csv(tmp_path / "r.csv", rows)
    dry = sesctl(emulator.endpoint_url, *send_args(path, "--dry-run"))
    assert dry.returncode == 0, dry.stderr
    assert "would send: 29" in dry.stdout and "refused (rendering): 1" in dry.stdout
    assert "u***4@example.org" in dry.stdout and "user4@example.org" not in dry.stdout + dry.stderr
    assert emulator.admin("sent_messages") == []
    real = sesctl(emulator.endpoint_url, *send_args(path, "--yes", "--json"))
    assert real.returncode == 0, real.stderr
    assert '"sent": 29' in real.stdout
    assert len(emulator.admin("sent_messages")) == 29


def test_bad_recipients_file_is_an_error_not_a_traceback(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"email": "a@example.org", "name": "A", "plan": "p"}\n{oops\n')
    result = sesctl(emulator.endpoint_url, *send_args(path, "--yes"))
    assert result.returncode == 1
    assert "r.jsonl:2" in result.stderr and "Traceback" not in result.stderr
    assert emulator.admin("sent_messages") == []
    missing = sesctl(
        emulator.endpoint_url,
        "send",
        "--template",
        "nope",
        "--recipients",
        str(path),
        "--from",
        "news@example.com",
        "--dry-run",
    )
    assert missing.returncode == 1 and "Template nope does not exist" in missing.stderr


def test_send_asks_on_a_terminal(emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path) -> None:
    import pty

    path = write_csv(tmp_path / "r.csv", people(3))
    for answer, code, count in (("n", 1, 0), ("y", 0, 3)):
        primary, secondary = pty.openpty()
        try:
            os.write(primary, f"{answer}\n".encode())
            result = subprocess.run(
                [SESCTL, "--endpoint-url", emulator.endpoint_url, *send_args(path)],
                stdin=secondary,
                capture_output=True,
                text=True,
                env=ENV,
                timeout=120,
            )
        finally:
            os.close(primary)
            os.close(secondary)
        assert result.returncode == code, result.stderr
        assert "3 recipients will be sent welcome from news@example.com" in result.stderr
        assert "Send?" in result.stderr
        assert len(emulator.admin("sent_messages")) == count


def test_missing_files_are_errors_not_tracebacks(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    missing = sesctl(emulator.endpoint_url, *send_args(tmp_path / "nope.csv", "--yes"))
    assert missing.returncode == 1 and "nope.csv" in missing.stderr and "Traceback" not in missing.stderr
    path = write_csv(tmp_path / "r.csv", people(2))
    bad_data = sesctl(
        emulator.endpoint_url, *send_args(path, "--yes", "--data", "@" + str(tmp_path / "d.json"))
    )
    assert bad_data.returncode == 1 and "d.json" in bad_data.stderr and "Traceback" not in bad_data.stderr
    bad_variant = sesctl(
        emulator.endpoint_url,
        "send",
        "--variant",
        "A=",
        "--recipients",
        str(path),
        "--from",
        "news@example.com",
    )
    assert bad_variant.returncode == 1 and "NAME=TEMPLATE" in bad_variant.stderr
    assert emulator.admin("sent_messages") == []
