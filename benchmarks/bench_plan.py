"""Benchmark: a full plan against the emulator running as its own process (`sesctl local
serve`), throttled like SES to N requests/s per operation, at several stack sizes.

    .venv/bin/python benchmarks/bench_plan.py                          # 20 and 200 templates at 1/s and 20/s
    .venv/bin/python benchmarks/bench_plan.py --templates 2000 --rates 1   # ~35 minutes
    .venv/bin/python benchmarks/bench_plan.py --templates 200 --rates 1 --refresh-budget 60   # rolling refresh

Stack: T templates plus 20 configuration sets with 3 event destinations each (--sets,
--destinations). The emulator is set up at full speed, then throttled to N/s per operation;
sesctl runs with --rate N (one request per operation in flight, the next one interval after
the previous answer: see docs/performance.md).

Prints per run:
  wall / minimum    minimum = the busiest operation's calls / N (the physical floor: SES
                    allows no faster)
  calls / minimum   minimum = one call per object each operation must read, plus one page per list
  throttles         TooManyRequests answers (each one retried after slowing down)
Targets (issue 13): wall/minimum <= 1.05, 0 throttles, never aborting.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

from reconciler.app.apply import ApplyRequest, apply
from reconciler.app.plan import PlanRequest, plan
from reconciler.errors import ReconcilerError
from reconciler.settings import Settings
from reconciler.testing import served_emulator

ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_REGION": "us-east-1",
}


def write_stack(root: Path, templates: int, sets: int, destinations: int) -> None:
    docs: list[dict[str, object]] = []
    for i in range(templates):
        docs.append(
            {
                "kind": "EmailTemplate",
                "metadata": {"name": f"t{i:03d}"},
                "spec": {
                    "subject": f"Hello {{{{name}}}} #{i}",
                    "html": "<p>Hi {{name}}</p>\n",
                    "defaults": {"name": "x"},
                },
            }
        )
    for s in range(sets):
        docs.append(
            {
                "kind": "ConfigurationSet",
                "metadata": {"name": f"cs{s:02d}"},
                "spec": {"sendingOptions": {"sendingEnabled": True}},
            }
        )
        for d in range(destinations):
            docs.append(
                {
                    "kind": "EventDestination",
                    "metadata": {"name": f"d{d}"},
                    "spec": {
                        "configurationSet": f"cs{s:02d}",
                        "matchingEventTypes": ["BOUNCE", "COMPLAINT"] if d == 0 else ["SEND"],
                        "eventBridgeDestination": {
                            "eventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"
                        },
                    },
                }
            )
    (root / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: Project\nstack: bench\nmanifests: manifests\n"
    )
    (root / "manifests").mkdir()
    (root / "manifests" / "all.yaml").write_text(
        yaml.safe_dump_all([{"apiVersion": "sesctl/v1", **d} for d in docs])
    )


def minimum_calls(templates: int, sets: int) -> dict[str, int]:
    """The reads a full plan cannot do without (one per object, one per list page)."""
    return {
        "ListEmailTemplates": max(1, math.ceil(templates / 100)),
        "GetEmailTemplate": templates,
        "ListConfigurationSets": 1,
        "GetConfigurationSet": sets,
        "GetConfigurationSetEventDestinations": sets,
        "ListDedicatedIpPools": 1,
        "ListContactLists": 1,
        "ListEmailIdentities": 1,
        "cloudwatch:DescribeAlarms": 1,  # AlertPolicy's read
        "GetAccount": 1,
    }


def configure(url: str, **settings: object) -> None:
    request = urllib.request.Request(
        f"{url}/_sesctl/config",
        data=json.dumps(settings).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


def run(templates: int, rate: float, args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_stack(root, templates, args.sets, args.destinations)
        with served_emulator(root / "state.json", env=ENV) as (_, url):
            settings = Settings(endpoint_url=url, region="us-east-1", color=False)
            setup = apply(settings, ApplyRequest(path=root, rate=10_000), confirm=lambda _: True)
            assert setup.result is not None and setup.result.ok, "set-up apply failed"
            configure(url, throttle_rps=rate)
            time.sleep(2.0)  # let the emulator's fresh buckets fill
            started = time.monotonic()
            try:
                result = plan(settings, PlanRequest(path=root, rate=rate))
            except ReconcilerError as exc:
                return {"templates": templates, "rate": rate, "aborted": str(exc)}
            wall = time.monotonic() - started
    assert not result.plan.has_changes, "the benchmark stack should be in sync"
    needed = minimum_calls(templates, args.sets)
    return {
        "templates": templates,
        "rate": rate,
        "wall": wall,
        "minimum": max(count / rate for count in needed.values()),
        "calls": sum(result.api_calls.values()),
        "needed": sum(needed.values()),
        "throttles": sum(result.throttles.values()),
        "per_operation": result.api_calls,
    }


def rolling(templates: int, rate: float, budget: float, args: argparse.Namespace) -> None:
    """Budgeted plans one after another (docs/drift.md) until every template was re-read once:
    each run's wall time against its budget, what it read, and what it left to the cache."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_stack(root, templates, args.sets, args.destinations)
        with served_emulator(root / "state.json", env=ENV) as (_, url):
            settings = Settings(endpoint_url=url, region="us-east-1", color=False)
            setup = apply(settings, ApplyRequest(path=root, rate=10_000), confirm=lambda _: True)
            assert setup.result is not None and setup.result.ok, "set-up apply failed"
            configure(url, throttle_rps=rate)
            time.sleep(2.0)
            print(f"{templates} templates at {rate:g}/s, refresh budget {budget:g} s per run")
            print(f"{'run':>4} {'wall s':>8} {'read':>6} {'not read':>9} {'covered':>8} {'throttles':>9}")
            seen: set[str] = set()
            everything = {f"EmailTemplate/t{i:03d}" for i in range(templates)}
            for run_number in range(1, args.max_runs + 1):
                started = time.monotonic()
                result = plan(settings, PlanRequest(path=root, rate=rate, refresh_budget=budget))
                wall = time.monotonic() - started
                refresh = result.plan.refresh
                assert refresh is not None
                skipped = {u.address for u in refresh.unrefreshed}
                seen |= everything - skipped
                print(
                    f"{run_number:>4} {wall:>8.1f} {refresh.refreshed:>6} {len(skipped):>9} "
                    f"{len(seen):>8} {sum(result.throttles.values()):>9}"
                )
                sys.stdout.flush()
                if seen == everything:
                    break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="1,20", help="requests/s per operation, comma-separated")
    parser.add_argument("--templates", default="20,200", help="stack sizes, comma-separated")
    parser.add_argument("--sets", type=int, default=20)
    parser.add_argument("--destinations", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one JSON line per run as well")
    parser.add_argument(
        "--refresh-budget",
        type=float,
        metavar="SECONDS",
        help="instead: budgeted plans one after another until every template was re-read",
    )
    parser.add_argument("--max-runs", type=int, default=20, help="with --refresh-budget: stop after this many")
    args = parser.parse_args()
    if args.refresh_budget is not None:
        for rate in (float(r) for r in args.rates.split(",")):
            for templates in (int(t) for t in args.templates.split(",")):
                rolling(templates, rate, args.refresh_budget, args)
        return

    print(f"stack: T templates + {args.sets} configuration sets x {args.destinations} event destinations")
    print(
        f"{'templates':>9} {'rate/s':>7} {'wall s':>9} {'minimum s':>10} {'wall/min':>9} {'calls/min':>14} {'throttles':>9}"
    )
    for rate in (float(r) for r in args.rates.split(",")):
        for templates in (int(t) for t in args.templates.split(",")):
            row = run(templates, rate, args)
            if "aborted" in row:
                print(f"{templates:>9} {rate:>7g}  ABORTED: {row['aborted']}")
            else:
                wall, minimum = float(row["wall"]), float(row["minimum"])  # type: ignore[arg-type]
                calls = f"{row['calls']}/{row['needed']}"
                print(
                    f"{templates:>9} {rate:>7g} {wall:>9.1f} {minimum:>10.1f} {wall / minimum:>9.3f} "
                    f"{calls:>14} {row['throttles']:>9}"
                )
            if args.json:
                print(json.dumps(row), file=sys.stderr)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
