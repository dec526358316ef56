"""Analytics, alerts and the report over a store filled from recorded-format files (opens,
clicks, variants, templates and domains the emulator's sends do not all produce), through the
real CLI where users meet them."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import browser_support
import pytest
from events_support import ndjson, record
from test_consume import ENV, SESCTL

from reconciler.events.alerts import Thresholds, evaluate
from reconciler.events.analytics import AnalyticsError, Query, store_analytics
from reconciler.events.consume import consume
from reconciler.events.sources import FileSource
from reconciler.events.store import DIM_COLUMNS, EventStore

NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0) - timedelta(hours=2)


def at(hours: float) -> str:
    return (NOW + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def campaign() -> list[dict[str, Any]]:
    """100 sends of campaign spring (variants A and B, template welcome), 90 delivered, 6 hard
    bounces (2 at gmail.com), 2 bounces of addresses on the suppression list, 1 complaint,
    30 opens, 12 clicks; then 10 sends of campaign autumn with 1 rendering failure."""
    out: list[dict[str, Any]] = []
    for i in range(100):
        domain = "gmail.com" if i % 2 else "example.org"
        to = f"user{i}@{domain}"
        tags = {"campaign": "spring", "sesctl-variant": "A" if i < 50 else "B", "sesctl-template": "welcome"}
        mid = f"s{i}"

        def add(
            kind: str, hours: float, _mid: str = mid, _to: str = to, _tags: dict[str, str] = tags
        ) -> dict[str, Any]:
            item = record(kind, _mid, to=_to, when=at(hours), **_tags)
            item["mail"]["timestamp"] = at(0)
            out.append(item)
            return item

        add("Send", 0)
        if i < 90:
            add("Delivery", 0.01)
        elif i < 96:
            add("Bounce", 0.01)
        elif i < 98:
            bounce = add("Bounce", 0.01)
            bounce["bounce"]["bounceSubType"] = "OnAccountSuppressionList"
        if i == 0:
            add("Complaint", 1.2)
        if i < 30:
            add("Open", 1)
        if i < 12:
            add("Click", 1.1)
    for i in range(10):
        item = record(
            "Send" if i else "Rendering Failure", f"a{i}", to=f"x{i}@example.net", campaign="autumn"
        )
        item["mail"]["timestamp"] = at(0.5)
        out.append(item)
    return out


@pytest.fixture(scope="module")
def store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("analytics")
    (folder / "events.ndjson").write_bytes(ndjson(campaign()))
    path = folder / "events.db"
    with EventStore.open(path) as store:
        report = consume(store, FileSource([str(folder / "events.ndjson")]))
    assert report.quarantined == 0 and report.added == 100 + 90 + 8 + 1 + 30 + 12 + 10
    return path


def query(**changes: Any) -> Query:
    return Query(start=NOW - timedelta(days=1), end=NOW + timedelta(days=1), **changes)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESCTL, *args], capture_output=True, text=True, env=ENV, stdin=subprocess.DEVNULL, timeout=120
    )


def test_counts_rates_and_groups(store_file: Path) -> None:
    with EventStore.open(store_file, readonly=True) as store:
        spring = store_analytics(store, query(group_by="variant", filters={"campaign": "spring"}))
        assert spring.totals.counts == {
            "send": 100,
            "delivery": 90,
            "bounce": 8,
            "complaint": 1,
            "reject": 0,
            "open": 30,
            "click": 12,
            "rendering_failure": 0,
        }
        rates = spring.totals.rates
        assert rates["bounce_rate"] == 0.08 and rates["reputation_bounce_rate"] == 0.06
        assert rates["complaint_rate"] == 0.01 and rates["open_rate"] == round(30 / 90, 6)
        assert {r.key: r.counts["send"] for r in spring.rows} == {"A": 50, "B": 50}
        assert {r.key: r.counts["bounce"] for r in spring.rows} == {"A": 0, "B": 8}
        assert (
            spring.bounce_reasons[0]["count"] == 6 and spring.bounce_reasons[0]["bounce_subtype"] == "General"
        )
        assert spring.bounce_reasons[1]["bounce_subtype"] == "OnAccountSuppressionList"

        domains = store_analytics(store, query(group_by="recipient_domain", metrics=("send", "bounce")))
        assert {r.key: r.counts for r in domains.rows} == {
            "example.org": {"send": 50, "bounce": 4},
            "gmail.com": {"send": 50, "bounce": 4},
            "example.net": {"send": 9, "bounce": 0},
        }

        hours = store_analytics(store, query(group_by="hour", metrics=("open", "click", "complaint")))
        keyed = {r.key: r.counts for r in hours.rows}
        first = (NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:00Z")
        assert keyed[first] == {"open": 30, "click": 12, "complaint": 1}

        by_tag = store_analytics(store, query(group_by="tag", tag="campaign"))
        assert {r.key: r.counts["send"] for r in by_tag.rows} == {"autumn": 9, "spring": 100}
        assert {r.key: r.counts["rendering_failure"] for r in by_tag.rows}["autumn"] == 1
        templates = store_analytics(store, query(group_by="template", metrics=("send",)))
        assert {r.key: r.counts["send"] for r in templates.rows} == {"(none)": 9, "welcome": 100}
        with pytest.raises(AnalyticsError, match="needs tag"):
            store_analytics(store, query(group_by="tag"))


def test_analytics_cli_formats(store_file: Path) -> None:
    common = ["analytics", "--store", str(store_file), "--since", "3d", "--until", "2d"]
    table = run("analytics", "--store", str(store_file), "--since", "3d", "--group-by", "variant")
    assert table.returncode == 0, table.stderr
    assert "Source: store" in table.stdout and "Top bounce reasons:" in table.stdout
    reasons = table.stdout.split("Top bounce reasons:")[1]
    assert "***" in reasons and "user9" not in reasons  # addresses in diagnostics are masked
    csv_run = run(
        "analytics",
        "--store",
        str(store_file),
        "--since",
        "3d",
        "--group-by",
        "tag",
        "--tag",
        "campaign",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(csv_run.stdout)))
    assert [r["key"] for r in rows] == ["autumn", "spring", "total"]
    assert rows[1]["send"] == "100" and rows[1]["bounce_rate"] == "0.08"
    empty = run(*common, "--source", "store", "--format", "json")
    assert empty.returncode == 0 and json.loads(empty.stdout)["totals"]["counts"]["send"] == 0
    bad = run("analytics", "--store", str(store_file), "--filter", "campaign")
    assert bad.returncode == 1 and "expected NAME=VALUE" in bad.stderr and "Traceback" not in bad.stderr
    missing = run("analytics", "--store", str(store_file.parent / "none.db"), "--source", "store")
    assert missing.returncode == 1 and "no event store" in missing.stderr


def test_alerts_evaluate_and_the_cli_exit_code(store_file: Path, tmp_path: Path) -> None:
    with EventStore.open(store_file, readonly=True) as store:
        spring = store_analytics(store, query(group_by="total", filters={"campaign": "spring"}))
        autumn = store_analytics(store, query(group_by="total", filters={"campaign": "autumn"}))
    fired = {a.name for a in evaluate(spring, Thresholds()) if a.fired}
    assert fired == {"bounce_rate", "complaint_rate"}
    assert {
        a.name for a in evaluate(spring, Thresholds(bounce_rate=0.07, complaint_rate=0.02)) if a.fired
    } == set()
    assert {a.name for a in evaluate(spring, Thresholds(min_sends=1000)) if a.fired} == set()
    assert {a.name for a in evaluate(autumn, Thresholds()) if a.fired} == {"rendering_failures"}
    quota = {"used_percent": 85.0, "sent_last_24_hours": 850, "max_24_hour_send": 1000}
    assert [a.fired for a in evaluate(autumn, Thresholds(), quota) if a.name == "quota_use"] == [True]

    copy = tmp_path / "events.db"
    copy.write_bytes(store_file.read_bytes())
    (tmp_path / "events.db.key").write_bytes((store_file.parent / "events.db.key").read_bytes())
    check = run(
        "alerts", "check", "--store", str(copy), "--since", "3d", "--filter", "campaign=spring", "--json"
    )
    assert check.returncode == 3, check.stderr
    answer = json.loads(check.stdout)
    assert answer["fired"] is True
    assert [a["name"] for a in answer["alerts"] if a["fired"]] == ["bounce_rate", "complaint_rate"]
    calm = run(
        "alerts",
        "check",
        "--store",
        str(copy),
        "--since",
        "3d",
        "--bounce-rate",
        "0.5",
        "--complaint-rate",
        "0.5",
        "--rendering-failures",
        "5",
    )
    assert calm.returncode == 0, calm.stdout + calm.stderr
    with EventStore.open(copy, readonly=True) as store:
        assert [r[0] for r in store.conn.execute("SELECT name FROM alerts ORDER BY id")] == [
            "bounce_rate",
            "complaint_rate",
        ]


def test_report_is_one_self_contained_file(store_file: Path, tmp_path: Path) -> None:
    import re
    import xml.etree.ElementTree as ET

    copy = tmp_path / "events.db"
    copy.write_bytes(store_file.read_bytes())
    (tmp_path / "events.db.key").write_bytes((store_file.parent / "events.db.key").read_bytes())
    assert run("alerts", "check", "--store", str(copy), "--since", "3d").returncode == 3
    out = tmp_path / "report.html"
    made = run("report", "--store", str(copy), "--out", str(out), "--since", "3d")
    assert made.returncode == 0, made.stderr
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", html, re.IGNORECASE)
    svgs = re.findall(r"<svg.*?</svg>", html, re.DOTALL)
    assert len(svgs) == 4
    for svg in svgs:
        ET.fromstring(svg)  # well-formed: a browser draws it
    assert html.count("<polyline") >= 6 + 2  # six volume lines, bounce and complaint rates
    for text in (
        "spring",
        "autumn",
        "welcome",
        "gmail.com",
        "OnAccountSuppressionList",
        "bounce_rate",
        "rendering_failures",
    ):
        assert text in html, text
    assert "user9@" not in html and "@gmail.com" not in html.replace(">gmail.com<", "")
    bad = run("report", "--store", str(copy), "--out", str(tmp_path / "missing" / "r.html"))
    assert bad.returncode == 1 and "does not exist" in bad.stderr


needs_chromium = pytest.mark.skipif(browser_support.CHROMIUM is None, reason="chromium is not installed")


@needs_chromium
def test_report_renders_its_charts_in_headless_chromium_without_console_errors(
    store_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    assert run("report", "--store", str(store_file), "--out", str(out), "--since", "3d").returncode == 0
    seen = browser_support.render(out.as_uri())
    assert seen.errors == []
    assert seen.page["title"].startswith("sesctl report")
    svgs = seen.page["svgs"]
    assert len(svgs) == 4
    for svg in svgs:  # laid out and drawn: a size on the page and marks inside
        assert svg["width"] > 50 and svg["height"] > 50, svg
        assert svg["marks"] > 0, svg
    assert seen.page["polylines"] >= 6 + 2


@needs_chromium
def test_the_browser_check_sees_what_a_broken_page_says(tmp_path: Path) -> None:
    # The same CSP as the report: an inline script is refused, and an error thrown by an
    # allowed one would be an exception; both must reach the errors the test above asserts on.
    page = tmp_path / "broken.html"
    page.write_text(
        '<!doctype html><html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        "<title>broken</title></head><body><script>console.log(1)</script>"
        '<img src="https://example.invalid/x.png"><svg width="10" height="10"></svg></body></html>',
        encoding="utf-8",
    )
    seen = browser_support.render(page.as_uri())
    assert seen.page["svgs"] == [{"width": 10, "height": 10, "marks": 0}]
    assert len(seen.errors) >= 2, seen.errors
    assert any("Content Security Policy" in e for e in seen.errors), seen.errors


def test_dashboard_serves_the_page_and_an_api_that_matches_its_openapi_document(store_file: Path) -> None:
    import urllib.error
    import urllib.request

    from jsonschema import Draft202012Validator

    proc = subprocess.Popen(
        [SESCTL, "dashboard", "--port", "0", "--store", str(store_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "http://127.0.0.1:" in line, line
        base = line.split("http://", 1)[1].split()[0]

        def get(path: str) -> tuple[int, bytes]:
            try:
                with urllib.request.urlopen(f"http://{base}{path}", timeout=30) as answer:
                    return answer.status, answer.read()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read()

        status, body = get("/openapi.json")
        assert status == 200
        document = json.loads(body)
        assert document["openapi"].startswith("3.1")

        def check(path: str, schema: str) -> dict[str, Any]:
            code, raw = get(path)
            answer = json.loads(raw)
            Draft202012Validator(
                {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
            ).validate(answer)
            assert (code == 200) == (schema != "Error"), (path, code, answer)
            return dict(answer)

        for path in document["paths"]:
            assert path in ("/api/status", "/api/analytics", "/api/alerts")
        assert check("/api/status", "StoreStatus")["events"] == 251
        spring = check("/api/analytics?since=3d&group_by=variant&filter=campaign%3Dspring", "Analytics")
        assert spring["totals"]["counts"]["send"] == 100
        assert check("/api/alerts?since=3d", "Alerts")["fired"] is True
        assert "expected NAME=VALUE" in check("/api/analytics?filter=campaign", "Error")["error"]
        assert "needs tag" in check("/api/analytics?group_by=tag", "Error")["error"]
        code, page = get("/?since=3d")
        assert code == 200 and b'http-equiv="refresh"' in page and page.count(b"<svg") == 4
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def naive(store: EventStore, query: Query) -> dict[str, dict[str, int]]:
    """The same counts straight from the events, in Python: what the rollup must agree with."""
    from reconciler.events.analytics import _label, _tag_values

    labels = _tag_values(store, query.tag) if query.tag else {}
    out: dict[str, dict[str, int]] = {}
    rows = store.conn.execute(
        "SELECT event_time, event_type, tagset_id, bounce_type, bounce_subtype, recipient_domain,"
        " configuration_set, template, variant FROM events WHERE event_time >= ? AND event_time < ?",
        (int(query.start.timestamp() * 1000), int(query.end.timestamp() * 1000)),
    )
    for when, kind, tagset, bounce_type, subtype, *columns in rows:
        by_column = dict(zip(("recipient_domain", "configuration_set", "template", "variant"), columns, strict=True))
        if query.group_by in by_column:
            key = by_column[query.group_by] or "(none)"
        elif query.group_by == "tag":
            key = labels.get(tagset, "(none)")
        elif query.group_by == "total":
            key = "total"
        else:
            key = _label(query.group_by, when // (86_400_000 if query.group_by == "day" else 3_600_000))
        counts = out.setdefault(key, {})
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "bounce" and bounce_type == "Permanent" and subtype != "OnAccountSuppressionList":
            counts["hard"] = counts.get("hard", 0) + 1
    return out


def test_the_rollups_agree_with_the_events_after_erasure_and_retention(
    store_file: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "events.db"
    copy.write_bytes(store_file.read_bytes())
    (tmp_path / "events.db.key").write_bytes((store_file.parent / "events.db.key").read_bytes())
    ranges = [
        (NOW - timedelta(days=2), NOW + timedelta(days=2)),  # whole hours and more
        (NOW + timedelta(minutes=7), NOW + timedelta(hours=1, minutes=20)),  # partial hours at both ends
        (NOW - timedelta(minutes=1), NOW + timedelta(minutes=40)),  # inside one hour
        (NOW.replace(hour=0, minute=0) - timedelta(days=1), NOW.replace(hour=0, minute=0) + timedelta(days=1)),
    ]
    with EventStore.open(copy) as store:
        for step in ("as built", "after erasure", "after retention"):
            if step == "after erasure":
                erased = store.erase_recipient("user91@gmail.com")  # a bounced recipient
                assert erased["events"] == 2
            if step == "after retention":
                store.delete_older_than(int((NOW + timedelta(minutes=45)).timestamp() * 1000))
            for start, end in ranges:
                for group in ("day", "hour", "tag", "total", *DIM_COLUMNS):
                    q = Query(
                        start=start, end=end, group_by=group, tag="campaign" if group == "tag" else None
                    )
                    result = store_analytics(store, q, reasons=0)
                    expected = naive(store, q)
                    got = {r.key: r for r in result.rows} if group != "total" else {"total": result.totals}
                    for key, counts in expected.items():
                        row = got[key]
                        for kind, count in counts.items():
                            if kind == "hard":
                                assert row.rates["reputation_bounce_rate"] == round(
                                    count / row.counts["send"], 6
                                )
                            elif kind in row.counts:
                                assert row.counts[kind] == count, (step, start, group, key, kind)
                    assert sum(
                        sum(v for k, v in c.items() if k in result.totals.counts) for c in expected.values()
                    ) == sum(result.totals.counts.values()), (step, start, end, group)
