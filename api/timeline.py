"""The timeline picture: events on a time axis, each drawn as precisely as its dates are stated
(graph/overview.py): a day a dot, a window of days a short bar, a month a bar over the month, a
year a pale bar over the whole year with a dashed edge. Server-side SVG written here (a few
dozen lines, no script, nothing to download: a library such as vis-timeline would bring 500 KB
of JavaScript for what a static picture shows); the list beside it says the same in words, for
screen readers and for pages read without pictures."""

from __future__ import annotations

import datetime

from markupsafe import Markup, escape

from graph.overview import Dated

WIDTH = 760
ROW = 24
TOP = 28
SIDE = 12
LABEL_CHARS = 48
DAY_MIN_WIDTH = 8  # a day or a window of a few days is still visible on a decade's axis


def timeline_svg(events: list[Dated], title: str) -> Markup:
    if not events:
        return Markup("")
    first = datetime.date(min(e.first_day for e in events).year, 1, 1)
    last = datetime.date(max(e.last_day for e in events).year, 12, 31)
    span = (last - first).days + 1
    scale = (WIDTH - 2 * SIDE) / span

    def x(day: datetime.date) -> float:
        return SIDE + (day - first).days * scale

    height = TOP + ROW * len(events) + 6
    parts = [f'<svg class="timeline-picture" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="group" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for year in range(first.year, last.year + 1):
        at = x(datetime.date(year, 1, 1))
        parts.append(f'<line class="tick" x1="{at:.1f}" y1="{TOP - 8}" x2="{at:.1f}" y2="{height}"/>'
                     f'<text class="year" x="{at + 3:.1f}" y="{TOP - 12}">{year}</text>')
    for row, event in enumerate(events):
        y = TOP + row * ROW + ROW / 2
        start, end = x(event.first_day), x(event.last_day + datetime.timedelta(days=1))
        name = event.label if len(event.label) <= LABEL_CHARS else event.label[:LABEL_CHARS - 1] + "…"
        if event.precision == "year":
            mark = f'<rect class="year-span" x="{start:.1f}" y="{y - 7:.1f}" width="{end - start:.1f}" height="14" rx="3"/>'
        elif event.precision == "month":
            mark = f'<rect class="month-span" x="{start:.1f}" y="{y - 6:.1f}" width="{max(end - start, 4):.1f}" height="12" rx="2"/>'
        elif event.end and event.last_day > event.first_day:
            width = max(end - start, DAY_MIN_WIDTH)
            mark = f'<rect class="days" x="{start:.1f}" y="{y - 5:.1f}" width="{width:.1f}" height="10" rx="5"/>'
            end = start + width
        else:
            mark = f'<circle class="day" cx="{start:.1f}" cy="{y:.1f}" r="5"/>'
            end = start + 5
        right_side = end + 6 + len(name) * 6.2 < WIDTH
        label_x, anchor = (end + 6, "start") if right_side else (start - 6, "end")
        parts.append(f'<a href="{escape(event.iri)}"><title>{escape(event.label)}: {escape(event.written)}</title>{mark}'
                     f'<text x="{label_x:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}">{escape(name)}</text></a>')
    parts.append("</svg>")
    return Markup("".join(parts))
