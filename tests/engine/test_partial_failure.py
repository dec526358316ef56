"""A failure forced with the emulator's fault injection: dependents are skipped, the rest is
applied, the summary says so, and a re-run converges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine_support import apply, configuration_set, event_destination, plan, pool, project, template

from reconciler.aws.ratelimit import RetryPolicy
from reconciler.engine.applier import DONE, FAILED, SKIPPED

FAST_RETRY = RetryPolicy(max_attempts=2, base=0.01, cap=0.01)


def test_failure_skips_dependents_and_rerun_converges(tmp_path: Path, emulator: Any) -> None:
    root = project(
        tmp_path,
        {
            "all.yaml": pool("bulk")
            + configuration_set("marketing", pool="bulk")
            + configuration_set("tx")
            + event_destination("bounces", "marketing")
            + event_destination("bounces", "tx")
            + template("welcome"),
        },
    )
    emulator.configure(fault_rate=1.0, fault_kind="500", fault_operations=["CreateDedicatedIpPool"])
    outcome = apply(root, emulator, retry=FAST_RETRY)
    assert outcome.result is not None
    status = {o.address: o.status for o in outcome.result.outcomes}
    assert status == {
        "DedicatedIpPool/bulk": FAILED,
        "ConfigurationSet/marketing": SKIPPED,
        "ConfigurationSet/tx": DONE,
        "EventDestination/marketing/bounces": SKIPPED,
        "EventDestination/tx/bounces": DONE,
        "EmailTemplate/welcome": DONE,
    }
    failed = next(o for o in outcome.result.outcomes if o.status == FAILED)
    assert failed.code and failed.hint  # the AWS error and what to do next
    skipped = {o.address: o.message for o in outcome.result.outcomes if o.status == SKIPPED}
    assert "DedicatedIpPool/bulk" in skipped["ConfigurationSet/marketing"]
    assert "ConfigurationSet/marketing" in skipped["EventDestination/marketing/bounces"]
    assert outcome.result.summary_line() == "Apply failed. 3 done, 1 failed, 2 skipped, 0 not attempted."

    emulator.configure(fault_rate=0.0)
    second = apply(root, emulator)
    assert second.result is not None and second.result.ok
    assert [o.address for o in second.result.outcomes] == [
        "DedicatedIpPool/bulk",
        "ConfigurationSet/marketing",
        "EventDestination/marketing/bounces",
    ]
    assert not plan(root, emulator).plan.has_changes


def test_targeted_plan_reads_and_changes_only_targets_and_dependencies(tmp_path: Path, emulator: Any) -> None:
    root = project(
        tmp_path,
        {
            "all.yaml": pool("bulk")
            + configuration_set("marketing", pool="bulk")
            + configuration_set("tx")
            + event_destination("bounces", "marketing")
            + template("welcome"),
        },
    )
    result = plan(root, emulator, targets=("EventDestination/marketing/bounces",))
    assert [c.address for c in result.plan.changes] == [
        "DedicatedIpPool/bulk",
        "ConfigurationSet/marketing",
        "EventDestination/marketing/bounces",
    ]
    assert result.plan.targets == ("EventDestination/marketing/bounces",)
    assert "ListEmailTemplates" not in result.api_calls and "GetEmailTemplate" not in result.api_calls
    applied = apply(root, emulator, targets=("ConfigurationSet/tx",))
    assert applied.result is not None and [o.address for o in applied.result.outcomes] == [
        "ConfigurationSet/tx"
    ]
