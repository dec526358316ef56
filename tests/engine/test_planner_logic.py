"""The planner's and applier's rules on fake kinds (pure logic; the same rules are exercised
against the emulator in test_reconcile.py)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pytest
from engine_fakes import fake_kinds

from reconciler.engine.applier import DONE, FAILED, SKIPPED, apply_plan, stale_addresses
from reconciler.engine.plan import ABSENT, REPLACE, Action
from reconciler.engine.planner import DesiredResource, PlanOptions, build_plan, read_live, read_scope
from reconciler.errors import PlanError, UsageError


def desired(
    *items: tuple[str, dict[str, Any]], protect: Collection[str] = frozenset()
) -> dict[str, DesiredResource]:
    result = {}
    for address, normalized in items:
        kind, _, name = address.partition("/")
        result[address] = DesiredResource(kind, name, normalized, protect=address in protect)
    return result


def plan_for(kinds: dict[str, Any], want: dict[str, DesiredResource], **options: Any) -> Any:
    opts = PlanOptions(stack="s", **options)
    live = read_live(None, kinds, read_scope(want, kinds, opts.targets))
    return build_plan(want, live, kinds, opts), live


def converge(kinds: dict[str, Any], want: dict[str, DesiredResource], **options: Any) -> Any:
    plan, live = plan_for(kinds, want, **options)
    return apply_plan(plan, kinds, None, {a: live.get(a) for a in plan.live_objects}, stack="s")


STACK = desired(
    ("DedicatedIpPool/p", {"scaling_mode": "STANDARD"}),
    ("ConfigurationSet/cs", {"delivery_options": {"sending_pool_name": "p"}, "sending_enabled": True}),
    ("EventDestination/cs/d", {"matching_event_types": ["BOUNCE"]}),
    ("EmailTemplate/t", {"subject": "Hi", "html": "<p>a</p>\n"}),
)


def test_create_then_no_changes() -> None:
    kinds = fake_kinds()
    plan, _ = plan_for(kinds, STACK)
    assert [c.address for c in plan.changes] == [
        "DedicatedIpPool/p",
        "ConfigurationSet/cs",
        "EventDestination/cs/d",
        "EmailTemplate/t",
    ]
    assert plan.change("EventDestination/cs/d").depends_on == ("ConfigurationSet/cs",)
    assert plan.change("ConfigurationSet/cs").depends_on == ("DedicatedIpPool/p",)
    assert plan.live_objects["EmailTemplate/t"] == ABSENT
    assert plan.change("EmailTemplate/t").text_diffs[1].part == "html"
    assert converge(kinds, STACK).ok
    again, _ = plan_for(kinds, STACK)
    assert not again.has_changes and again.no_op == 4


def test_update_replace_and_risks() -> None:
    kinds = fake_kinds()
    converge(kinds, STACK)
    changed = dict(STACK)
    changed["DedicatedIpPool/p"] = DesiredResource("DedicatedIpPool", "p", {"scaling_mode": "MANAGED"})
    changed["ConfigurationSet/cs"] = DesiredResource(
        "ConfigurationSet", "cs", {"delivery_options": {"sending_pool_name": "p"}, "sending_enabled": False}
    )
    plan, _ = plan_for(kinds, changed)
    pool, cs = plan.change("DedicatedIpPool/p"), plan.change("ConfigurationSet/cs")
    assert pool.actions == REPLACE and pool.fields[0].forces_replacement
    assert cs.actions == (Action.UPDATE,) and cs.changed_keys == ("sending_enabled",)
    assert [r.code for r in cs.risks] == ["sending_disabled"]
    with pytest.raises(PlanError, match="protect"):
        plan_for(
            kinds,
            {
                **changed,
                "DedicatedIpPool/p": DesiredResource(
                    "DedicatedIpPool", "p", {"scaling_mode": "MANAGED"}, protect=True
                ),
            },
        )


def test_prune_unmanaged_and_guards() -> None:
    kinds = fake_kinds()
    converge(kinds, STACK)
    kinds["EmailTemplate"].store["legacy"] = ({"subject": "x"}, None)
    kinds["EmailTemplate"].store["other"] = ({"subject": "x"}, "another-stack")
    smaller = {a: r for a, r in STACK.items() if not a.startswith(("EventDestination", "ConfigurationSet"))}
    plan, _ = plan_for(kinds, smaller)
    assert not plan.has_changes
    assert plan.pending_prune == ("ConfigurationSet/cs", "EventDestination/cs/d")
    assert plan.unmanaged == ("EmailTemplate/legacy", "EmailTemplate/other")
    with pytest.raises(PlanError, match="max-destroy 1"):
        plan_for(kinds, smaller, prune=True, max_destroy=1)
    result = converge(kinds, smaller, prune=True)
    assert [o.address for o in result.outcomes] == ["EventDestination/cs/d", "ConfigurationSet/cs"]
    assert set(kinds["EmailTemplate"].store) == {"t", "legacy", "other"}


def test_targets_include_dependencies() -> None:
    kinds = fake_kinds()
    plan, _ = plan_for(kinds, STACK, targets=("EventDestination/cs/d",))
    assert [c.address for c in plan.changes] == [
        "DedicatedIpPool/p",
        "ConfigurationSet/cs",
        "EventDestination/cs/d",
    ]
    with pytest.raises(UsageError, match="no such resource"):
        plan_for(kinds, STACK, targets=("EmailTemplate/typo",))
    with pytest.raises(UsageError, match="unknown kind"):
        plan_for(kinds, STACK, targets=("Nope/x",))


def test_failure_skips_dependents_and_rerun_converges() -> None:
    kinds = fake_kinds()
    kinds["ConfigurationSet"].fail_on.add(("create", "cs"))
    result = converge(kinds, STACK)
    status = {o.address: o.status for o in result.outcomes}
    assert status == {
        "DedicatedIpPool/p": DONE,
        "ConfigurationSet/cs": FAILED,
        "EventDestination/cs/d": SKIPPED,
        "EmailTemplate/t": DONE,
    }
    assert not result.ok and "1 failed, 1 skipped" in result.summary_line()
    kinds["ConfigurationSet"].fail_on.clear()
    assert converge(kinds, STACK).ok
    assert not plan_for(kinds, STACK)[0].has_changes


def test_stale_addresses_name_what_moved() -> None:
    kinds = fake_kinds()
    plan, _ = plan_for(kinds, STACK)
    kinds["EmailTemplate"].store["t"] = ({"subject": "sneaky"}, None)
    now = read_live(None, kinds, read_scope(STACK, kinds, ()))
    moved = stale_addresses(plan, {a: now.get(a) for a in plan.live_objects})
    assert moved == ["EmailTemplate/t was created since the plan"]
