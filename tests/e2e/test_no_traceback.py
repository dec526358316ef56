"""Bad invocations through the real ``sesctl`` executable: exit code 1, a message, no traceback.

The rule (docs/cli.md): every error exits 1, usage errors included (Terraform's rule; 2 is
reserved for ``plan --detailed-exitcode``'s "changes present"). The invocations run
concurrently once per module; each row is then its own test."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from e2e_support import laughs

from reconciler.engine.plan import Action, Plan, ResourceChange
from reconciler.testing import LocalEmulator, local_emulator

REPO = Path(__file__).resolve().parents[2]
SESCTL = Path(sys.executable).parent / "sesctl"

ENDPOINT = "{endpoint}"  # replaced by the module's emulator
CLOSED = "{closed}"  # replaced by a port nothing listens on
TEMPLATE = "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: x}\nspec: {subject: s, text: t, defaults: {}}\n"
NO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "",
    "AWS_SECRET_ACCESS_KEY": "",
    "AWS_PROFILE": "",
    "AWS_CONFIG_FILE": "no-such-aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "no-such-aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    message: str  # expected in stderr (or stdout for validate's report)
    files: dict[str, str | bytes] | None = None  # a project of its own; None: the example stack
    env: dict[str, str] = field(default_factory=dict)
    usage: bool = False  # a click usage error


def manifest(text: str | bytes) -> dict[str, str | bytes]:
    return {"sesctl.yaml": "apiVersion: sesctl/v1\nkind: Project\nstack: qa\n", "manifests/a.yaml": text}


CASES = [
    # usage errors (click)
    Case("unknown-root-flag", ("--bogus",), "No such option", usage=True),
    Case("unknown-flag", ("plan", "--bogus"), "No such option", usage=True),
    Case("missing-argument", ("render",), "Missing argument", usage=True),
    Case("plan-is-a-directory", ("apply", "--plan", "manifests"), "is a directory", usage=True),
    Case("port-out-of-range", ("local", "serve", "--port", "99999"), "99999", usage=True),
    # paths and projects
    Case("missing-path", ("validate", "no/such/dir"), "path not found: no/such/dir"),
    Case(
        "empty-directory", ("validate", "empty"), "no sesctl.yaml and no manifests", files={"empty/.keep": ""}
    ),
    Case("unknown-env", ("validate", "--env", "nope"), "unknown environment 'nope'"),
    Case("unknown-env-plan", ("plan", "--env", "nope"), "unknown environment 'nope'"),
    Case("sesctl-env-plan", ("plan",), "unknown environment 'nope'", env={"SESCTL_ENV": "nope"}),
    Case("sesctl-env-apply", ("apply",), "unknown environment 'nope'", env={"SESCTL_ENV": "nope"}),
    Case("schema-dir", ("schema", "--dir", "/proc/nope/schemas"), "cannot create the schema directory"),
    # render and test
    Case("render-unknown", ("render", "nope"), "no EmailTemplate named 'nope'"),
    Case("render-bad-json", ("render", "welcome", "--data", "{bad"), "not valid JSON or YAML"),
    # Outside the example project: its defaultEnvironment is the (here corrupt) local emulator.
    Case(
        "bad-region",
        ("--region", "us east", "quota"),
        "takes a region code such as us-east-1",
        files={"elsewhere/.keep": ""},
    ),
    Case("unknown-root-env-quota", ("--env", "nope", "quota"), "unknown environment 'nope'"),
    Case("sesctl-env-quota", ("quota",), "unknown environment 'nope'", env={"SESCTL_ENV": "nope"}),
    Case(
        "render-missing-data",
        ("render", "welcome", "--data", "missing.json"),
        "not a file and not inline JSON",
    ),
    Case("render-binary-data", ("render", "welcome", "--data", "binary.bin"), "not UTF-8"),
    Case("render-data-bomb", ("render", "welcome", "--data", "bomb.yaml"), "aliases expand"),
    Case("render-out-nodir", ("render", "welcome", "--out", "no/dir/x.html"), "cannot write the preview"),
    Case("test-k-nothing", ("test", "-k", "zzzz"), "no tests matched"),
    # manifests
    Case(
        "non-utf8",
        ("validate",),
        "not UTF-8 text: byte 0xe9",
        files=manifest(b"kind: EmailTemplate # caf\xe9\n"),
    ),
    Case("billion-laughs", ("validate",), "aliases expand", files=manifest(laughs(9))),
    Case("tabs", ("validate",), "tab character", files=manifest("metadata:\n\tname: x\n")),
    Case("list-document", ("validate",), "must be a mapping", files=manifest("- a\n- b\n")),
    Case("scalar-document", ("validate",), "must be a mapping", files=manifest("just text\n")),
    Case(
        "duplicate-documents",
        ("validate",),
        "duplicate EmailTemplate name 'x'",
        files=manifest(f"{TEMPLATE}---\n{TEMPLATE}"),
    ),
    Case(
        "body-outside",
        ("validate",),
        "outside the project",
        files=manifest(TEMPLATE.replace("text: t", "text: {file: /etc/hostname}")),
    ),
    # saved plans
    Case("plan-missing", ("apply", "--plan", "missing.json"), "cannot read the plan file"),
    Case("plan-binary", ("apply", "--plan", "binary.bin"), "not UTF-8"),
    Case("plan-corrupt", ("apply", "--plan", "corrupt.json"), "not JSON"),
    Case("plan-edited", ("apply", "--plan", "edited.json"), "was edited"),
    Case("plan-no-checksum", ("apply", "--plan", "nochecksum.json"), "no checksum"),
    Case("plan-wrong-shape", ("apply", "--plan", "shape.json"), "changes: must be a list, not a string"),
    Case("github-plan-edited", ("github", "summary", "--plan", "edited.json"), "was edited"),
    Case("github-plan-binary", ("github", "summary", "--plan", "binary.bin"), "not UTF-8"),
    Case(
        "github-api-not-a-url",
        ("github", "comment", "--plan", "valid.json", "--repo", "a/b", "--pr", "1", "--always"),
        "is not an http(s) URL",
        env={"GITHUB_TOKEN": "x", "GITHUB_API_URL": "notaurl"},
    ),
    Case(
        "github-repo-malformed",
        ("github", "comment", "--plan", "valid.json", "--repo", "ab", "--pr", "1", "--always"),
        "repository 'ab' is not owner/name",
        env={"GITHUB_TOKEN": "x"},
    ),
    # AWS
    Case("target-malformed", ("--endpoint-url", ENDPOINT, "plan", "--target", "foo"), "is not Kind/name"),
    Case("reset-needs-yes", ("local", "reset"), "Pass --yes"),
    Case("json-and-markdown", ("plan", "--json", "--markdown"), "cannot be combined"),
    Case(
        "out-nodir", ("--endpoint-url", ENDPOINT, "plan", "--out", "no/dir/p.json"), "cannot write the plan"
    ),
    Case("closed-port", ("--endpoint-url", CLOSED, "plan"), "cannot reach the SES endpoint"),
    Case("not-a-url", ("--endpoint-url", "notaurl", "plan"), "the endpoint must be a URL"),
    Case(
        "no-credentials",
        ("--region", "us-east-1", "plan"),
        "--local",
        files=manifest(TEMPLATE),
        env=NO_CREDENTIALS,
    ),
    Case(
        "unknown-profile",
        ("--profile", "nope", "plan"),
        "profile 'nope' is not configured",
        files=manifest(TEMPLATE),
    ),
    Case("corrupt-local-state", ("--local", "plan"), "not a valid emulator state file"),
]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


def _example(root: Path) -> Path:
    """The repository's example stack plus the bad files the rows name."""
    shutil.copytree(REPO / "manifests", root / "manifests")
    shutil.copy(REPO / "sesctl.yaml", root / "sesctl.yaml")
    (root / "binary.bin").write_bytes(b"\xd2\x00\xff" * 100)
    (root / "bomb.yaml").write_text(laughs(9), encoding="utf-8")
    (root / "corrupt.json").write_text("{bad", encoding="utf-8")
    plan = Plan(changes=(ResourceChange("EmailTemplate", "a", (Action.CREATE,), 50, after={"subject": "x"}),))
    (root / "valid.json").write_text(plan.to_json(), encoding="utf-8")
    data = json.loads(plan.to_json())
    data["changes"][0]["after"]["subject"] = "y"
    (root / "edited.json").write_text(json.dumps(data), encoding="utf-8")
    del data["checksum"]
    (root / "nochecksum.json").write_text(json.dumps(data), encoding="utf-8")
    (root / "shape.json").write_text('{"format_version": "1", "changes": "x"}', encoding="utf-8")
    (root / ".sesctl").mkdir()
    (root / ".sesctl" / "ses-state.json").write_text("{corrupt", encoding="utf-8")
    return root


def _project(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def _run(case: Case, cwd: Path, endpoint: str, closed: str) -> subprocess.CompletedProcess[str]:
    args = [a.replace(ENDPOINT, endpoint).replace(CLOSED, closed) for a in case.args]
    inherited = {k: v for k, v in os.environ.items() if k not in ("SESCTL_ENV", "AWS_PROFILE")}
    environ = {
        **inherited,
        "NO_COLOR": "1",
        "HOME": str(cwd),  # no ~/.aws of the machine running the tests
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        **case.env,
    }
    environ = {k: v for k, v in environ.items() if v != ""}
    return subprocess.run(
        [str(SESCTL), *args],
        cwd=cwd,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def emulator() -> Iterator[LocalEmulator]:
    with local_emulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def results(
    tmp_path_factory: pytest.TempPathFactory, emulator: LocalEmulator
) -> dict[str, subprocess.CompletedProcess[str]]:
    example = _example(tmp_path_factory.mktemp("example"))
    closed = f"http://127.0.0.1:{_closed_port()}"
    jobs = {
        case.id: (case, _project(tmp_path_factory.mktemp(case.id), case.files) if case.files else example)
        for case in CASES
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            name: pool.submit(_run, case, cwd, emulator.endpoint_url, closed)
            for name, (case, cwd) in jobs.items()
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_invocation(case: Case, results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = results[case.id]
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert case.message in output, output
    assert result.returncode == 1, output


def test_nothing_was_applied(
    emulator: LocalEmulator, results: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    ses = emulator.client("sesv2")
    assert ses.list_email_templates()["TemplatesMetadata"] == []
    assert ses.list_configuration_sets()["ConfigurationSets"] == []


def test_root_option_after_the_command_gets_a_hint() -> None:
    result = subprocess.run(
        [str(SESCTL), "plan", "--local"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 1
    assert "put it before the command, e.g. `sesctl --local plan ...`" in result.stderr


def test_send_checkpoint_in_a_missing_directory_creates_nothing(tmp_path: Path) -> None:
    recipients = tmp_path / "r.csv"
    recipients.write_text("email\nsuccess@simulator.amazonses.com\n", encoding="utf-8")
    missing = tmp_path / "no" / "such" / "dir"
    result = subprocess.run(
        [
            str(SESCTL),
            "--local",
            "send",
            "--template",
            "welcome",
            "--recipients",
            str(recipients),
            "--from",
            "a@example.com",
            "--checkpoint",
            str(missing / "x.ckpt"),
            "--yes",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert "the directory" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "no").exists()


def _interruptible() -> None:
    # In the child, before exec: a test runner may ignore or block SIGINT, and children inherit
    # both; a user's terminal does neither.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def test_ctrl_c_at_a_confirmation_prompt_exits_130(tmp_path: Path) -> None:
    import pty
    import select
    import signal

    primary, secondary = pty.openpty()
    open_fds = [primary, secondary]
    proc = subprocess.Popen(
        [str(SESCTL), "local", "reset", "--state", str(tmp_path / "state.json")],
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        # A shell running this suite in the background ignores SIGINT, and children inherit that;
        # a user's terminal does not.
        preexec_fn=_interruptible,
    )
    try:
        seen = b""
        assert proc.stdout is not None
        while b"[y/N]" not in seen:  # the prompt is on screen: the interrupt lands in click.confirm
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            assert ready, f"no prompt; got {seen!r}"
            chunk = os.read(proc.stdout.fileno(), 1024)
            assert chunk, f"exited before prompting; got {seen!r}"
            seen += chunk
        proc.send_signal(signal.SIGINT)
        # Hang up the terminal as a closing window would: under some test runners the child
        # otherwise lingers on its tty after printing its message.
        open_fds.clear()
        os.close(primary)
        os.close(secondary)
        _, stderr = proc.communicate(timeout=30)
    finally:
        for fd in open_fds:  # only on failure: fd numbers may be reused once closed
            os.close(fd)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 130, stderr
    assert b"Interrupted." in stderr and b"Traceback" not in stderr
