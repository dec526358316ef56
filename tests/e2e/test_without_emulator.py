"""Without the `sesctl[local]` extra (moto), --local and `sesctl local serve` say how to install
it: exit 1, no traceback. The missing package is simulated in a real subprocess by making its
import fail (``sys.modules[name] = None``), the one way to uninstall it for one process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

RUN_WITHOUT = (
    "import sys\n"
    "sys.modules[sys.argv[1]] = None\n"
    "from reconciler.cli import main\n"
    "main(sys.argv[2:])\n"
)


def run_without(package: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("SESCTL_ENV", "AWS_PROFILE")}
    return subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT, package, *args],
        cwd=cwd,
        env={**environ, "HOME": str(cwd)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("package", ["moto", "werkzeug"])
@pytest.mark.parametrize(
    "args", [("--local", "quota"), ("local", "serve", "--port", "0")], ids=["--local", "local-serve"]
)
def test_missing_extra_says_how_to_install_it(tmp_path: Path, package: str, args: tuple[str, ...]) -> None:
    result = run_without(package, tmp_path, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"needs the local SES emulator, which is not installed ({package} is missing)" in result.stderr
    assert "pip install 'sesctl[local]'" in result.stderr
    assert not (tmp_path / ".sesctl").exists()  # nothing was started or written


def test_commands_without_the_emulator_still_work(tmp_path: Path) -> None:
    result = run_without("moto", tmp_path, "validate", "--help")
    assert result.returncode == 0, result.stderr
