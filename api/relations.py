"""The relation picture of an entity page: the entity in the middle, the entities one link away
(and two, through a post or a stated view) around it, grouped by kind, each a link to its page,
each edge labelled with what ties them. Server-side SVG, like the timeline (api/timeline.py), and
for the same reasons; at most MAX_NODES around the entity, the rest counted in one "+N more"
node that points to the full list below the picture, so that the most connected entity stays
readable."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from graph.overview import Neighbour

WIDTH, HEIGHT = 760, 460
RADIUS_X, RADIUS_Y = 300, 175
MAX_NODES = 20
NAME_CHARS = 24
KIND_COLOURS = {"person": "#b5452b", "organization": "#1d4e89", "event": "#2e7d32", "policy": "#7b3fa0",
                "place": "#9a6b00", "topic": "#00796b", "project": "#5d4037", "programme": "#5d4037"}
OTHER_COLOUR = "#616161"


def relations_svg(label: str, around: list[Neighbour], more_href: str) -> Markup:
    if not around:
        return Markup("")
    shown = around if len(around) <= MAX_NODES else around[:MAX_NODES - 1]
    hidden = len(around) - len(shown)
    slots = len(shown) + (1 if hidden else 0)
    cx, cy = WIDTH / 2, HEIGHT / 2
    positions = [(cx + RADIUS_X * math.cos(2 * math.pi * i / slots - math.pi / 2),
                  cy + RADIUS_Y * math.sin(2 * math.pi * i / slots - math.pi / 2)) for i in range(slots)]
    title = f"{label} and the {len(around)} entities linked to it"
    parts = [f'<svg class="relations-picture" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="group" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for (x, y), neighbour in zip(positions, shown):
        mx, my = cx + (x - cx) * 0.62, cy + (y - cy) * 0.62  # nearer the node than the crowded centre
        parts.append(f'<line class="edge" x1="{cx:.0f}" y1="{cy:.0f}" x2="{x:.0f}" y2="{y:.0f}"/>'
                     f'<text class="edge-label" x="{mx:.0f}" y="{my:.0f}" text-anchor="middle">{escape(_short(neighbour.link, 28))}</text>')
    parts.append(f'<circle class="centre" cx="{cx:.0f}" cy="{cy:.0f}" r="12"/>'
                 f'<text class="centre-label" x="{cx:.0f}" y="{cy + 28:.0f}" text-anchor="middle">{escape(_short(label, 40))}</text>')
    for (x, y), neighbour in zip(positions, shown):
        colour = KIND_COLOURS.get(neighbour.kind, OTHER_COLOUR)
        parts.append(f'<a class="node" href="{escape(neighbour.iri)}"><title>{escape(neighbour.label)} ({escape(neighbour.kind)}): '
                     f'{escape(neighbour.link)}</title><circle cx="{x:.0f}" cy="{y:.0f}" r="9" fill="{colour}"/>'
                     f'<text x="{x:.0f}" y="{y + 22:.0f}" text-anchor="middle">{escape(_short(neighbour.label, NAME_CHARS))}</text></a>')
    if hidden:
        x, y = positions[-1]
        parts.append(f'<a class="more" href="{escape(more_href)}"><title>{hidden} more, listed below</title>'
                     f'<circle cx="{x:.0f}" cy="{y:.0f}" r="14"/><text x="{x:.0f}" y="{y + 4:.0f}" text-anchor="middle">+{hidden}</text></a>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars - 1] + "…"
