"""SES state survives a restart: real `sesctl local serve` processes over one state file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from reconciler.emulator.local import embedded_endpoint, running_server
from reconciler.testing import served_emulator

SESCTL = str(Path(sys.executable).parent / "sesctl")
TEMPLATE = {"Subject": "Hi {{name}}", "Text": "Hello {{name}}", "Html": "<p>Hello {{name}}</p>"}


def _client(url: str) -> Any:
    return boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
    ).client("sesv2", endpoint_url=url, config=Config(retries={"total_max_attempts": 1}))


def serve(state: Path, *extra: str) -> AbstractContextManager[tuple[subprocess.Popen[str], str]]:
    return served_emulator(state, *extra)


def test_state_survives_a_hard_kill_and_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "ses-state.json"
    with serve(state) as (proc, url):
        _client(url).create_email_template(TemplateName="welcome", TemplateContent=TEMPLATE)
        proc.send_signal(signal.SIGKILL)  # no chance to save at exit: saved after the call
        proc.wait(timeout=10)
    with serve(state) as (proc, url):
        got = _client(url).get_email_template(TemplateName="welcome")
        assert got["TemplateContent"] == TEMPLATE
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert "Stopped. SES state saved" in out
        assert not (tmp_path / "server.json").exists()


def test_cloudwatch_alarms_survive_a_hard_kill_and_a_restart(tmp_path: Path) -> None:
    """The emulator's own CloudWatch alarms live in the state file with SES's state."""
    state = tmp_path / "ses-state.json"
    alarm = {
        "AlarmName": "sesctl/reputation/bounce-rate",
        "Namespace": "AWS/SES",
        "MetricName": "Reputation.BounceRate",
        "Statistic": "Average",
        "Period": 3600,
        "EvaluationPeriods": 1,
        "Threshold": 0.05,
        "ComparisonOperator": "GreaterThanThreshold",
    }

    def cloudwatch(url: str) -> Any:
        session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1")
        return session.client("cloudwatch", endpoint_url=url, config=Config(retries={"total_max_attempts": 1}))

    with serve(state) as (proc, url):
        cloudwatch(url).put_metric_alarm(**alarm, Tags=[{"Key": "sesctl:stack", "Value": "demo"}])
        proc.send_signal(signal.SIGKILL)  # saved after the call
        proc.wait(timeout=10)
    with serve(state) as (proc, url):
        found = cloudwatch(url).describe_alarms()["MetricAlarms"]
        assert [(a["AlarmName"], a["Threshold"], a["StateValue"]) for a in found] == [
            (alarm["AlarmName"], 0.05, "INSUFFICIENT_DATA")
        ]
        tags = cloudwatch(url).list_tags_for_resource(ResourceARN=found[0]["AlarmArn"])["Tags"]
        assert tags == [{"Key": "sesctl:stack", "Value": "demo"}]


def test_a_second_server_on_the_same_state_file_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "ses-state.json"
    with serve(state):
        second = subprocess.run(
            [SESCTL, "local", "serve", "--port", "0", "--state", str(state)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "in use by another emulator process" in second.stderr
        assert "Traceback" not in second.stderr


def test_status_and_reset_talk_to_the_running_server(tmp_path: Path) -> None:
    state = tmp_path / "ses-state.json"
    with serve(state) as (_, url):
        _client(url).create_email_template(TemplateName="t1", TemplateContent=TEMPLATE)
        status = subprocess.run(
            [SESCTL, "local", "status", "--state", str(state)], capture_output=True, text=True
        )
        assert status.returncode == 0 and url in status.stdout
        refused = subprocess.run(
            [SESCTL, "local", "reset", "--state", str(state)], input="n\n", capture_output=True, text=True
        )
        assert refused.returncode == 1
        assert _client(url).list_email_templates()["TemplatesMetadata"]
        done = subprocess.run(
            [SESCTL, "local", "reset", "--yes", "--state", str(state)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert _client(url).list_email_templates()["TemplatesMetadata"] == []
    stopped = subprocess.run(
        [SESCTL, "local", "status", "--state", str(state)], capture_output=True, text=True
    )
    assert stopped.returncode == 1 and "No sesctl local server" in stopped.stdout


def test_serve_refuses_a_public_host_without_allow_remote(tmp_path: Path) -> None:
    out = subprocess.run(
        [SESCTL, "local", "serve", "--host", "0.0.0.0", "--state", str(tmp_path / "s.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert "--allow-remote" in out.stderr and "Traceback" not in out.stderr


def test_embedded_endpoint_persists_between_uses(tmp_path: Path) -> None:
    with embedded_endpoint(tmp_path) as url:
        _client(url).create_email_template(TemplateName="kept", TemplateContent=TEMPLATE)
    assert (tmp_path / "ses-state.json").exists()
    with embedded_endpoint(tmp_path) as url:
        assert _client(url).get_email_template(TemplateName="kept")["TemplateName"] == "kept"


def test_embedded_endpoint_reuses_a_running_server(tmp_path: Path) -> None:
    with serve(tmp_path / "ses-state.json") as (_proc, url):
        assert running_server(tmp_path) is not None
        with embedded_endpoint(tmp_path) as embedded:
            assert embedded == url


def test_a_corrupt_state_file_is_reported_not_a_traceback(tmp_path: Path) -> None:
    state = tmp_path / "ses-state.json"
    state.write_text("{not json", encoding="utf-8")
    out = subprocess.run(
        [SESCTL, "local", "serve", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert str(state) in out.stderr and "Traceback" not in out.stderr
    assert state.read_text(encoding="utf-8") == "{not json"  # left alone


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    with serve(tmp_path / "ses-state.json") as (proc, _):
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        assert proc.returncode == 0


def test_sends_are_saved_soon_and_at_exit_without_a_write_per_call(tmp_path: Path) -> None:
    """A send's quota count reaches the state file within the deferred-save delay (one write for a
    burst of sends, not one per call), and at once when the emulator closes."""
    import json
    import time

    from reconciler.emulator.server import SEND_SAVE_DELAY, Emulator

    state = tmp_path / "ses-state.json"
    emulator = Emulator(state_file=state)
    try:
        emulator.run_admin("verify_identity", {"identity": "example.com"})
        emulator.call("CreateEmailTemplate", {"TemplateName": "t", "TemplateContent": TEMPLATE})
        written = state.stat().st_mtime_ns
        entry = {"Destination": {"ToAddresses": ["someone@example.com"]}}  # the simulator is not counted
        params = {
            "FromEmailAddress": "news@example.com",
            "DefaultContent": {"Template": {"TemplateName": "t", "TemplateData": '{"name": "x"}'}},
            "BulkEmailEntries": [entry],
        }
        for _ in range(5):
            emulator.call("SendBulkEmail", params)
        assert state.stat().st_mtime_ns == written  # not yet: the sends only marked it dirty

        def saved_count() -> float:
            sending = json.loads(state.read_text())["regions"]["us-east-1"]["sending"]
            return float(sum(sending["quota_window"].values()))

        deadline = time.monotonic() + SEND_SAVE_DELAY + 5
        while saved_count() != 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert saved_count() == 5
        emulator.call("SendBulkEmail", params)
    finally:
        emulator.close()
    assert saved_count() == 6  # close() saved at once
