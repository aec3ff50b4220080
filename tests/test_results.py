"""Cutting query results at the row limit, in every results format, exactly."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest

from graph.results import serialize_solutions, serialize_solutions_fast

QUERY = "SELECT ?s ?o WHERE { ?s <http://ex.org/p> ?o } ORDER BY ?s"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for i in range(10):
        # awkward values: line breaks, quotes, markup and an unbound variable in one row
        value = ox.Literal(f'line {i}\nwith "quotes", <result> and {{}}', language="en")
        store.add(ox.Quad(ox.NamedNode(f"http://ex.org/s{i:02}"), ox.NamedNode("http://ex.org/p"), value))
    store.add(ox.Quad(ox.NamedNode("http://ex.org/s99"), ox.NamedNode("http://ex.org/q"), ox.Literal("x")))
    return store


def rows(body: bytes, fmt: str) -> list:
    if fmt == "json":
        return json.loads(body)["results"]["bindings"]
    if fmt == "xml":
        return ET.fromstring(body).findall(".//{http://www.w3.org/2005/sparql-results#}result")
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body.decode(), newline="")))[1:]
    return body.decode().splitlines()[1:]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("limit,expected,truncated", [(3, 3, True), (10, 10, False), (50, 10, False)])
def test_fast_and_row_by_row_writers_cut_alike(store, fmt, limit, expected, truncated):
    fast = serialize_solutions_fast(store.query(QUERY), fmt, limit)
    slow = serialize_solutions(store.query(QUERY), fmt, limit)
    assert fast.truncated == slow.truncated == truncated
    assert len(rows(fast.body, fmt)) == len(rows(slow.body, fmt)) == expected
    if fmt in ("json", "csv", "tsv"):
        assert rows(fast.body, fmt) == rows(slow.body, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_a_result_past_the_byte_cap_is_left_to_the_row_by_row_writer(store, fmt, monkeypatch):
    import graph.results

    monkeypatch.setattr(graph.results, "SERIALIZED_CAP", 100)
    assert serialize_solutions_fast(store.query(QUERY), fmt, 3) is None
    monkeypatch.undo()
    assert serialize_solutions_fast(store.query(QUERY), fmt, 3) is not None
