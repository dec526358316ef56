"""Hostile ``sesctl send`` inputs (recipient files, flags, data, checkpoints, stores) through the
real CLI against one emulator: exit 1 naming the file (and line), no traceback, no address
unmasked, nothing sent, nothing written outside the places named."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_support import PROJECT, Case, Run, assert_refused, run_cases

from reconciler.testing import LocalEmulator, local_emulator

OK = "email,name\nsuccess@simulator.amazonses.com,Ada\n"
VICTIM = "victim@evil.example"


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def files(**more: object) -> dict[str, object]:
    return {"sesctl.yaml": PROJECT, "manifests/.keep": "", "ok.csv": OK, **more}


def send(*extra: str, recipients: str = "ok.csv") -> tuple[str, ...]:
    return (
        "--endpoint-url", "{endpoint}", "send", "--template", "welcome", "--from", "news@example.com",
        "--yes", "--no-store", "--recipients", recipients, *extra,
    )  # fmt: skip


CASES = [
    # recipient files
    Case("fifo-recipients", files(**{"r.csv": _fifo}), send(recipients="r.csv"), ("r.csv: not a regular file",)),
    Case("directory-recipients", files(), send(recipients="manifests"), ("is a directory",)),
    Case("missing-recipients", files(), send(recipients="nope.csv"), ("nope.csv",)),
    Case("no-email-column", files(**{"r.csv": "name\nAda\n"}), send(recipients="r.csv"), ("r.csv:1:", "'email' column")),
    Case("latin1-row", files(**{"r.csv": b"email,name\nsuccess@simulator.amazonses.com,Jos\xe9\n"}), send(recipients="r.csv"), ("r.csv:2:", "not UTF-8")),
    Case("truncated-jsonl", files(**{"r.jsonl": '{"email": "success@simulator.amazonses.com", "na'}), send(recipients="r.jsonl"), ("r.jsonl:1:", "not valid JSON")),
    Case("huge-int-jsonl", files(**{"r.jsonl": '{"email": "success@simulator.amazonses.com", "n": ' + "9" * 5000 + "}\n"}), send(recipients="r.jsonl"), ("r.jsonl:1:",)),
    Case("number-email-jsonl", files(**{"r.jsonl": '{"email": 5}\n'}), send(recipients="r.jsonl"), ("r.jsonl:1:", "'email'")),
    Case("array-jsonl", files(**{"r.jsonl": "[1, 2]\n"}), send(recipients="r.jsonl"), ("r.jsonl:1:", "JSON object")),
    Case("duplicate-email-member", files(**{"r.jsonl": '{"email": "a@example.com", "email": "b@example.com"}\n'}), send(recipients="r.jsonl"), ("r.jsonl:1:", "more than once")),
    Case("deep-jsonl", files(**{"r.jsonl": '{"email": "a@example.com", "x": ' + "[" * 50_000 + "]" * 50_000 + "}\n"}), send(recipients="r.jsonl"), ("r.jsonl:1:", "nested too deeply")),
    # flags
    Case("from-header-injection", files(), send("--from", f"news@example.com\r\nBcc: {VICTIM}"), ("Invalid sender address",)),
    Case("header-injection", files(), send("--header", f"X-A=b\r\nBcc: {VICTIM}"), ("--header X-A", "one line")),
    Case("header-bcc", files(), send("--header", f"Bcc={VICTIM}"), ("--header Bcc",)),
    Case("tag-not-a-pair", files(), send("--tag", "bad"), ("--tag 'bad'",)),
    Case("tag-line-break", files(), send("--tag", "a=b\r\nc"), ("Invalid message tag",)),
    Case("tag-too-long", files(), send("--tag", "x" * 300 + "=v"), ("Invalid message tag",)),
    Case("rate-nan", files(), send("--rate", "nan"), ("--rate",)),
    Case("rate-infinite", files(), send("--rate", "1e309"), ("--rate",)),
    Case("rate-subnormal", files(), send("--rate", "1e-300"), ("--rate", "at least 0.001")),
    Case("processes-zero", files(), send("--processes", "0"), ("--processes",)),
    Case("processes-huge", files(), send("--processes", "9" * 30), ("--processes",)),
    Case("bounce-threshold-nan", files(), send("--bounce-threshold", "nan"), ("bounce rate must be a number",)),
    Case("variant-garbage", files(), ("--endpoint-url", "{endpoint}", "send", "--variant", "garbage", "--recipients", "ok.csv", "--from", "news@example.com", "--yes"), ("Invalid --variant 'garbage'",)),
    Case("variant-weight-overflow", files(), ("--endpoint-url", "{endpoint}", "send", "--variant", "A=welcome:" + "9" * 5000, "--recipients", "ok.csv", "--from", "news@example.com", "--yes"), ("--variant",)),
    Case("data-deep", files(), send("--data", '{"a": ' + "[" * 3000 + "]" * 3000 + "}"), ("--data:1:", "nesting depth")),
    Case("data-bomb", files(**{"bomb.yaml": "a0: &a0 [x,x,x,x,x,x,x,x,x]\n" + "".join(f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))}), send("--data", "bomb.yaml"), ("bomb.yaml", "aliases expand")),
    # files sesctl writes
    Case("checkpoint-fifo", files(**{"run.ckpt": _fifo}), send("--checkpoint", "run.ckpt"), ("run.ckpt: not a regular file",)),
    Case("checkpoint-no-directory", files(), send("--checkpoint", "no/such/run.ckpt"), ("does not exist",)),
    Case("checkpoint-foreign", files(**{"run.ckpt": "root:x:0:0:root:/root:/bin/bash\n"}), send("--checkpoint", "run.ckpt"), ("run.ckpt:1:", "not a checkpoint")),
    Case("store-missing-directory", files(), ("--endpoint-url", "{endpoint}", "send", "--template", "welcome", "--from", "news@example.com", "--yes", "--recipients", "ok.csv", "--store", "/proc/no-such-dir/events.db"), ("cannot open the event store",)),
    Case("store-foreign-file", files(**{"notes.txt": "my notes\n"}), ("--endpoint-url", "{endpoint}", "send", "--template", "welcome", "--from", "news@example.com", "--yes", "--recipients", "ok.csv", "--store", "notes.txt"), ("notes.txt is not an event store",)),
    # --json stays JSON (or stays silent) on errors
    Case("json-rate-nan", files(), send("--json", "--rate", "nan"), ("--rate",)),
    Case("json-unknown-set", files(), send("--json", "--configuration-set", "nope"), ("Configuration set nope does not exist",)),
]


@pytest.fixture(scope="module")
def emulator() -> Iterator[LocalEmulator]:
    with local_emulator() as emu:
        emu.admin("verify_identity", identity="example.com")
        emu.admin("configure_account", max_send_rate=2000.0)
        emu.client("sesv2").create_email_template(
            TemplateName="welcome",
            TemplateContent={"Subject": "Hi {{name}}", "Text": "Hi {{name}}", "Html": "<p>{{name}}</p>"},
        )
        yield emu


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("send")


@pytest.fixture(scope="module")
def results(base: Path, emulator: LocalEmulator) -> dict[str, Run]:
    return run_cases(CASES, base, {"endpoint": emulator.endpoint_url})


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_send_input_is_refused(case: Case, results: dict[str, Run]) -> None:
    run = results[case.id]
    assert_refused(run, case)
    if case.id != "from-header-injection":  # the sender's own value is echoed, escaped, to its typist
        assert VICTIM not in run.output
    if "--json" in case.args and run.stdout.strip():
        json.loads(run.stdout)


def test_nothing_was_sent(results: dict[str, Run], emulator: LocalEmulator) -> None:
    assert emulator.admin("sent_messages") == []


def test_nothing_was_written_beside_a_foreign_store(results: dict[str, Run], base: Path) -> None:
    assert not (base / "store-foreign-file" / "notes.txt.key").exists()  # a key file beside it
    assert (base / "store-foreign-file" / "notes.txt").read_text() == "my notes\n"
