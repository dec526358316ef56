"""The HTML report: one self-contained file (inline CSS and SVG; no script, no font, no network)
with volumes and rates over time, results by tag and template, bounce reasons, the alerts that
fired and the consumer's lag."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from reconciler import __version__
from reconciler.events.alerts import Thresholds
from reconciler.events.analytics import Query, Result, Row, store_analytics
from reconciler.events.store import EventStore
from reconciler.events.svg import bar_chart, line_chart
from reconciler.events.timerange import to_ms

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111827;margin:0;background:#f9fafb}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.muted{color:#6b7280}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:20px}.bad{color:#b91c1c}.ok{color:#15803d}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #e5e7eb}
th,td{padding:5px 8px;border-bottom:1px solid #e5e7eb;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f3f4f6;font-weight:600}svg{width:100%;height:auto;background:#fff;border:1px solid #e5e7eb;border-radius:8px}
svg text{font:11px system-ui,sans-serif;fill:#374151}svg .grid{stroke:#e5e7eb}
svg .threshold{stroke:#dc2626;stroke-dasharray:4 3}
"""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.2f} %"


def _table(head: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return '<p class="muted">Nothing in this period.</p>'
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _group_rows(result: Result) -> list[list[str]]:
    def line(row: Row) -> list[str]:
        c, r = row.counts, row.rates
        return [
            row.key,
            f"{c['send']:,}",
            _pct(r.get("delivery_rate")),
            _pct(r.get("reputation_bounce_rate")),
            _pct(r.get("complaint_rate")),
            _pct(r.get("open_rate")),
            _pct(r.get("click_rate")),
            f"{c['rendering_failure']:,}",
        ]

    ordered = sorted(result.rows, key=lambda row: -row.counts["send"])
    return [line(row) for row in ordered]


GROUP_HEAD = ["", "sends", "delivered", "bounce (hard)", "complaint", "open", "click", "render failures"]


def build_report(
    store: EventStore,
    start: datetime,
    end: datetime,
    *,
    tag: str = "campaign",
    filters: dict[str, str] | None = None,
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
) -> str:
    """The report's HTML for events in [start, end)."""
    thresholds = thresholds or Thresholds()
    filters = filters or {}
    hours = (end - start).total_seconds() / 3600
    step = "hour" if hours <= 72 else "day"

    def query(group_by: str, **extra: Any) -> Query:
        return Query(start=start, end=end, group_by=group_by, filters=filters, **extra)

    over_time = store_analytics(store, query(step), reasons=10)
    by_tag = store_analytics(store, query("tag", tag=tag), reasons=0)
    by_template = store_analytics(store, query("template"), reasons=0)
    by_domain = store_analytics(store, query("recipient_domain"), reasons=0)
    totals = over_time.totals
    labels = [row.key for row in over_time.rows]
    volumes = line_chart(
        f"Events per {step}",
        labels,
        {
            name: [float(row.counts[name]) for row in over_time.rows]
            for name in ("send", "delivery", "bounce", "complaint", "open", "click")
        },
    )
    rate_lines: dict[str, float] = {}
    if thresholds.bounce_rate is not None:
        rate_lines["bounce alert"] = thresholds.bounce_rate
    if thresholds.complaint_rate is not None:
        rate_lines["complaint alert"] = thresholds.complaint_rate
    rates = line_chart(
        f"Bounce and complaint rates per {step}",
        labels,
        {
            "bounce (hard)": [row.rates.get("reputation_bounce_rate") for row in over_time.rows],
            "complaint": [row.rates.get("complaint_rate") for row in over_time.rows],
        },
        percent=True,
        thresholds=rate_lines,
    )
    tag_bars = bar_chart(
        f"Sends by {tag}",
        [
            (row.key, float(row.counts["send"]))
            for row in sorted(by_tag.rows, key=lambda r: -r.counts["send"])
        ],
    )
    alerts = store.conn.execute(
        "SELECT fired_at, name, message FROM alerts WHERE fired_at >= ? AND fired_at < ? ORDER BY fired_at DESC LIMIT 100",
        (to_ms(start), to_ms(end) + 86_400_000),
    ).fetchall()
    batches = store.conn.execute(
        "SELECT committed_at / 3600000 AS h, max(lag_p95_ms), max(lag_max_ms), sum(added), sum(quarantined)"
        " FROM batches WHERE committed_at >= ? AND committed_at < ? AND lag_p95_ms IS NOT NULL GROUP BY h ORDER BY h",
        (to_ms(start), to_ms(end)),
    ).fetchall()
    lag_labels = [datetime.fromtimestamp(h * 3600, UTC).strftime("%m-%d %H:00") for h, *_ in batches]
    lag_chart = line_chart(
        "Consumer lag per hour (seconds, worst batch)",
        lag_labels,
        {"p95": [p95 / 1000 for _, p95, *_ in batches], "max": [mx / 1000 for _, _, mx, *_ in batches]},
    )
    quarantined = store.count("quarantine")
    last = store.conn.execute(
        "SELECT committed_at, lag_p95_ms FROM batches WHERE added > 0 ORDER BY id DESC LIMIT 1"
    ).fetchone()

    def card(label: str, value: str, bad: bool | None = None) -> str:
        cls = "" if bad is None else (" bad" if bad else " ok")
        return f'<div class="card"><span class="muted">{escape(label)}</span><b class="{cls.strip()}">{escape(value)}</b></div>'

    bounce = totals.rates.get("reputation_bounce_rate")
    complaint = totals.rates.get("complaint_rate")
    cards = "".join(
        [
            card("sends", f"{totals.counts['send']:,}"),
            card("delivered", _pct(totals.rates.get("delivery_rate"))),
            card(
                "bounce (hard)",
                _pct(bounce),
                None if bounce is None or thresholds.bounce_rate is None else bounce > thresholds.bounce_rate,
            ),
            card(
                "complaint",
                _pct(complaint),
                None
                if complaint is None or thresholds.complaint_rate is None
                else complaint > thresholds.complaint_rate,
            ),
            card("opens", f"{totals.counts['open']:,}"),
            card("clicks", f"{totals.counts['click']:,}"),
            card(
                "rendering failures",
                f"{totals.counts['rendering_failure']:,}",
                totals.counts["rendering_failure"] > 0,
            ),
        ]
    )
    reasons = _table(
        ["bounce", "status", "count", "example diagnostic"],
        [
            [
                f"{r['bounce_type'] or '?'} / {r['bounce_subtype'] or '?'}",
                r["status"] or "",
                f"{r['count']:,}",
                r["example"] or "",
            ]
            for r in over_time.bounce_reasons
        ],
    )
    alert_table = _table(
        ["fired at (UTC)", "alert", "message"],
        [[datetime.fromtimestamp(t / 1000, UTC).strftime("%Y-%m-%d %H:%M"), n, m] for t, n, m in alerts],
    )
    generated = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    scope = ", ".join(f"{k}={v}" for k, v in sorted(filters.items()))
    lag_text = (
        f"Last batch committed {datetime.fromtimestamp(last[0] / 1000, UTC).strftime('%Y-%m-%d %H:%M UTC')}"
        + (f", lag p95 {last[1] / 1000:.1f} s" if last[1] is not None else "")
        if last
        else "No batch committed yet."
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>sesctl report {escape(start.strftime("%Y-%m-%d"))} – {escape(end.strftime("%Y-%m-%d"))}</title>
<style>{STYLE}</style></head>
<body><main>
<h1>Email report</h1>
<p class="muted">{escape(start.strftime("%Y-%m-%d %H:%M"))} – {escape(end.strftime("%Y-%m-%d %H:%M"))} UTC{escape(" · " + scope) if scope else ""} · from {escape(str(store.path.name))} · generated {escape(generated)} by sesctl {escape(__version__)}</p>
<div class="cards">{cards}</div>
<h2>Volumes</h2>{volumes}
<h2>Rates</h2>{rates}
<p class="muted">Bounce rate counts hard bounces per send as SES's reputation metric does; dashed lines are the alert thresholds.</p>
<h2>By {escape(tag)}</h2>{tag_bars}{_table(GROUP_HEAD, _group_rows(by_tag))}
<h2>By template</h2>{_table(GROUP_HEAD, _group_rows(by_template))}
<h2>By recipient domain</h2>{_table(GROUP_HEAD, _group_rows(by_domain)[:20])}
<h2>Top bounce reasons</h2>{reasons}
<h2>Alerts that fired</h2>{alert_table}
<h2>Consumer</h2><p>{escape(lag_text)} Quarantined records: {quarantined:,}.</p>{lag_chart}
</main></body></html>
"""
