"""Every command reaches AWS the same way: `sesctl --env NAME` (or $SESCTL_ENV) takes the
environment's region and endpoint from sesctl.yaml, and a root flag wins over it.

Real subprocesses against one emulator whose two regions hold different accounts, so the
answer says which region's state the emulator answered from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.testing import LocalEmulator, local_emulator

SESCTL = str(Path(sys.executable).parent / "sesctl")
RATES = {"us-east-1": 11.0, "eu-west-1": 22.0}  # MaxSendRate per region: the region's fingerprint


@pytest.fixture(scope="module")
def emulator() -> Iterator[LocalEmulator]:
    with local_emulator() as emu:
        for region, rate in RATES.items():
            emu.admin("configure_account", region=region, max_send_rate=rate)
        yield emu


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, emulator: LocalEmulator) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "manifests").mkdir()
    (root / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\n"
        "kind: Project\n"
        "stack: regions\n"
        "defaultEnvironment: staging\n"
        "environments:\n"
        "  staging:\n"
        "    region: us-east-1\n"
        f"    endpointUrl: {emulator.endpoint_url}\n"
        "  production:\n"
        "    region: eu-west-1\n"
        f"    endpointUrl: {emulator.endpoint_url}\n",
        encoding="utf-8",
    )
    return root


def sesctl(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "SESCTL_ENV")
    }
    return subprocess.run(
        [SESCTL, *args],
        cwd=cwd,
        env={
            **inherited,
            "HOME": str(cwd),  # no ~/.aws of the machine running the tests
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            **env,
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rate_of(result: subprocess.CompletedProcess[str]) -> float:
    assert result.returncode == 0, result.stderr
    return float(json.loads(result.stdout)["max_send_rate"])


def test_quota_uses_the_environment_region(project: Path) -> None:
    assert rate_of(sesctl(project, "--env", "production", "quota", "--json")) == RATES["eu-west-1"]
    assert rate_of(sesctl(project, "--env", "staging", "quota", "--json")) == RATES["us-east-1"]


def test_sesctl_env_and_default_environment(project: Path) -> None:
    production = sesctl(project, "quota", "--json", SESCTL_ENV="production")
    assert rate_of(production) == RATES["eu-west-1"]
    assert rate_of(sesctl(project, "quota", "--json")) == RATES["us-east-1"]  # defaultEnvironment


def test_a_root_flag_wins_over_the_environment(project: Path) -> None:
    result = sesctl(project, "--env", "production", "--region", "us-east-1", "quota", "--json")
    assert rate_of(result) == RATES["us-east-1"]


def test_an_unknown_environment_is_an_error_before_any_call(project: Path) -> None:
    result = sesctl(project, "--env", "nope", "quota")
    assert result.returncode == 1
    assert "unknown environment 'nope'" in result.stderr and "Traceback" not in result.stderr
