"""Dates as precise as the graph states them, written as a reader writes them, never given a day
they do not have (graph/overview.py), and drawn so (api/timeline.py)."""

from __future__ import annotations

import datetime

import pytest

from api.timeline import timeline_svg
from graph.overview import Dated


@pytest.mark.parametrize("start, end, precision, written, first, last", [
    ("2025-06-09", "2025-06-11", "day", "9-11 June 2025", (2025, 6, 9), (2025, 6, 11)),
    ("2016-01-28", None, "day", "28 January 2016", (2016, 1, 28), (2016, 1, 28)),
    ("2025-05-30", "2025-06-02", "day", "30 May - 2 June 2025", (2025, 5, 30), (2025, 6, 2)),
    ("2025-06", None, "month", "June 2025", (2025, 6, 1), (2025, 6, 30)),
    ("2019", None, "year", "2019", (2019, 1, 1), (2019, 12, 31)),
    (None, None, None, "date not stated", None, None),
])
def test_an_events_dates_are_written_and_spanned_as_precisely_as_stated(start, end, precision, written, first, last):
    event = Dated("http://kg.test/id/event/x", "X", start, end, precision)
    assert event.written == written
    assert event.first_day == (datetime.date(*first) if first else None)
    assert event.last_day == (datetime.date(*last) if last else None)


def test_the_picture_draws_a_day_a_window_a_month_and_a_year_each_its_own_way():
    events = [Dated("a", "A day", "2016-01-28", None, "day"), Dated("b", "A window", "2025-06-09", "2025-06-11", "day"),
              Dated("c", "A month", "2020-12", None, "month"), Dated("d", "A year", "2019", None, "year")]
    svg = str(timeline_svg(events, "Four events"))
    assert svg.count('class="day"') == 1 and svg.count('class="days"') == 1
    assert svg.count('class="month-span"') == 1 and svg.count('class="year-span"') == 1
    assert svg.count("<a href=") == 4 and 'aria-label="Four events"' in svg
    assert ">2016<" in svg and ">2025<" in svg  # the axis covers every year


def test_the_relation_picture_caps_the_nodes_and_counts_the_rest():
    from api.relations import MAX_NODES, relations_svg
    from graph.overview import Neighbour

    many = [Neighbour(f"http://kg.test/id/person/p{i}", f"Person {i}", "person", "member of") for i in range(MAX_NODES + 7)]
    svg = str(relations_svg("Kazakhstan", many, "#connections-list"))
    assert svg.count('<a class="node"') == MAX_NODES - 1 and f">+{len(many) - MAX_NODES + 1}<" in svg
    few = str(relations_svg("Kazakhstan", many[:3], "#connections-list"))
    assert few.count('<a class="node"') == 3 and 'class="more"' not in few
    assert str(relations_svg("Nobody", [], "#x")) == ""
