"""Analytics results as a text table or CSV (the CLI prints these; JSON is Result.to_dict)."""

from __future__ import annotations

import csv
import io

from reconciler.events.analytics import Result, Row

SHORT = {
    "rendering_failure": "render_fail",
    "delivery_rate": "deliv%",
    "bounce_rate": "bounce%",
    "reputation_bounce_rate": "rep_bounce%",
    "complaint_rate": "complaint%",
    "reject_rate": "reject%",
    "rendering_failure_rate": "render%",
    "open_rate": "open%",
    "click_rate": "click%",
}


def _columns(result: Result) -> tuple[list[str], list[str]]:
    return list(result.totals.counts), list(result.totals.rates)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}"


def table(result: Result) -> str:
    counts, rates = _columns(result)
    header = [result.group_by, *(SHORT.get(c, c) for c in counts), *(SHORT.get(r, r) for r in rates)]

    def cells(row: Row) -> list[str]:
        return [row.key, *(f"{row.counts[c]:,}" for c in counts), *(_percent(row.rates[r]) for r in rates)]

    lines = [cells(row) for row in result.rows]
    lines.append(cells(result.totals))
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) for i in range(len(header))]

    def fmt(line: list[str]) -> str:
        return "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(line)
        ).rstrip()

    out = [f"Source: {result.source}   {result.start} .. {result.end}", fmt(header)]
    out += [fmt(line) for line in lines[:-1]]
    out.append(fmt(["-" * widths[0], *("" for _ in widths[1:])]))
    out.append(fmt(lines[-1]))
    if result.bounce_reasons:
        out.append("")
        out.append("Top bounce reasons:")
        for reason in result.bounce_reasons:
            out.append(
                f"  {reason['count']:>8,}  {reason['bounce_type'] or '?'}/{reason['bounce_subtype'] or '?'}"
                f"  {reason['status'] or ''}  {reason['example'] or ''}".rstrip()
            )
    for warning in result.warnings:
        out.append(f"Warning: {warning}")
    return "\n".join(out)


def to_csv(result: Result) -> str:
    """One line per group (and a last line "total"); rates as decimals, empty when undefined."""
    counts, rates = _columns(result)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["key", *counts, *rates])
    for row in [*result.rows, result.totals]:
        writer.writerow(
            [
                row.key,
                *(row.counts[c] for c in counts),
                *("" if row.rates[r] is None else row.rates[r] for r in rates),
            ]
        )
    return buffer.getvalue()
