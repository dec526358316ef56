"""What `plan` imports before it talks to AWS: not boto3 (botocore's session makes the clients),
not dnspython (a plan never asks DNS) and, for objects that did not change, not deepdiff
(docs/performance.md, start-up). Each of these cost every plan tens of milliseconds; moto and
Flask (the embedded emulator serves CloudWatch's alarms itself) cost it 0.2 s more."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sys
import reconciler.app.plan, reconciler.aws.clients
from reconciler.engine.diff import diff
from reconciler.settings import Settings
from reconciler.aws.clients import aws_context

unchanged = {"name": "a", "options": {"tls": "REQUIRE", "dims": [{"n": 1}], "on": True}}
assert diff(unchanged, {**unchanged}) == ()
aws_context(Settings(region="us-east-1", endpoint_url="http://127.0.0.1:9")).client("sesv2")
print(",".join(m for m in ("boto3", "s3transfer", "dns", "deepdiff") if m in sys.modules))
"""


def test_plan_imports_neither_boto3_nor_dnspython_nor_deepdiff_for_unchanged_objects() -> None:
    env = {k: v for k, v in os.environ.items() if k != "AWS_PROFILE"}
    # Credentials in the environment: the credential chain never waits for instance metadata.
    env |= {"AWS_ACCESS_KEY_ID": "probe", "AWS_SECRET_ACCESS_KEY": "probe", "AWS_EC2_METADATA_DISABLED": "true"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


COMMAND = """
import atexit, sys
heavy = sys.argv.pop(1).split(",")
atexit.register(lambda: print("loaded:" + ",".join(m for m in heavy if m in sys.modules), file=sys.stderr))
from reconciler.cli import main
sys.exit(main())
"""


@pytest.mark.parametrize(
    ("args", "heavy"),
    [
        (["validate"], "botocore,boto3,reconciler.aws.gateway,reconciler.emulator,deepdiff,dns"),
        (["--local", "plan"], "boto3,s3transfer,moto,flask,deepdiff,numpy,dns,requests"),
    ],
)
def test_the_example_stack_loads_none_of_the_heavy_modules(tmp_path: Path, args: list[str], heavy: str) -> None:
    shutil.copy(ROOT / "sesctl.yaml", tmp_path)
    shutil.copytree(ROOT / "manifests", tmp_path / "manifests")
    result = subprocess.run(
        [sys.executable, "-c", COMMAND, heavy, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("loaded:")] == ["loaded:"], result.stderr
