"""Send-engine benchmark against a real `sesctl local serve` process.

    .venv/bin/python benchmarks/bench_send.py                      # 20,000 at 200/s (~100 s) + memory
    .venv/bin/python benchmarks/bench_send.py --recipients 2000    # a quicker rate run
    .venv/bin/python benchmarks/bench_send.py --skip-rate          # memory only

Rate: N recipients through SendBulkEmail with the emulator's MaxSendRate at --rate; prints the
sustained rate (sent / wall time) divided by MaxSendRate (target >= 0.95) and the throttling
seen (ACCOUNT_THROTTLED entries and TooManyRequestsException calls, target 0).

    .venv/bin/python benchmarks/bench_send.py --recipients 50000 --rate 5000 --skip-memory --processes 1,2

With --processes, each count is a whole `sesctl send --processes P --checkpoint ... --yes` command
(a real CLI process, and P workers for P > 1), run alternately --repeat times. Two rates are
printed: over the whole run (from the start of the run phase, so worker start-up counts) and
while sending (sent / the longest shard's first-call-to-last-answer time), with the load average.

Memory: the engine runs in a child process per size and reports tracemalloc's peak (Python
allocations) and the peak RSS (ru_maxrss). Two modes:
  dry   the whole pipeline except the SES call (stream, suppression set, render, A/B), at
        20,000 and 200,000 recipients;
  send  real sends with a checkpoint at a high MaxSendRate (--memory-send-rate), at the
        --memory-send sizes (default 5,000 and 20,000: 200,000 real sends would take the
        emulator about as many seconds as it can render messages).
Target: flat (the peak does not grow with the number of recipients), but for the
duplicate-address set, measured alone (--dedupe sizes): at most 16 bytes per distinct address
at its peak, and nothing more on the heap past the spill size (1,048,576 keys per disk run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SESCTL = str(Path(sys.executable).parent / "sesctl")
TEMPLATE: Any = {
    "Subject": "Welcome {{name}}",
    "Text": "Hi {{name}}, your plan is {{plan}}.",
    "Html": "<p>Hi {{name}}</p>",
}
ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_REGION": "us-east-1",
}


@contextmanager
def serve(workdir: Path) -> Iterator[str]:
    from reconciler.testing import served_emulator

    with served_emulator(workdir / "state.json", env=ENV, stop_signal=signal.SIGTERM) as (_, url):
        yield url


def admin(url: str, name: str, **kwargs: Any) -> Any:
    from reconciler.emulator.local import admin_request

    return admin_request(url, f"/_sesctl/admin/{name}", kwargs)["result"]


def prepare(url: str, max_send_rate: float) -> None:
    import boto3

    admin(url, "verify_identity", identity="example.com")
    admin(url, "configure_account", max_send_rate=max_send_rate, max_24_hour_send=10_000_000.0)
    ses = boto3.client("sesv2", endpoint_url=url, region_name="us-east-1")
    try:
        ses.create_email_template(TemplateName="welcome", TemplateContent=TEMPLATE)
    except ses.exceptions.AlreadyExistsException:
        pass


def write_recipients(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("email,name,plan\n")
        for i in range(n):
            handle.write(f"user{i}@example.org,User {i},pro\n")
    return path


def run_engine(url: str, path: Path, *, dry_run: bool, checkpoint: Path | None) -> Any:
    import boto3

    from reconciler.aws.gateway import SesGateway
    from reconciler.aws.ratelimit import RateLimits
    from reconciler.sending import SendEngine, SendJob, file_digest, read_recipients

    client = boto3.client("sesv2", endpoint_url=url, region_name="us-east-1")
    gateway = SesGateway(client, limits=RateLimits.parse(100))
    job = SendJob(from_address="news@example.com", template="welcome", dry_run=dry_run, checkpoint=checkpoint)
    return SendEngine(gateway, job).run(read_recipients(path), source_digest=file_digest(path))


def rate_run(n: int, rate: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp)) as url:
        prepare(url, rate)
        path = write_recipients(Path(tmp) / "r.csv", n)
        started = time.monotonic()
        report = run_engine(url, path, dry_run=False, checkpoint=Path(tmp) / "ck")
        wall = time.monotonic() - started
    sustained = report.sent / report.elapsed
    return {
        "recipients": n,
        "max_send_rate": rate,
        "sent": report.sent,
        "elapsed_s": round(report.elapsed, 2),
        "wall_s": round(wall, 2),
        "sustained_rate": round(sustained, 2),
        "ratio": round(sustained / rate, 4),
        "throttled_retries": report.retried,
        "failed": report.failed_permanent,
        "batch_size": report.batch_size,
    }


def cli_rate_run(url: str, workdir: Path, path: Path, rate: float, processes: int, tag: str) -> dict[str, Any]:
    """One whole `sesctl send --processes P` command; its --json report read back."""
    admin(url, "configure_sending", reset_quota=True)
    load = os.getloadavg()[0]
    started = time.monotonic()
    out = subprocess.run(
        [
            SESCTL, "--endpoint-url", url, "send", "--template", "welcome", "--recipients", str(path),
            "--from", "news@example.com", "--checkpoint", str(workdir / f"ck-{tag}"),
            "--processes", str(processes), "--yes", "--json", "--no-store", "--no-breaker",
        ],
        capture_output=True, text=True, env=ENV, check=False,
    )  # fmt: skip
    wall = time.monotonic() - started
    if out.returncode != 0:
        raise SystemExit(f"sesctl send --processes {processes} failed: {out.stdout[-2000:]}{out.stderr[-2000:]}")
    report = json.loads(out.stdout)
    whole = report["sent"] / report["elapsed"]
    return {
        "processes": processes,
        "recipients": report["rows"],
        "max_send_rate": rate,
        "sent": report["sent"],
        "run_s": round(report["elapsed"], 2),
        "command_wall_s": round(wall, 2),
        "rate_whole_run": round(whole, 1),
        "ratio_whole_run": round(whole / rate, 4),
        "rate_while_sending": report["send_rate"],
        "ratio_while_sending": round(report["send_rate"] / rate, 4),
        "throttled_retries": report["retried"],
        "failed": report["failed_permanent"],
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def processes_runs(n: int, rate: float, counts: list[int], repeat: int) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp)) as url:
        prepare(url, rate)
        path = write_recipients(Path(tmp) / "r.csv", n)
        for turn in range(repeat):
            for processes in counts:  # interleaved, so a change in the machine's load hits both
                admin(url, "clear_sent_messages")
                result = cli_rate_run(url, Path(tmp), path, rate, processes, f"{turn}-{processes}")
                print("processes:", json.dumps(result), flush=True)
                results.append(result)
    return results


def memory_child(url: str, n: int, mode: str, workdir: Path) -> dict[str, Any]:
    path = write_recipients(workdir / f"r{n}.csv", n)
    tracemalloc.start()
    started = time.monotonic()
    report = run_engine(
        url, path, dry_run=mode == "dry", checkpoint=None if mode == "dry" else workdir / f"ck{n}"
    )
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "mode": mode,
        "recipients": n,
        "processed": report.sent,
        "seconds": round(elapsed, 1),
        "tracemalloc_peak_mib": round(peak / 2**20, 2),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def dedupe_memory(n: int) -> dict[str, Any]:
    """The duplicate-address set alone: tracemalloc's peak and final heap per distinct address
    for ``n`` addresses (target: at most 16 bytes at the peak), and the runs spilled to disk."""
    from reconciler.sending.dedupe import SeenAddresses

    timed = SeenAddresses()  # timed without tracemalloc, which slows every allocation
    started = time.monotonic()
    for i in range(n):
        timed.add(f"user{i}@example.org")
    elapsed = time.monotonic() - started
    timed.close()
    del timed
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    seen = SeenAddresses()
    for i in range(n):
        seen.add(f"user{i}@example.org")
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    spilled = sum(len(run) for run in seen._disk)
    seen.close()
    return {
        "addresses": n,
        "peak_bytes_per_address": round((peak - base) / n, 2),
        "final_bytes_per_address": round((current - base) / n, 2),
        "spilled_to_disk": spilled,
        "microseconds_per_add": round(1e6 * elapsed / n, 2),
    }


def memory_runs(sizes: list[int], mode: str, send_rate: float) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp)) as url:
        prepare(url, send_rate)
        for n in sizes:
            admin(url, "clear_sent_messages")
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--memory-child",
                    str(n),
                    "--mode",
                    mode,
                    "--url",
                    url,
                    "--workdir",
                    tmp,
                ],
                capture_output=True,
                text=True,
                check=True,
                env=ENV,
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument(
        "--rate", type=float, default=200.0, help="the emulator's MaxSendRate for the rate run"
    )
    parser.add_argument("--skip-rate", action="store_true")
    parser.add_argument(
        "--processes",
        help="comma-separated process counts: the rate run as whole `sesctl send --processes P` commands",
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs of each process count (with --processes)")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-dry", default="20000,200000", help="sizes for the dry-run memory runs")
    parser.add_argument("--memory-send", default="5000,20000", help="sizes for the real-send memory runs")
    parser.add_argument("--memory-send-rate", type=float, default=5000.0)
    parser.add_argument(
        "--dedupe", default="200000,2000000", help="sizes for the duplicate-address set alone"
    )
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="dry", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.update({k: ENV[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION")})
    if args.memory_child:
        print(json.dumps(memory_child(args.url, args.memory_child, args.mode, Path(args.workdir))))
        return
    if args.processes and not args.skip_rate:
        counts = [int(p) for p in args.processes.split(",") if p]
        for result in processes_runs(args.recipients, args.rate, counts, args.repeat):
            print(
                f"  --processes {result['processes']}: {result['ratio_whole_run']:.3f} x MaxSendRate over the whole "
                f"run, {result['ratio_while_sending']:.3f} while sending; throttled retries "
                f"{result['throttled_retries']}; load {result['load_before']} -> {result['load_after']}"
            )
    elif not args.skip_rate:
        result = rate_run(args.recipients, args.rate)
        print("rate:", json.dumps(result))
        print(
            f"  sustained {result['sustained_rate']}/s over {result['sent']} recipients = "
            f"{result['ratio']:.3f} x MaxSendRate (target >= 0.95); throttled retries {result['throttled_retries']} "
            "(target 0)"
        )
    if not args.skip_memory:
        for n in [int(s) for s in args.dedupe.split(",") if s]:
            print("dedupe:", json.dumps(dedupe_memory(n)))
        for mode, sizes in (("dry", args.memory_dry), ("send", args.memory_send)):
            runs = memory_runs([int(s) for s in sizes.split(",") if s], mode, args.memory_send_rate)
            for run in runs:
                print("memory:", json.dumps(run))
            if len(runs) >= 2:
                first, last = runs[0], runs[-1]
                print(
                    f"  {mode}: tracemalloc peak {first['tracemalloc_peak_mib']} MiB at {first['recipients']:,} vs "
                    f"{last['tracemalloc_peak_mib']} MiB at {last['recipients']:,} "
                    f"(ratio {last['tracemalloc_peak_mib'] / max(first['tracemalloc_peak_mib'], 1e-9):.2f}; target flat)"
                )


if __name__ == "__main__":
    main()
