"""`sesctl suppression import` through SES import jobs: the real CLI (and the bulk module) against
the emulator's SES and S3 over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import RateLimits
from reconciler.errors import AwsError
from reconciler.suppression import Entry
from reconciler.suppression.bulk import object_urls, public_url, run_import
from reconciler.testing import LocalEmulator, dummy_aws_env, local_emulator

SESCTL = str(Path(sys.executable).parent / "sesctl")


@pytest.fixture(scope="module")
def shared() -> Iterator[LocalEmulator]:
    with local_emulator() as emu:
        yield emu


@pytest.fixture
def emu(shared: LocalEmulator) -> LocalEmulator:
    shared.reset()
    shared.client("s3").create_bucket(Bucket="migration")
    return shared


def _run(cwd: Path, emu: LocalEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = dummy_aws_env(drop=("SESCTL_AUDIT",))
    return subprocess.run(
        [SESCTL, "--endpoint-url", emu.endpoint_url, "suppression", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _suppressed(emu: LocalEmulator) -> dict[str, str]:
    from reconciler.suppression import entries

    return {e.address: e.reason for e in entries(_gateway(emu))}


def _objects(emu: LocalEmulator) -> list[str]:
    return [o["Key"] for o in emu.client("s3").list_objects_v2(Bucket="migration").get("Contents", [])]


def test_bulk_import_uploads_runs_the_job_reports_and_cleans_up(tmp_path: Path, emu: LocalEmulator) -> None:
    (tmp_path / "old.csv").write_text("email,reason\nada@example.com,BOUNCE\ngrace@example.com,COMPLAINT\n")
    done = _run(tmp_path, emu, "import", "old.csv", "--bulk", "--s3-url", "s3://migration/in/")
    assert done.returncode == 0, done.stderr
    assert "Imported through 1 SES import job(s): 2 processed, 0 failed." in done.stdout
    assert "COMPLETED" in done.stderr
    assert _suppressed(emu) == {"ada@example.com": "BOUNCE", "grace@example.com": "COMPLAINT"}
    assert _objects(emu) == []  # the upload held addresses in clear: deleted after the job
    assert "ada@" not in done.stdout + done.stderr and "grace@" not in done.stdout + done.stderr

    trail = [json.loads(line) for line in (tmp_path / ".sesctl" / "audit.jsonl").read_text().splitlines()]
    started, finished = trail[-2:]
    assert (started["kind"], started["details"]["mode"], started["details"]["count"]) == ("suppression", "bulk", 2)
    assert finished["outcome"] == "ok" and finished["result"]["counts"] == {"processed": 2, "failed": 0}
    assert "example.com" not in json.dumps(trail)

    listed = _run(tmp_path, emu, "jobs", "--json")
    (job,) = json.loads(listed.stdout)
    assert (job["status"], job["action"], job["processed"]) == ("COMPLETED", "PUT", 2)
    one = json.loads(_run(tmp_path, emu, "jobs", job["job_id"], "--json").stdout)
    assert one["source"].startswith("s3://migration/in/sesctl-suppression-")


def test_automatic_above_the_threshold_and_keep_upload(tmp_path: Path, emu: LocalEmulator) -> None:
    rows = "".join(f"u{i}@example.com\n" for i in range(1001))
    (tmp_path / "big.csv").write_text("email\n" + rows)
    dry = _run(tmp_path, emu, "import", "big.csv", "--reason", "BOUNCE", "--s3-url", "s3://migration/big.csv", "--dry-run")
    assert "1001 entries would be added (through an SES import job via s3://migration/big.csv)" in dry.stdout
    done = _run(tmp_path, emu, "import", "big.csv", "--reason", "BOUNCE", "--s3-url", "s3://migration/big.csv", "--keep-upload", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["mode"], report["processed"], report["failed"]) == ("import-job", 1001, 0)
    assert _objects(emu) == ["big.csv"] and len(_suppressed(emu)) == 1001
    # without an S3 URL the same file goes address by address, with a note saying how to go faster
    small = _run(tmp_path, emu, "import", "big.csv", "--reason", "BOUNCE", "--dry-run")
    assert "one PutSuppressedDestination each" in small.stdout


def test_flag_conflicts_and_s3_errors_are_located(tmp_path: Path, emu: LocalEmulator) -> None:
    (tmp_path / "one.csv").write_text("email,reason\nada@example.com,BOUNCE\n")
    no_url = _run(tmp_path, emu, "import", "one.csv", "--bulk")
    assert no_url.returncode == 1 and "--bulk needs --s3-url" in no_url.stderr
    both = _run(tmp_path, emu, "import", "one.csv", "--no-bulk", "--s3-url", "s3://migration/")
    assert both.returncode == 1 and "refused" in both.stderr
    missing = _run(tmp_path, emu, "import", "one.csv", "--bulk", "--s3-url", "s3://no-such-bucket/")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "s3:PutObject" in missing.stderr and "ada@" not in missing.stderr
    assert _suppressed(emu) == {}


def _gateway(emu: LocalEmulator) -> SesGateway:
    return SesGateway(emu.client("sesv2"), limits=RateLimits.parse(1000))


def test_failed_records_are_counted_and_reported_without_addresses(emu: LocalEmulator) -> None:
    items = [Entry("ada@example.com", "BOUNCE"), Entry("not an address", "BOUNCE"), Entry("cy@example.com", "SPAM")]
    report = run_import(_gateway(emu), emu.client("s3"), "s3://migration/", items, poll_seconds=0.01)
    (job,) = report.jobs
    assert (job.status, job.processed, job.failed, report.ok) == ("COMPLETED", 3, 2, True)
    assert job.failed_records and job.failed_records.startswith("s3://")
    assert _suppressed(emu) == {"ada@example.com": "BOUNCE"}
    # DELETE through a job too
    removed = run_import(_gateway(emu), emu.client("s3"), "s3://migration/", [items[0]], action="DELETE", poll_seconds=0.01)
    assert removed.ok and _suppressed(emu) == {}


def test_a_job_still_running_after_the_timeout_is_an_error_naming_it(emu: LocalEmulator) -> None:
    emu.admin("configure_jobs", delay_seconds=3600)
    ticks = iter(range(1000))
    with pytest.raises(AwsError) as caught:
        run_import(
            _gateway(emu), emu.client("s3"), "s3://migration/", [Entry("ada@example.com", "BOUNCE")],
            timeout=5, poll_seconds=1, sleep=lambda s: None, clock=lambda: float(next(ticks)),
        )  # fmt: skip
    assert "still PROCESSING" in str(caught.value) and "sesctl suppression jobs" in (caught.value.hint or "")


def test_object_urls_and_public_url() -> None:
    assert object_urls("s3://b/p/", 2, "T") == ["s3://b/p/sesctl-suppression-T-1.csv", "s3://b/p/sesctl-suppression-T-2.csv"]
    assert object_urls("s3://b/list.csv", 1, "T") == ["s3://b/list.csv"]
    assert object_urls("s3://b/list.csv", 2, "T") == ["s3://b/list-1.csv", "s3://b/list-2.csv"]
    signed = "https://b.s3.amazonaws.com/f.json?X-Amz-Signature=abc&X-Amz-Security-Token=secret"
    shown = public_url(signed)
    assert shown is not None and "secret" not in shown and shown.startswith("https://b.s3.amazonaws.com/f.json")


def test_bulk_remove_from_a_file_needs_yes(tmp_path: Path, emu: LocalEmulator) -> None:
    ses = emu.client("sesv2")
    for address in ("ada@example.com", "grace@example.com", "lin@example.com"):
        ses.put_suppressed_destination(EmailAddress=address, Reason="BOUNCE")
    (tmp_path / "gone.csv").write_text("email,reason,last_update_time\nada@example.com,BOUNCE,\ngrace@example.com,COMPLAINT,\n")
    refused = _run(tmp_path, emu, "remove", "--file", "gone.csv", "--bulk", "--s3-url", "s3://migration/")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    done = _run(tmp_path, emu, "remove", "--file", "gone.csv", "--bulk", "--s3-url", "s3://migration/", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert (json.loads(done.stdout)["processed"], _suppressed(emu)) == (2, {"lin@example.com": "BOUNCE"})
    assert "ada@" not in done.stdout + done.stderr and _objects(emu) == []
