"""Issue 15's send-side defects, each pinned: a locked checkpoint (two runs at once mail each
recipient once), devices and pipes refused before reading, addresses validated as SES would,
every line break refused in a rendered subject, duplicated email columns or members refused."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sending_support import ENV, SESCTL, gateway_for, send_args, sesctl, write_csv

from reconciler.sending import (
    CheckpointError,
    CheckpointLock,
    RecipientFileError,
    SendEngine,
    SendJob,
    address_problem,
    file_digest,
    has_line_break,
    read_recipients,
)
from reconciler.testing import LocalEmulator

BAD_ADDRESSES = [
    "x@example..com",
    "x@-example.com",
    "x@example-.com",
    "x\x00@example.com",
    "x@exa\x00mple.com",
    "\x1b[2Jx@example.com",
    "x@example.com\x1b]0;pwn\x07",
    "x@\u212aiosk.example",  # KELVIN SIGN: lower() makes it ASCII 'k'
    "jos\u00e9@example.com",
    ".x@example.com",
    "x..y@example.com",
    "x@example",
    "x@example.123",
    "x@@example.com",
    "x y@example.com",
    "@example.com",
    "x@",
    "x" * 65 + "@example.com",
    "x@" + "a" * 64 + ".com",
]
GOOD_ADDRESSES = [
    "ada@example.org",
    "Ada.Lovelace+tag@Example.ORG",
    "success@simulator.amazonses.com",
    "o'brien@xn--bcher-kva.example",
    "x@a-b.example.co.uk",
    "!#$%&'*+/=?^_`{|}~-@example.com",
]


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_malformed_addresses_have_a_reason(address: str) -> None:
    assert address_problem(address) is not None


@pytest.mark.parametrize("address", GOOD_ADDRESSES)
def test_wellformed_addresses_pass(address: str) -> None:
    assert address_problem(address) is None


@pytest.mark.parametrize("char", ["\r", "\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"])
def test_every_line_break_counts(char: str) -> None:
    assert has_line_break(f"Welcome, A{char}Bcc: spy@evil.example!")


def test_malformed_addresses_are_refused_per_row_and_shown_escaped(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = tmp_path / "r.jsonl"
    lines = [f'{{"email": {_json(a)}, "name": "N", "plan": "p"}}' for a in [*BAD_ADDRESSES, "ok@example.org"]]
    path.write_text("\n".join(lines) + "\n")
    engine = SendEngine(gateway_for(emulator), SendJob(from_address="news@example.com", template="welcome"))
    report = engine.run(read_recipients(path), source_digest=file_digest(path))
    assert (report.sent, report.refused_invalid) == (1, len(BAD_ADDRESSES))
    assert all("malformed email address" in p.reason for p in report.examples)
    shown = "".join(p.email for p in report.examples)
    assert "\x1b" not in shown and "\x00" not in shown and "\\x1b" in shown
    sent = emulator.admin("sent_messages", include_body=False)
    assert [m["to"] for m in sent] == [["ok@example.org"]]


@pytest.mark.parametrize("char", ["\x0b", "\x0c", "\x85", "\u2028", "\u2029"])
def test_unicode_line_breaks_in_the_rendered_subject_refuse_the_row(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path, char: str
) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        f'{{"email": "a@example.org", "name": {_json("A" + char + "Bcc: spy@evil.example")}, "plan": "p"}}\n'
        '{"email": "b@example.org", "name": "B", "plan": "p"}\n'
    )
    engine = SendEngine(gateway_for(emulator), SendJob(from_address="news@example.com", template="welcome"))
    report = engine.run(read_recipients(path))
    assert (report.sent, report.refused_invalid) == (1, 1)
    assert "line break" in report.examples[0].reason
    assert [m["to"] for m in emulator.admin("sent_messages", include_body=False)] == [["b@example.org"]]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "two.jsonl",
            '{"email": "a@example.org"}\n{"email": "b@example.org", "email": "evil@example.net"}\n',
            "two.jsonl:2: the member 'email' appears more than once",
        ),
        (
            "two.csv",
            "email,name,Email\na@example.org,A,evil@example.net\n",
            "two.csv:1: the CSV header has 2 'email' columns",
        ),
    ],
)
def test_two_email_members_or_columns_are_refused(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(RecipientFileError) as caught:
        list(read_recipients(path))
    assert message in str(caught.value)


def test_nested_duplicate_keys_stay_data(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"email": "a@example.org", "data": {"x": {"email": 1, "email": 2}}}\n')
    [row] = list(read_recipients(path))
    assert row.data == {"x": {"email": 2}}


def test_devices_and_pipes_are_refused_before_anything_reads_them(tmp_path: Path) -> None:
    fifo = tmp_path / "r.csv"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo, tmp_path):
        with pytest.raises(RecipientFileError, match="not a regular file"):
            read_recipients(path)  # eager: no row needs to be asked for
        with pytest.raises(RecipientFileError, match="not a regular file"):
            file_digest(path)


def test_cli_refuses_dev_zero_and_a_fifo(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        result = sesctl(emulator.endpoint_url, *send_args(path, "--yes"))
        assert result.returncode == 1, result.stderr
        assert f"{path}: not a regular file" in result.stderr and "Traceback" not in result.stderr


def test_checkpoint_lock_refuses_a_second_holder_and_names_its_pid(tmp_path: Path) -> None:
    checkpoint = tmp_path / "run.ckpt"
    holder = subprocess.Popen(
        [
            str(Path(SESCTL).parent / "python"),
            "-c",
            "import sys, time; from pathlib import Path; from reconciler.sending import CheckpointLock\n"
            "with CheckpointLock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
            str(checkpoint),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(CheckpointError) as caught, CheckpointLock(checkpoint):
            pass
        assert f"pid {holder.pid}" in str(caught.value) and "run.ckpt is in use" in str(caught.value)
    finally:
        holder.kill()
        holder.wait()
    with CheckpointLock(checkpoint), CheckpointLock(checkpoint):  # free again; re-entrant in-process
        assert (tmp_path / "run.ckpt.lock").exists()
    assert not (tmp_path / "run.ckpt.lock").exists()


def test_two_sends_on_one_checkpoint_mail_each_recipient_once(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    emulator.admin("configure_account", max_send_rate=8.0)  # 100 rows: 12 s
    path = write_csv(
        tmp_path / "r.csv", [{"email": f"u{i}@example.org", "name": "U", "plan": "p"} for i in range(100)]
    )
    checkpoint = tmp_path / "run.ckpt"
    command = [
        SESCTL,
        "--endpoint-url",
        emulator.endpoint_url,
        *send_args(path, "--yes", "--checkpoint", str(checkpoint)),
    ]
    first = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + 60
        lock = tmp_path / "run.ckpt.lock"  # taken before the first run's preview
        while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert first.poll() is None, "the first run ended before the second could start"
        # Two at once, while the first is mid-run: both must be refused.
        threads = [
            threading.Thread(
                target=lambda k=k: results.__setitem__(k, sesctl(emulator.endpoint_url, *command[3:]))
            )
            for k in ("second", "third")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        _, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    for name in ("second", "third"):
        result = results[name]
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        assert f"in use by another sesctl send (pid {first.pid})" in result.stderr, result.stderr
    sent = [m["to"][0] for m in emulator.admin("sent_messages", include_body=False)]
    assert len(sent) == 100 and len(set(sent)) == 100


def _json(text: str) -> str:
    import json

    return json.dumps(text)


def test_send_honours_the_environment_of_sesctl_yaml(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    europe = emulator.client("sesv2", region="eu-west-1")
    emulator.admin("verify_identity", identity="example.com", region="eu-west-1")
    europe.create_email_template(TemplateName="regional", TemplateContent={"Subject": "Hi", "Text": "Hi"})
    (tmp_path / "sesctl.yaml").write_text(
        "stack: shop\nenvironments:\n  production:\n    region: eu-west-1\n  dev:\n    region: us-east-1\n"
    )
    path = write_csv(tmp_path / "r.csv", [{"email": "a@example.org"}])
    args = [
        "send",
        "--template",
        "regional",
        "--recipients",
        str(path),
        "--from",
        "news@example.com",
        "--dry-run",
    ]
    # AWS_REGION would win over the environment's region, as a --region flag does.
    env = {k: v for k, v in ENV.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    production = sesctl(emulator.endpoint_url, "--env", "production", *args, cwd=tmp_path, env=env)
    assert production.returncode == 0, production.stderr
    assert "would send: 1" in production.stdout
    dev = sesctl(emulator.endpoint_url, "--env", "dev", *args, cwd=tmp_path, env=env)
    assert dev.returncode == 1 and "Template regional does not exist" in dev.stderr


def test_duplicate_set_across_memory_and_disk_runs(tmp_path: Path) -> None:
    from reconciler.sending.dedupe import SeenAddresses

    seen = SeenAddresses(buffer=64, spill_at=1024, directory=str(tmp_path))
    try:
        assert all(seen.add(f"u{i}@example.org") for i in range(5000))
        assert seen._disk and seen._runs  # some keys spilled, some in memory, some buffered
        assert not any(seen.add(f"U{i}@EXAMPLE.org ") for i in range(0, 5000, 7))
        assert seen.add("new@example.org") and len(seen) == 5001
        assert seen.memory_bytes() <= 8 * 5001
    finally:
        seen.close()


def test_duplicate_set_peaks_at_16_bytes_per_address() -> None:
    import tracemalloc

    from reconciler.sending.dedupe import SeenAddresses

    n = 64 * 1024  # the last flush merges every key: the worst case
    addresses = [f"user{i}@example.org" for i in range(n)]
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        seen = SeenAddresses(buffer=1024)
        for address in addresses:
            seen.add(address)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert len(seen) == n
    assert peak <= 16 * n + 200_000  # the buffer set of 1,024 keys is the constant
