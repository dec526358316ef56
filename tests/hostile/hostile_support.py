"""The harness of the hostile-input corpus: build a project, run the real ``sesctl`` on it,
and check the outcome every bad input must have (docs/security.md, "Hostile input")."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

SESCTL = Path(sys.executable).parent / "sesctl"
PROJECT = "apiVersion: sesctl/v1\nkind: Project\nstack: hostile\n"
TEMPLATE = (
    "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: x}\n"
    "spec: {subject: s, text: t, defaults: {}}\n"
)
# Every run gets at most this long: a hang is a failure, not a stuck suite.
TIMEOUT = 30

Files = Mapping[str, "str | bytes | Callable[[Path], None]"]


def head(kind: str, name: str = "x") -> str:
    return f"apiVersion: sesctl/v1\nkind: {kind}\nmetadata: {{name: {name}}}\n"


def write_files(root: Path, files: Files) -> Path:
    """``files``: path -> text, bytes, or a function making it (a FIFO, a symbolic link)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            content(path)
    return root


def environ(home: Path, extra: Mapping[str, str] = {}) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SESCTL_", "AWS_"))}
    env = {
        **inherited,
        "NO_COLOR": "1",
        "HOME": str(home),  # no ~/.aws of the machine running the tests
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "SESCTL_EVENTS_STORE": str(home / "events.db"),
        **extra,
    }
    return {k: v for k, v in env.items() if v != ""}


@dataclass(frozen=True)
class Run:
    returncode: int | None  # None: it did not end within TIMEOUT
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def sesctl(args: Iterable[str], cwd: Path, env: Mapping[str, str] = {}, stdin: str | None = None) -> Run:
    try:
        done = subprocess.run(
            [str(SESCTL), *args],
            cwd=cwd,
            env=environ(cwd, env),
            input=stdin.encode() if stdin is not None else None,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return Run(None, _text(exc.stdout), _text(exc.stderr))
    return Run(done.returncode, _text(done.stdout), _text(done.stderr))


def _text(raw: bytes | str | None) -> str:
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Case:
    """One hostile input: the files of its project, the command, what the message must say."""

    id: str
    files: Files
    args: tuple[str, ...] = ("validate",)
    expect: tuple[str, ...] = ()  # each must appear in the output
    code: int = 1
    env: Mapping[str, str] = field(default_factory=dict)
    stdin: str | None = None


def run_cases(
    cases: Iterable[Case], base: Path, substitute: Mapping[str, str] = {}
) -> dict[str, Run]:
    """Every case in its own directory, two at a time (the machine's cores); ``substitute``
    replaces placeholders such as {endpoint} in the arguments."""
    def one(case: Case) -> Run:
        root = write_files(base / case.id, case.files)
        args = [_fill(a, substitute) for a in case.args]
        return sesctl(args, root, {k: _fill(v, substitute) for k, v in case.env.items()}, case.stdin)

    cases = list(cases)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip((c.id for c in cases), pool.map(one, cases), strict=True))


def _fill(text: str, substitute: Mapping[str, str]) -> str:
    for key, value in substitute.items():
        text = text.replace("{" + key + "}", value)
    return text


def assert_refused(run: Run, case: Case) -> None:
    """The rule for bad input: the documented exit code, no traceback, a message naming what
    is wrong (file, line, resource, field: the case lists what it must say)."""
    assert run.returncode is not None, f"did not end within {TIMEOUT}s:\n{run.output}"
    assert "Traceback" not in run.output, run.output
    assert run.returncode == case.code, run.output
    for needle in case.expect:
        assert needle in run.output, f"{needle!r} not in:\n{run.output}"
