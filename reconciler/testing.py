"""Test helpers: a local SES v2 emulator (plus SNS, SQS, S3, ...) for your own tests.

    from reconciler.testing import local_emulator

    def test_my_templates():
        with local_emulator() as emu:
            ses = emu.client("sesv2")
            ses.create_email_template(
                TemplateName="welcome",
                TemplateContent={"Subject": "Hi {{name}}", "Text": "Hello {{name}}"},
            )
            assert ses.get_email_template(TemplateName="welcome")["TemplateName"] == "welcome"

Everything goes over real HTTP to a server on 127.0.0.1 (a free port), so the code under test
uses boto3 exactly as it would against AWS, with ``endpoint_url=emu.endpoint_url``.

With pytest, the ``emulator`` and ``ses`` fixtures of sesctl's own ``tests/conftest.py`` show
the pattern: a fresh emulator per test, strict response checking on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from reconciler.emulator.admin_client import run_action
from reconciler.emulator.server import ACCOUNT_ID, Emulator, EmulatorConfig, EmulatorServer, reset_moto
from reconciler.emulator.state import EmulatorState

__all__ = ["ACCOUNT_ID", "LocalEmulator", "local_emulator", "served_emulator"]

REGION = "us-east-1"
_client_lock = threading.Lock()


@cache
def _session() -> Any:
    # One session per process: clients built from it share botocore's loaded models, which
    # makes a client cost milliseconds instead of a model load.
    import boto3

    return boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name=REGION)


class LocalEmulator:
    """A running emulator: its URL, boto3 clients for it, its state and its admin hooks."""

    def __init__(self, server: EmulatorServer) -> None:
        self._server = server
        self.emulator: Emulator = server.emulator

    @property
    def endpoint_url(self) -> str:
        return self._server.url

    @property
    def state(self) -> EmulatorState:
        """The live, in-process SES state (all regions). Read it; change it through the API."""
        return self.emulator.state

    def client(self, service: str, region: str = REGION, **config: Any) -> Any:
        """A boto3 client on this endpoint: dummy credentials, path-style S3, no retries, so a
        test sees every error exactly as the server sent it."""
        from botocore.config import Config

        cfg = Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            s3={"addressing_style": "path"},
            **config,
        )
        with _client_lock:  # a boto3 Session is not safe for concurrent client creation
            return _session().client(service, region_name=region, endpoint_url=self.endpoint_url, config=cfg)

    def admin(self, name: str, **kwargs: Any) -> Any:
        """Run an admin action (``registry.ADMIN_ACTIONS``) over HTTP; ``region=`` picks the region."""
        return run_action(self.endpoint_url, name, **kwargs)

    def configure(self, **changes: Any) -> EmulatorConfig:
        """Change throttling/fault injection/strictness at run time (see faults.py)."""
        return self.emulator.configure(**changes)

    def set_clock(self, clock: Callable[[], datetime] | None) -> None:
        """Make handlers see ``clock()`` as now (None: the real clock)."""
        self.emulator.clock = clock

    def reset(self) -> None:
        self.emulator.reset()

    @property
    def violations(self) -> list[str]:
        """Responses that broke the sesv2 model (strict mode), oldest first."""
        return self.emulator.violations


def dummy_aws_env(*, drop: tuple[str, ...] = (), **extra: str) -> dict[str, str]:
    """This process's environment for a child ``sesctl`` or ``aws`` aimed at the emulator: every
    ``AWS_*`` setting of the caller (profile, keys, config files) taken out, so a developer's real
    account is never reached, and dummy credentials and region in their place. ``drop``: more
    prefixes to take out (``SESCTL_AUDIT``, ...); ``extra`` is set last."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", *drop))}
    env.update(
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    env.update(extra)
    return env


@contextmanager
def local_emulator(
    *,
    state_file: Path | None = None,
    throttle_rps: float | str | None = None,
    fault_rate: float = 0.0,
    fault_kind: str = "throttle",
    fault_operations: list[str] | None = None,
    seed: int | None = 0,
    strict: bool = True,
    fresh_moto: bool = True,
    host: str = "127.0.0.1",
    port: int = 0,
    iam_policy: Mapping[str, Any] | None = None,
    sandbox: bool = False,
    throttle_burst: float | None = None,
    verify_dns: bool = False,
    nameserver: str | None = None,
) -> Iterator[LocalEmulator]:
    """Start an emulator on a free local port; stop it (saving ``state_file``) on exit.

    ``strict`` checks every SES response against the sesv2 model and fails the block on exit
    if one broke it. ``iam_policy`` (a policy document) is enforced on every SES request, as
    ``sesctl local serve --iam-policy`` does (docs/security.md). ``sandbox`` puts the account in
    SES's sandbox, as ``sesctl local serve --sandbox`` does. ``verify_dns`` verifies domain
    identities by resolving their DKIM (and MAIL FROM MX) records through ``nameserver``
    ("HOST:PORT"; None: the system's resolver), as ``--verify-dns`` does. ``fresh_moto`` clears moto's services (process-wide) at start, so SNS
    topics or S3 buckets of an earlier emulator do not leak into this one.
    """
    config = EmulatorConfig(
        throttle_rps=throttle_rps,
        throttle_burst=throttle_burst,
        fault_rate=fault_rate,
        fault_kind=fault_kind,
        fault_operations=fault_operations,
        seed=seed,
        strict=strict,
        verify_dns=verify_dns,
        nameserver=nameserver,
    )
    config.validate()
    if fresh_moto:
        reset_moto()
    emulator = Emulator(config, state_file=state_file)
    if sandbox:
        emulator.enter_sandbox()
    if iam_policy is not None:  # enforce it on SES, SQS and CloudWatch alarm requests (reconciler/emulator/iam.py)
        from reconciler.emulator.iam import IamEnforcer
        from reconciler.iam.evaluate import Policy

        emulator.iam = IamEnforcer(Policy(iam_policy))
    server = EmulatorServer(emulator, host, port)
    try:
        server.start()
        local = LocalEmulator(server)
        yield local
    finally:
        server.stop()
        emulator.close()
    if strict and emulator.violations:
        listed = "\n  ".join(emulator.violations)
        raise AssertionError(f"the emulator sent responses outside the sesv2 model:\n  {listed}")


@contextmanager
def served_emulator(
    state_file: Path, *options: str, env: dict[str, str] | None = None, stop_signal: int = signal.SIGKILL
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``sesctl local serve --port 0`` as a real subprocess (for tests of processes that are
    killed, restarted or share a server): yields the process and its URL; ``options`` are extra
    ``local serve`` flags. The server is stopped with ``stop_signal`` at exit."""
    sesctl = Path(sys.executable).parent / "sesctl"
    # stderr to a file, not a pipe: a long run's log must never fill a pipe nobody reads.
    with tempfile.TemporaryFile(mode="w+") as errors:
        proc = subprocess.Popen(
            [str(sesctl), "local", "serve", "--port", "0", "--state", str(state_file), *options],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=state_file.parent,
            env=env,
        )
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()  # "sesctl local emulator listening on http://127.0.0.1:PORT"
            if "listening on http://" not in first:
                proc.kill()
                proc.wait(timeout=30)
                errors.seek(0)
                raise RuntimeError(f"the emulator did not start: {first}{errors.read()}")
            yield proc, first.rsplit(" ", 1)[1].strip()
        finally:
            if proc.poll() is None:
                proc.send_signal(stop_signal)
            proc.wait(timeout=30)
            if proc.stdout is not None:
                proc.stdout.close()


# pytest fixtures, for `pytest_plugins = ["reconciler.testing"]` in your own conftest.py (pytest
# is a test-time dependency, so they exist only where pytest is installed).
try:
    import pytest
except ImportError:  # pragma: no cover - production installs without pytest
    pass
else:

    @pytest.fixture
    def emulator() -> Iterator[LocalEmulator]:
        """A fresh emulator (SES v2 + moto's services) over HTTP on 127.0.0.1, strict responses."""
        with local_emulator() as emu:
            yield emu

    @pytest.fixture
    def ses(emulator: LocalEmulator) -> Any:
        """A boto3 sesv2 client on the ``emulator`` fixture (us-east-1, dummy credentials, no retries)."""
        return emulator.client("sesv2")
