"""Benchmark: a full plan over 200 templates and 20 configuration sets with 3 event
destinations each, against the emulator throttled to N requests/s per operation.

    .venv/bin/python benchmarks/bench_plan.py [--rate 20] [--templates 200] [--sets 20]

Prints, for the plan's read phase:
  wall time / physical minimum   physical minimum = max over operations of (calls needed / rate)
  API calls / minimum needed     minimum = one call per object each operation must read, plus
                                 one page per list
Target: <= 1.2 for both. The emulator and sesctl use the same rate per operation, so a
client that overran the server's bucket would pay in TooManyRequests retries (counted above).
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path

import yaml

from reconciler.app.apply import ApplyRequest, apply
from reconciler.app.plan import PlanRequest, plan
from reconciler.manifest import load_manifests
from reconciler.settings import Settings
from reconciler.testing import local_emulator


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
        "GetAccount": 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rate", type=float, default=20.0, help="requests/s per operation (emulator and sesctl)"
    )
    parser.add_argument("--templates", type=int, default=200)
    parser.add_argument("--sets", type=int, default=20)
    parser.add_argument("--destinations", type=int, default=3)
    args = parser.parse_args()
    for key, value in {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(key, value)

    with tempfile.TemporaryDirectory() as tmp, local_emulator(strict=False) as emu:
        root = Path(tmp)
        write_stack(root, args.templates, args.sets, args.destinations)
        settings = Settings(endpoint_url=emu.endpoint_url, region="us-east-1", color=False)
        setup = apply(settings, ApplyRequest(path=root, rate=10_000), confirm=lambda plan: True)
        assert setup.result is not None and setup.result.ok, "set-up apply failed"

        emu.configure(throttle_rps=args.rate)
        started = time.monotonic()
        load_manifests(root)  # the local part: YAML, models, template checks
        loading = time.monotonic() - started
        time.sleep(1.0)  # let the emulator's buckets refill after the set-up
        started = time.monotonic()
        result = plan(settings, PlanRequest(path=root, rate=args.rate))
        wall = time.monotonic() - started
        assert not result.plan.has_changes, "the benchmark stack should be in sync"

    needed = minimum_calls(args.templates, args.sets)
    physical = max(count / args.rate for count in needed.values())
    made = sum(result.api_calls.values())
    print(
        f"plan over {args.templates} templates, {args.sets} configuration sets x {args.destinations} destinations"
    )
    print(f"rate: {args.rate:g} requests/s per operation (emulator throttle = client bucket)")
    print(f"{'operation':40} {'calls':>6} {'minimum':>8}")
    for op in sorted(set(result.api_calls) | set(needed)):
        print(f"{op:40} {result.api_calls.get(op, 0):>6} {needed.get(op, 0):>8}")
    print(f"loading and validating the manifests alone: {loading:.2f} s (no AWS call)")
    print(
        f"wall time: {wall:.2f} s; physical minimum: {physical:.2f} s; ratio {wall / physical:.2f} (target <= 1.2)"
    )
    print(f"  reads only (wall - loading): {wall - loading:.2f} s; ratio {(wall - loading) / physical:.2f}")
    print(
        f"API calls: {made}; minimum needed: {sum(needed.values())}; ratio {made / sum(needed.values()):.2f} (target <= 1.2)"
    )


if __name__ == "__main__":
    main()
