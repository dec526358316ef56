"""Plans with a refresh budget against the emulator over HTTP, with a real live-cache file:
rolling refresh, stalest first, what was skipped, out-of-band changes found in their turn, and
no write ever computed from an object that was not re-read.

The budget's clock is frozen (its share is then exactly what the paced rate allows, with no
timing in the test) and the wall clock that stamps the cache is advanced by hand between runs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from engine_support import apply, plan, project, sesctl, settings, template

from reconciler.app import plan as planning
from reconciler.engine.livecache import CACHE_DIR, SCHEMA, CacheKey, LiveCache
from reconciler.engine.planfile import parse_plan
from reconciler.engine.refresh import READ_OVERHEAD, Budget
from reconciler.engine.staleness import DIFFERS, IN_SYNC, UNKNOWN
from reconciler.errors import PlanError

RATE = 1000.0


class Wall:
    """The wall clock the cache is stamped with: an hour ago, then moved on by hand (staying in
    the past, so that what our apply records, stamped with the real time, is the newest)."""

    def __init__(self) -> None:
        self.now = time.time() - 3600

    def __call__(self) -> float:
        return self.now

    def later(self, seconds: float = 60.0) -> None:
        self.now += seconds


def templates(n: int, **subjects: str) -> dict[str, str]:
    return {"t.yaml": "".join(template(f"t{i}", subject=subjects.get(f"t{i}", f"Hi {i}")) for i in range(n))}


def budgeted(root: Path, emulator: Any, reads: int, wall: Wall, **request_fields: Any) -> planning.PlanResult:
    """A plan whose budget has room for exactly ``reads`` template reads at RATE."""
    request = planning.PlanRequest(path=root, rate=RATE, **request_fields)
    state = planning.load(settings(emulator), request)
    with planning.session(settings(emulator), state, request) as (gateway, options):
        budget = Budget((reads + 0.5) * READ_OVERHEAD / RATE, clock=lambda: 0.0, wall=wall)
        return planning.plan_with(gateway, state, options, budget)


def read_by(result: planning.PlanResult, n: int) -> set[str]:
    assert result.plan.refresh is not None
    skipped = {u.address for u in result.plan.refresh.unrefreshed}
    return {f"EmailTemplate/t{i}" for i in range(n)} - skipped


def states(result: planning.PlanResult) -> list[tuple[str, str]]:
    assert result.plan.refresh is not None
    return [(u.address, u.state) for u in result.plan.refresh.unrefreshed]


def cache_file(root: Path) -> Path:
    files = list((root / CACHE_DIR).glob("*.json"))
    assert len(files) == 1, files
    return files[0]


def test_rolling_refresh_reads_everything_over_runs_stalest_first(tmp_path: Path, emulator: Any) -> None:
    root = project(tmp_path, templates(7))
    assert apply(root, emulator).result is not None
    assert not (root / CACHE_DIR).exists()  # no budget used yet: no cache, nor an STS call for it
    wall = Wall()

    first = budgeted(root, emulator, 3, wall)
    assert read_by(first, 7) == {"EmailTemplate/t0", "EmailTemplate/t1", "EmailTemplate/t2"}
    assert first.api_calls["GetEmailTemplate"] == 3
    assert states(first) == [(f"EmailTemplate/t{i}", UNKNOWN) for i in range(3, 7)]
    assert first.plan.stale and not first.plan.has_changes
    # What was not read is not claimed absent (or anything) in the plan's live objects.
    assert not any(f"EmailTemplate/t{i}" in first.plan.live_objects for i in range(3, 7))
    saved = json.loads(cache_file(root).read_text())
    assert saved["schema"] == SCHEMA and sorted(saved["entries"]) == sorted(read_by(first, 7))

    wall.later()
    second = budgeted(root, emulator, 3, wall)
    assert read_by(second, 7) == {"EmailTemplate/t3", "EmailTemplate/t4", "EmailTemplate/t5"}
    assert states(second) == [("EmailTemplate/t6", UNKNOWN)] + [(f"EmailTemplate/t{i}", IN_SYNC) for i in range(3)]
    assert second.plan.refresh is not None
    ages = {u.address: u.age(second.plan.refresh.made_at) for u in second.plan.refresh.unrefreshed}
    assert ages["EmailTemplate/t6"] is None and ages["EmailTemplate/t0"] == pytest.approx(60.0)

    wall.later()
    third = budgeted(root, emulator, 3, wall)
    # The never-read one first, then the oldest seen.
    assert read_by(third, 7) == {"EmailTemplate/t6", "EmailTemplate/t0", "EmailTemplate/t1"}
    assert read_by(first, 7) | read_by(second, 7) | read_by(third, 7) == {f"EmailTemplate/t{i}" for i in range(7)}
    assert [address for address, _ in states(third)] == [
        "EmailTemplate/t2",  # seen 120 s ago
        "EmailTemplate/t3",  # the others 60 s ago
        "EmailTemplate/t4",
        "EmailTemplate/t5",
    ]
    assert len(json.loads(cache_file(root).read_text())["entries"]) == 7


def test_a_change_made_out_of_band_is_found_when_its_turn_comes(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = project(tmp_path, templates(4))
    apply(root, emulator)
    wall = Wall()
    budgeted(root, emulator, 2, wall)
    wall.later()
    budgeted(root, emulator, 2, wall)  # every template now seen in sync
    ses.update_email_template(
        TemplateName="t3", TemplateContent={"Subject": "changed by hand", "Html": "<p>x</p>"}
    )

    wall.later()
    not_yet = budgeted(root, emulator, 2, wall)
    assert read_by(not_yet, 4) == {"EmailTemplate/t0", "EmailTemplate/t1"}
    # The drift is hidden, and the plan says so: t3 was last seen in sync, 60 s ago.
    assert not not_yet.plan.has_changes and ("EmailTemplate/t3", IN_SYNC) in states(not_yet)

    wall.later()
    found = budgeted(root, emulator, 2, wall)
    assert [c.address for c in found.plan.changes] == ["EmailTemplate/t3"]

    wall.later()
    again = budgeted(root, emulator, 1, wall)
    # Known to differ: read before anything staler, so the change stays in every plan.
    assert read_by(again, 4) == {"EmailTemplate/t3"}
    assert [c.address for c in again.plan.changes] == ["EmailTemplate/t3"]


def test_a_stale_cache_never_causes_a_write(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = project(tmp_path, templates(3))
    apply(root, emulator)
    wall = Wall()
    budgeted(root, emulator, 3, wall)
    ses.update_email_template(TemplateName="t0", TemplateContent={"Subject": "by hand", "Html": "<p>x</p>"})
    wall.later()
    blind = budgeted(root, emulator, 0, wall)
    assert blind.api_calls.get("GetEmailTemplate", 0) == 0
    assert not blind.plan.has_changes and ("EmailTemplate/t0", IN_SYNC) in states(blind)
    (root / "plan.json").write_text(blind.plan.to_json())
    outcome = apply(root, emulator, plan_file=root / "plan.json")
    assert outcome.result is None  # nothing to do: the plan has no change
    assert ses.get_email_template(TemplateName="t0")["TemplateContent"]["Subject"] == "by hand"


def test_apply_re_reads_what_a_budgeted_plan_changes(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = project(tmp_path, templates(3))
    apply(root, emulator)
    wall = Wall()
    budgeted(root, emulator, 3, wall)
    project(tmp_path, templates(3, t2="New subject"))
    wall.later()
    saved = budgeted(root, emulator, 1, wall)
    # t2's manifest no longer matches what the cache saw: read first, its change from that read.
    assert read_by(saved, 3) == {"EmailTemplate/t2"}
    assert [c.address for c in saved.plan.changes] == ["EmailTemplate/t2"]
    (root / "plan.json").write_text(saved.plan.to_json())
    ses.update_email_template(TemplateName="t2", TemplateContent={"Subject": "by hand", "Html": "<p>x</p>"})
    with pytest.raises(PlanError, match=r"(?s)stale.*EmailTemplate/t2 was changed"):
        apply(root, emulator, plan_file=root / "plan.json")
    assert ses.get_email_template(TemplateName="t2")["TemplateContent"]["Subject"] == "by hand"

    outcome = apply(root, emulator)  # no saved plan: apply reads everything itself
    assert outcome.result is not None and outcome.result.ok
    entries = json.loads(cache_file(root).read_text())["entries"]
    assert entries["EmailTemplate/t2"]["by"] == "apply"  # our apply wrote what it made
    wall.now = time.time() + 1  # after the apply's real-time stamps
    after = budgeted(root, emulator, 0, wall)
    assert ("EmailTemplate/t2", IN_SYNC) in states(after)


def test_a_cache_for_another_schema_or_target_or_unreadable_is_started_afresh(
    tmp_path: Path, emulator: Any
) -> None:
    root = project(tmp_path, templates(2))
    apply(root, emulator)
    wall = Wall()
    budgeted(root, emulator, 2, wall)
    path = cache_file(root)
    data = json.loads(path.read_text())
    for broken, reason in (
        ({**data, "schema": SCHEMA + 1}, "schema"),
        ({**data, "key": {**data["key"], "account": "999999999999"}}, "another account"),
        ("{not json", "not JSON"),
        ({**data, "entries": {"EmailTemplate/t0": {"fingerprint": 3}}}, "malformed"),
    ):
        path.write_text(broken if isinstance(broken, str) else json.dumps(broken))
        result = budgeted(root, emulator, 0, wall)
        assert result.plan.refresh is not None and reason in result.plan.refresh.cache_reset
        assert states(result) == [("EmailTemplate/t0", UNKNOWN), ("EmailTemplate/t1", UNKNOWN)]


def test_a_cache_entry_that_claims_a_difference_only_makes_the_object_read_first(
    tmp_path: Path, emulator: Any
) -> None:
    root = project(tmp_path, templates(3))
    apply(root, emulator)
    wall = Wall()
    budgeted(root, emulator, 3, wall)
    path = cache_file(root)
    data = json.loads(path.read_text())
    data["entries"]["EmailTemplate/t2"]["fingerprint"] = "sha256:forged"
    path.write_text(json.dumps(data))
    wall.later()
    result = budgeted(root, emulator, 1, wall)
    assert read_by(result, 3) == {"EmailTemplate/t2"}
    assert not result.plan.has_changes  # the read shows it in sync: no change from the cache's word
    wall.later()
    assert ("EmailTemplate/t2", DIFFERS) not in states(budgeted(root, emulator, 0, wall))


def test_cache_expiry_and_merging_of_two_runs(tmp_path: Path) -> None:
    key = CacheKey("demo", "prod", "123456789012", "us-east-1")
    now = time.time()
    cache = LiveCache.load(tmp_path, key, ttl=3600)
    cache.record("EmailTemplate/old", "sha256:a", "demo", now - 7200)
    cache.record("EmailTemplate/new", "sha256:b", "demo", now - 60)
    cache.record("EmailTemplate/future", "sha256:c", "demo", now + 3600)
    assert cache.entry("EmailTemplate/old", now) is None  # past the TTL: never read
    assert cache.entry("EmailTemplate/future", now) is None  # a clock gone wrong
    assert cache.entry("EmailTemplate/new", now) is not None
    cache.save()

    one = LiveCache.load(tmp_path, key)
    two = LiveCache.load(tmp_path, key)
    one.record("EmailTemplate/new", "sha256:seen-later", "demo", now)
    two.record("EmailTemplate/new", "sha256:seen-earlier", "demo", now - 30)
    two.forget("EmailTemplate/old", now - 30)
    one.save()
    two.save()  # saved last, but its observation of "new" is older: the newer one stays
    merged = LiveCache.load(tmp_path, key)
    assert merged.entries["EmailTemplate/new"].fingerprint == "sha256:seen-later"
    assert "EmailTemplate/old" not in merged.entries
    other = CacheKey("demo", "prod", "123456789012", "eu-west-1")
    assert other.filename != key.filename and LiveCache.load(tmp_path, other).entries == {}


def test_cli_refresh_budget_text_json_markdown_and_plan_file(tmp_path: Path, emulator: Any) -> None:
    root = project(tmp_path, templates(3))
    apply(root, emulator)
    full = sesctl(root, emulator, "plan", "--refresh-budget", "10m")
    assert full.returncode == 0, full.stderr
    assert "Refresh budget 10m: every object was re-read" in full.stdout

    blind = sesctl(root, emulator, "plan", "--refresh-budget", "0", "--out", "plan.json")
    assert blind.returncode == 0, blind.stderr
    assert "Stale data: refresh budget 0s; re-read 0, not re-read 3" in blind.stdout
    assert "3 matched the manifests when last seen" in blind.stdout
    assert "= EmailTemplate/t0  in sync, seen" in blind.stdout
    assert "No changes in what was re-read" in blind.stdout
    saved = parse_plan((root / "plan.json").read_text())
    assert saved.refresh is not None and saved.stale
    assert [u.address for u in saved.refresh.unrefreshed] == [f"EmailTemplate/t{i}" for i in range(3)]

    markdown = sesctl(root, emulator, "plan", "--refresh-budget", "0", "--markdown")
    assert "**Stale data: refresh budget 0s" in markdown.stdout
    assert "<summary>Not re-read" in markdown.stdout and "<code>EmailTemplate/t1</code>" in markdown.stdout
    as_json = json.loads(sesctl(root, emulator, "plan", "--refresh-budget", "0", "--json").stdout)
    assert as_json["refresh"]["counts"]["in_sync"] == 3 and as_json["refresh"]["complete"] is False

    plain = sesctl(root, emulator, "plan", "--json")
    assert "refresh" not in json.loads(plain.stdout)  # no budget: the plan's JSON as before

    bad = sesctl(root, emulator, "plan", "--refresh-budget", "soon")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "--refresh-budget 'soon' is not a duration" in bad.stderr


@pytest.mark.parametrize(
    "refresh",
    [
        [],
        {"not_refreshed": "x"},
        {"not_refreshed": [{"address": 1}]},
        {"not_refreshed": [{"address": "EmailTemplate/x", "state": "fine"}]},
        {"refreshed": "many"},
        {"budget_seconds": float("nan")},
        {"budget_seconds": -1},
    ],
)
def test_a_plan_file_with_a_malformed_refresh_is_refused(tmp_path: Path, emulator: Any, refresh: Any) -> None:
    root = project(tmp_path, templates(1))
    data = json.loads(plan(root, emulator).plan.to_json())
    data["refresh"] = refresh
    with pytest.raises(PlanError, match="refresh"):
        parse_plan(json.dumps(data))


def test_the_cache_directory_can_be_named_for_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.app.live_cache import CACHE_ENV, cache_directory

    assert cache_directory(tmp_path) == tmp_path / CACHE_DIR
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "kept"))
    assert cache_directory(tmp_path) == tmp_path / "kept"


def test_a_targeted_budgeted_plan_reads_its_targets_and_records_them(tmp_path: Path, emulator: Any) -> None:
    root = project(tmp_path, templates(3))
    apply(root, emulator)
    wall = Wall()
    targeted = budgeted(root, emulator, 0, wall, targets=("EmailTemplate/t1",))
    assert targeted.plan.refresh is not None and targeted.plan.refresh.complete
    assert targeted.api_calls["GetEmailTemplate"] == 1
    assert list(json.loads(cache_file(root).read_text())["entries"]) == ["EmailTemplate/t1"]


def test_with_prune_an_owned_template_dropped_from_the_manifests_is_read_first(tmp_path: Path, emulator: Any) -> None:
    root = project(tmp_path, templates(3))
    apply(root, emulator)
    wall = Wall()
    budgeted(root, emulator, 3, wall)
    project(tmp_path, {"t.yaml": template("t0", subject="Hi 0") + template("t1", subject="Hi 1")})  # t2 leaves
    wall.later()
    kept = budgeted(root, emulator, 0, wall)
    assert ("EmailTemplate/t2", "not_in_manifests") in states(kept) and not kept.plan.pending_prune
    wall.later()
    pruned = budgeted(root, emulator, 1, wall, prune=True)
    # The cache says this stack owns it: with prune it is a likely delete, read before the rest.
    assert read_by(pruned, 3) == {"EmailTemplate/t2"}
    assert [(c.address, c.is_delete) for c in pruned.plan.changes] == [("EmailTemplate/t2", True)]
