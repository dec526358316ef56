"""The README quickstart: the example stack (manifests/ + sesctl.yaml) applies to a fresh local
emulator through the CLI with --local, and the next plan is empty."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine_support import sesctl

REPO = Path(__file__).resolve().parents[2]


def test_example_stack_applies_and_converges(tmp_path: Path) -> None:
    shutil.copytree(REPO / "manifests", tmp_path / "manifests")
    shutil.copy(REPO / "sesctl.yaml", tmp_path / "sesctl.yaml")
    applied = sesctl(tmp_path, None, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete!" in applied.stdout and " 0 failed" in applied.stdout
    again = sesctl(tmp_path, None, "plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes. Live SES matches the manifests." in again.stdout
