"""The privacy console's chart: open requests by how many working days they have waited,
against the 15-day line of policy 5.7. Drawn here as SVG, so it needs no script and no
library, prints, and reads the same in both languages; the page gives the same numbers as a
table for screen readers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from markupsafe import Markup, escape

from portal import i18n
from portal.rights.calendar import ANSWER_WORKING_DAYS
from portal.rights.staff import CHART_DAYS

# The drawing's own coordinates; the SVG scales to its box (viewBox), so a phone shows it whole.
_WIDTH = 640
_HEIGHT = 220
_LEFT = 36
_RIGHT = 12
_TOP = 16
_BOTTOM = 36


@dataclass(frozen=True)
class Bar:
    days: int  # working days waited (the last bar: this many or more)
    count: int
    late: bool  # past the 15th working day


def bars(ages: Counter[int]) -> list[Bar]:
    return [
        Bar(days=day, count=ages.get(day, 0), late=day > ANSWER_WORKING_DAYS)
        for day in range(CHART_DAYS + 1)
    ]


def _ticks(top: int) -> list[int]:
    """Whole-number gridlines: 0, and up to four more, ending at ``top``."""
    step = max(1, -(-top // 4))
    return list(range(0, top + 1, step))


def age_chart(ages: Counter[int]) -> Markup:
    """The chart as an ``<svg>`` element, with a title and a description for screen readers."""
    data = bars(ages)
    highest = max((bar.count for bar in data), default=0)
    ticks = _ticks(max(highest, 1))
    top = ticks[-1] if ticks[-1] >= highest else highest
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM
    slot = plot_w / len(data)

    def y(value: float) -> float:
        return _TOP + plot_h - (value / top) * plot_h

    title = i18n.gettext("Open requests by working days waited")
    open_count = sum(bar.count for bar in data)
    late = sum(bar.count for bar in data if bar.late)
    description = i18n.gettext(
        "%(open)s open requests; %(late)s have waited more than 15 working days.",
        open=open_count,
        late=late,
    )
    parts = [
        f'<svg class="age-chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        'aria-labelledby="age-chart-title age-chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="age-chart-title">{escape(title)}</title>',
        f'<desc id="age-chart-desc">{escape(description)}</desc>',
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#dde3ea" stroke-width="1"/>'
            f'<text x="{_LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#5a6676">{tick}</text>'
        )
    for index, bar in enumerate(data):
        x = _LEFT + index * slot
        if bar.count:
            height = plot_h * bar.count / top
            colour = "#b42318" if bar.late else "#0b4f8a"
            parts.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{y(bar.count):.1f}" '
                f'width="{slot * 0.7:.1f}" height="{height:.1f}" fill="{colour}"/>'
            )
        if bar.days % 5 == 0:
            label = f"{bar.days}+" if bar.days == CHART_DAYS else str(bar.days)
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{_HEIGHT - _BOTTOM + 16}" text-anchor="middle" '
                f'font-size="11" fill="#5a6676">{label}</text>'
            )
    deadline = i18n.gettext("15 working days")
    axis = i18n.gettext("Working days waited")
    line_x = _LEFT + (ANSWER_WORKING_DAYS + 1) * slot
    parts.append(
        f'<line x1="{line_x:.1f}" x2="{line_x:.1f}" y1="{_TOP - 4}" y2="{_TOP + plot_h}" '
        'stroke="#b42318" stroke-width="2" stroke-dasharray="5 3"/>'
        f'<text x="{line_x - 4:.1f}" y="{_TOP + 8}" text-anchor="end" font-size="11" '
        f'fill="#b42318">{escape(deadline)}</text>'
        f'<text x="{_LEFT + plot_w / 2:.1f}" y="{_HEIGHT - 4}" text-anchor="middle" '
        f'font-size="11" fill="#5a6676">{escape(axis)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built from numbers and escaped text
