"""The dashboard's charts as inline SVG, drawn on the server: no script, no CDN, no web font.

Each chart is a ``viewBox`` of about a phone's width (340 units), so at 390 px its 12-unit text
is about 12 px; the stylesheet caps its width on a desktop. Colours are SVG presentation attributes (the
Content-Security-Policy forbids ``style=``); every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 340
FONT = 12
COLORS = ("#417690", "#e0712c", "#1a9b5b", "#ba2121", "#7a5aa6")


def compact(value: int) -> str:
    """1234 → "1,234"; 12345 → "1.2万"; 123456789 → "1.2亿" (integers only)."""
    from django.utils.translation import gettext as _

    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 100_000_000:
        return f"{sign}{value // 10_000_000 / 10:g}" + _("亿")
    if value >= 10_000:
        return f"{sign}{value // 1000 / 10:g}" + _("万")
    return f"{sign}{value:,}"


def yuan_compact(fen: int) -> str:
    return "¥" + compact(fen // 100)


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = FONT, fill: str = "#333",
          weight: str = "normal") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
        f' font-weight="{weight}">{escape(text)}</text>'
    )


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]
    money: bool = False  # fen, shown as yuan


def funnel_svg(steps: Sequence[tuple[str, int, str]], *, title: str) -> SafeString:
    """A funnel: one centred bar per step, as wide as its share of the first step, with its value
    and its share of the step before (``(label, value, share text)``)."""
    row = 36
    height = row * len(steps) + 8
    left, right = 64, WIDTH - 84  # bar area
    span = right - left
    first = max((value for _label, value, _share in steps), default=0) or 1
    parts = [
        f'<svg class="weishop-chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img"'
        f' aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, (label, value, share) in enumerate(steps):
        y = 4 + index * row
        width = max(span * value / first, 2)
        x = left + (span - width) / 2
        color = COLORS[index % len(COLORS)]
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{row - 8}" rx="3" fill="{color}"/>'
        )
        parts.append(_text(left - 6, y + row / 2, label, anchor="end"))
        parts.append(_text(right + 6, y + row / 2 - 6, compact(value), weight="bold"))
        if share:
            parts.append(_text(right + 6, y + row / 2 + 8, share, size=FONT - 1, fill="#666"))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def trend_svg(days: Sequence[date], series: Sequence[Series], *, title: str) -> SafeString:
    """A line chart of each series over ``days`` (oldest first): a legend, the scale at 0, half and
    the top, and the first, middle and last day under the axis."""
    height = 200
    left, right, top, bottom = 44, WIDTH - 10, 34, height - 26
    money = any(s.money for s in series)
    peak = max((max(s.values, default=0) for s in series), default=0)
    peak = max(peak, 1)
    label = yuan_compact if money else compact
    parts = [
        f'<svg class="weishop-chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img"'
        f' aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    x = 4.0
    for index, s in enumerate(series):  # the legend
        color = COLORS[index % len(COLORS)]
        parts.append(f'<rect x="{x:.1f}" y="8" width="12" height="12" rx="2" fill="{color}"/>')
        parts.append(_text(x + 16, 18, s.label))
        x += 16 + FONT * (len(s.label) + 1) + 6
    for fraction in (0, 0.5, 1):
        y = bottom - (bottom - top) * fraction
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>'
        )
        parts.append(
            _text(left - 4, y + 4, label(round(peak * fraction)), anchor="end", size=FONT - 1, fill="#666")
        )
    count = len(days)

    def px(i: int) -> float:
        return left + (right - left) * (i / (count - 1) if count > 1 else 0.5)

    for index, s in enumerate(series):
        color = COLORS[index % len(COLORS)]
        points = " ".join(
            f"{px(i):.1f},{bottom - (bottom - top) * max(v, 0) / peak:.1f}" for i, v in enumerate(s.values)
        )
        if count > 1:
            parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"'
                         ' stroke-linejoin="round"/>')  # fmt: skip
        if count <= 31:
            for point in points.split():
                cx, cy = point.split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>')
    for i in sorted({0, count // 2, count - 1}) if count else []:
        anchor = "start" if i == 0 and count > 1 else "end" if i == count - 1 and count > 1 else "middle"
        parts.append(
            _text(px(i), height - 8, days[i].strftime("%m-%d"), anchor=anchor, size=FONT - 1, fill="#666")
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
