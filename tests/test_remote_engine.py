"""The remote engine's own logic, without an engine: the dataset each query is asked over, the
blank-node labels mended across chunk boundaries, an answer read whole or as a stream, the one
update that switches versions. (The engine against real servers: tests/e2e/test_backends.py.)"""

from __future__ import annotations

import asyncio

import httpx
import pyoxigraph as ox
import pytest

import graph.engine.remote

from graph.config import EndpointConfig
from graph.engine.base import GraphInfo
from graph.engine.evaluate import QueryJob
from graph.engine.push import staged_name, switch_request
from graph.errors import EngineUnavailable
from graph.engine.remote import NONE, VIRTUOSO_BNODE, Layout, RemoteEngine, _replaced

GRAPHS = ("http://kg.test/graph/a", "http://kg.test/graph/b")
UNION = staged_name("v1", None)


def engine(product: str) -> RemoteEngine:
    info = GraphInfo("curated", "v1", "http://kg.test", 10, GRAPHS)
    return RemoteEngine(EndpointConfig("http://127.0.0.1:9/query", base_iri="http://kg.test"), Layout(info, UNION), product)


def job(default=None, named=None) -> QueryJob:
    return QueryJob("SELECT * WHERE { ?s ?p ?o }", "json", 10, None, default, named)


def test_a_query_is_asked_over_the_versions_own_graphs_and_no_other():
    assert engine("Oxigraph/0.5").dataset_for(job(), [], []) == [
        ("default-graph-uri", UNION), ("named-graph-uri", GRAPHS[0]), ("named-graph-uri", GRAPHS[1])]


def test_the_protocols_dataset_is_completed_with_the_side_it_leaves_out():
    named_only = engine("").dataset_for(job(named=(GRAPHS[1],)), [], [])
    assert named_only == [("default-graph-uri", UNION), ("named-graph-uri", GRAPHS[1])]
    empty_default = engine("").dataset_for(job(default=(), named=(GRAPHS[0],)), [], [])
    assert empty_default == [("default-graph-uri", NONE), ("named-graph-uri", GRAPHS[0])]


@pytest.mark.parametrize("product,expected", [
    ("Oxigraph/0.5.13", []),  # the query's FROM stands, as the protocol says
    ("Virtuoso/07.20.3229 (Linux)", [("named-graph-uri", NONE)]),  # it merges: the side FROM leaves empty is named empty
])
def test_a_query_with_from_keeps_its_own_dataset(product, expected):
    assert engine(product).dataset_for(job(), [GRAPHS[0]], []) == expected


@pytest.mark.parametrize("size", [1, 2, 5, 15, 16, 17, 64, 1000])
def test_virtuoso_blank_node_labels_are_mended_wherever_the_chunks_break(size):
    body = b"<result><binding name='b'><bnode>nodeID://b10007</bnode></binding></result>" * 20 + b"<literal>nodeID://kept</literal>"
    chunks = [body[i:i + size] for i in range(0, len(body), size)]
    mended = b"".join(_replaced(iter(chunks), *VIRTUOSO_BNODE))
    assert mended == body.replace(b"<bnode>nodeID://", b"<bnode>")
    assert b"nodeID://kept" in mended  # a literal's text is not touched


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("limit", [3, 40, 1000])
def test_an_answer_past_the_whole_size_is_read_as_a_stream_and_written_the_same(monkeypatch, fmt, limit):
    rows = [{"s": ox.NamedNode(f"http://kg.test/id/thing/{i}"), "o": ox.Literal(f"name {i} \u00e9", language="en")} for i in range(40)]
    store = ox.Store()
    store.extend(ox.Quad(r["s"], ox.NamedNode("http://kg.test/p"), r["o"]) for r in rows)
    body = store.query("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s").serialize(format=ox.QueryResultsFormat.JSON)
    remote = engine("Oxigraph/0.5")
    remote.client = httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(200, content=body, headers={"Content-Type": "application/sparql-results+json"})))
    asked = QueryJob("SELECT ?s ?o WHERE { ?s ?p ?o }", fmt, limit)
    whole = remote._run(asked).result
    monkeypatch.setattr(graph.engine.remote, "WHOLE_BYTES", 100)  # far below the answer's size
    streamed = remote._run(asked).result
    assert streamed.body == whole.body
    assert streamed.truncated == whole.truncated == (limit < 40)


def refusing(times: int) -> tuple[httpx.MockTransport, list[int]]:
    """A transport that refuses `times` connections, then answers ASK {} true; the attempts counted."""
    attempts: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) <= times:
            raise httpx.ConnectError("Connection refused", request=request)
        return httpx.Response(200, json={"head": {}, "boolean": True}, headers={"Content-Type": "application/sparql-results+json"})
    return httpx.MockTransport(handle), attempts


def test_a_request_waits_for_an_engine_that_refuses_connections_within_the_retry_time():
    remote = engine("Oxigraph/0.5")
    remote.client = httpx.Client(transport=(transport := refusing(3))[0])
    assert remote.ask("ASK {}") is True
    assert len(transport[1]) == 4 and remote.down_since is None


def test_past_the_retry_time_a_request_fails_at_once_and_the_engine_is_not_ready():
    remote = engine("Oxigraph/0.5")
    remote.config = EndpointConfig(remote.config.url, retry_seconds=0)
    remote.client = httpx.Client(transport=(transport := refusing(100))[0])
    with pytest.raises(EngineUnavailable, match="cannot be reached"):
        remote.ask("ASK {}")
    assert len(transport[1]) == 1 and not remote.waiting()
    assert "cannot be reached" in asyncio.run(remote.ready())


def test_the_switch_moves_each_staged_graph_and_names_the_version_in_one_update():
    update = switch_request("v2", "curated", "http://kg.test", 12, [GRAPHS[0]], GRAPHS)
    steps = update.split(" ;\n")
    assert steps[0] == f"DROP SILENT GRAPH <{GRAPHS[1]}>"  # the old version's graph the new one lacks
    assert steps[1] == f"MOVE SILENT <{staged_name('v2', GRAPHS[0])}> TO <{GRAPHS[0]}>"
    assert steps[2] == "DROP SILENT GRAPH <urn:x-kg:control>"
    assert steps[3].startswith("INSERT DATA { GRAPH <urn:x-kg:control>")
    inserted = steps[3].removeprefix("INSERT DATA { GRAPH <urn:x-kg:control> {").removesuffix("} }")
    control = ox.parse(inserted.encode(), format=ox.RdfFormat.TURTLE)
    said = {(t.predicate.value, t.object.value) for t in control}
    assert ("urn:x-kg:serves", "urn:x-kg:version:v2") in said
    assert ("urn:x-kg:union", staged_name("v2", None)) in said
    assert ("urn:x-kg:graph", GRAPHS[0]) in said and ("urn:x-kg:graph", GRAPHS[1]) not in said
