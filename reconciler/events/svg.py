"""Small inline SVG charts for the HTML report: no script, no external file, every text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#2563eb", "#16a34a", "#dc2626", "#d97706", "#7c3aed", "#0891b2", "#be185d", "#4b5563")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return float(top)
    return float(value)


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.2g} %" if value < 0.1 else f"{value * 100:.0f} %"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def line_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    percent: bool = False,
    thresholds: dict[str, float] | None = None,
) -> str:
    """One line per series over the x labels; ``thresholds`` draws dashed horizontal lines."""
    values = [v for points in series.values() for v in points if v is not None]
    values += list((thresholds or {}).values())
    top = _nice_max(max(values, default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(1, len(labels) - 1)

    def x(index: int) -> float:
        return LEFT + plot_w * (index / count if len(labels) > 1 else 0.5)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [_frame(title)]
    for tick in range(5):
        value = top * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{escape(_fmt(value, percent))}</text>'
        )
    step = max(1, len(labels) // 8)
    for index, label in enumerate(labels):
        if index % step == 0 or index == len(labels) - 1:
            parts.append(
                f'<text x="{x(index):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text>'
            )
    for name, value in (thresholds or {}).items():
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" class="threshold">'
            f"<title>{escape(name)}: {escape(_fmt(value, percent))}</title></line>"
        )
    for number, (name, points) in enumerate(series.items()):
        colour = PALETTE[number % len(PALETTE)]
        coords = [(x(i), y(v), v, labels[i]) for i, v in enumerate(points) if v is not None]
        if len(coords) > 1:
            path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy, _, _ in coords)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for cx, cy, value, label in coords:
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)} {escape(label)}: {escape(_fmt(value, percent))}</title></circle>"
            )
    parts.append(_legend(list(series)))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, items: Sequence[tuple[str, float]], *, percent: bool = False) -> str:
    """Horizontal bars, one per (label, value), largest first as given."""
    rows = list(items)[:20]
    height = TOP + 24 * max(1, len(rows)) + 24
    top = _nice_max(max((v for _, v in rows), default=0.0))
    label_w = 180
    plot_w = WIDTH - label_w - RIGHT - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    ]
    for index, (label, value) in enumerate(rows):
        y = TOP + 24 * index
        width = plot_w * value / top
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="16" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {escape(_fmt(value, percent))}</title></rect>"
            f'<text x="{label_w + width + 6:.1f}" y="{y + 15}">{escape(_fmt(value, percent))}</text>'
        )
    if not rows:
        parts.append(f'<text x="{label_w}" y="{TOP + 15}">no data</text>')
    parts.append("</svg>")
    return "".join(parts)


def _frame(title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )


def _legend(names: list[str]) -> str:
    parts = []
    x = LEFT
    for number, name in enumerate(names):
        colour = PALETTE[number % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 18}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 9}">{escape(name)}</text>'
        )
        x += 24 + 8 * len(name)
    return "".join(parts)
