"""The SPARQL endpoint of a real `kg serve`: independent clients over real sockets, the time limit
that kills the query process, hostile queries that could crash the engine, the allocator, the log."""

from __future__ import annotations

import concurrent.futures
import re
import time
from pathlib import Path

import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML, SPARQLWrapper

from kg.settings import malloc_library
from tests.support.problems import problem
from tests.support.server import start_service

SELECT_KNOX = "SELECT ?name WHERE { person:colin-knox rdfs:label ?name }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
TIMEOUT = 2


@pytest.fixture(scope="module")
def service(tmp_path_factory, data_dir):
    svc = start_service(
        tmp_path_factory.mktemp("sparql"),
        env={"KG_QUERY_TIMEOUT": str(TIMEOUT), "KG_RESULT_LIMIT": "500", "KG_MAX_REQUEST_BYTES": "20000"},
        data=data_dir,
    )
    yield svc
    svc.stop()


@pytest.fixture
def http(service):
    with service.client() as client:
        yield client


def wrapper(service, query: str, fmt) -> SPARQLWrapper:
    sparql = SPARQLWrapper(f"{service.url}/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    return sparql


def test_sparqlwrapper_select_in_every_results_format(service):
    data = wrapper(service, SELECT_KNOX, JSON).query().convert()
    assert data["results"]["bindings"][0]["name"] == {"type": "literal", "value": "Colin Knox", "xml:lang": "en"}
    xml = wrapper(service, SELECT_KNOX, XML).query().convert()
    assert xml.getElementsByTagName("literal")[0].firstChild.data == "Colin Knox"
    assert b"Colin Knox" in wrapper(service, SELECT_KNOX, CSV).query().convert()
    assert b'"Colin Knox"@en' in wrapper(service, SELECT_KNOX, TSV).query().convert()


def test_sparqlwrapper_ask_and_construct(service):
    assert wrapper(service, "ASK { ?x skos:altLabel 'NAC'@en }", JSON).query().convert()["boolean"] is True
    assert wrapper(service, "ASK { FILTER(false) }", JSON).query().convert()["boolean"] is False
    construct = wrapper(service, "CONSTRUCT { ?p rdfs:label ?n } WHERE { ?p a kgo:Person ; rdfs:label ?n }", TURTLE)
    graph = rdflib.Graph().parse(data=construct.query().convert(), format="turtle")
    assert len(graph) == 17


def test_sparqlwrapper_post(service):
    sparql = wrapper(service, SELECT_KNOX, JSON)
    sparql.setMethod("POST")
    assert sparql.query().convert()["results"]["bindings"][0]["name"]["value"] == "Colin Knox"


def test_a_slow_query_is_stopped_at_the_limit_while_others_are_served(service):
    with service.client() as slow_client, service.client() as other:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            started = time.monotonic()
            slow = pool.submit(slow_client.get, "/sparql", params={"query": SLOW})
            time.sleep(0.5)
            quick_start = time.monotonic()
            quick = other.get("/sparql", params={"query": SELECT_KNOX})
            quick_elapsed = time.monotonic() - quick_start
            response = slow.result()
            elapsed = time.monotonic() - started
    assert quick.status_code == 200 and quick_elapsed < 1.5
    body = problem(response, 503)
    assert "time limit" in body["detail"]
    assert TIMEOUT <= elapsed < TIMEOUT + 3
    # the process running it was killed: nothing below the server keeps burning CPU
    before = service.cpu_seconds()
    time.sleep(1.0)
    assert service.cpu_seconds() - before < 0.5


def test_queries_in_flight_when_another_is_stopped_keep_their_own_deadline(service):
    # both run in the same query process; killing it for the first must not fail the second
    with service.client() as first, service.client() as second, service.client() as third:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            started = time.monotonic()
            a = pool.submit(first.get, "/sparql", params={"query": SLOW})
            time.sleep(1.0)
            b = pool.submit(lambda: (second.get("/sparql", params={"query": SLOW + " # second"}), time.monotonic()))
            a_response, a_done = a.result(), time.monotonic()
            b_response, b_done = b.result()
            quick = third.get("/sparql", params={"query": SELECT_KNOX})
    assert a_response.status_code == 503 and b_response.status_code == 503
    assert a_done - started < TIMEOUT + 0.8
    assert b_done - started >= TIMEOUT + 0.9  # stopped at its own limit, one second later
    assert quick.status_code == 200


@pytest.mark.skipif(malloc_library("auto") is None, reason="no jemalloc on this machine")
def test_query_processes_use_jemalloc_when_the_system_has_it(service, http):
    http.get("/sparql", params={"query": SELECT_KNOX})
    maps = []
    for pid in service.descendants():
        try:
            maps.append(Path(f"/proc/{pid}/maps").read_text())
        except OSError:
            continue
    assert any("libjemalloc" in m for m in maps)


@pytest.mark.parametrize("query", [
    "{" * 5000 + "}" * 5000,
    "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
    "SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }",
    "\x00\x01\x02",
    "SELECT * WHERE { ?s ?p 'unterminated }",
    "ASK {}" + " UNION {}" * 2000,
    "SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }",
    "SELECT * WHERE { ?s " + "/".join(["<http://e/p>"] * 10_000) + " ?o }",
    "ASK {}" + " UNION {}" * 10_000,
    "SELECT * WHERE { FILTER(" + " || ".join(["true"] * 10_000) + ") }",
])
def test_hostile_queries_get_a_4xx_and_the_service_survives(http, query):
    response = http.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code < 500, response.text
    assert http.get("/health").status_code == 200


def test_every_request_is_logged_with_status_and_duration(http, service):
    http.get("/health?logged=1")
    deadline = time.monotonic() + 2  # lines are written in batches, within 0.2 s
    while " GET /health 200 " not in service.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert re.search(r" kg\.access GET /health 200 \d+\.\dms", service.log.read_text())


def test_metrics_count_the_queries_stopped_and_the_query_processes_replaced(http):
    from prometheus_client.parser import text_string_to_metric_families

    def counts() -> dict[str, float]:
        families = text_string_to_metric_families(http.get("/metrics").text)
        return {s.name: s.value for f in families for s in f.samples if s.name.startswith(("kg_queries", "kg_query_processes"))}

    before = counts()
    problem(http.get("/sparql", params={"query": SLOW + " # metrics"}), 503)
    # a shape never run before goes to the general lane, whose process was killed: a new one starts
    fresh = "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?x { 1 } ?s ?p ?o FILTER(?o = ?x) }"
    assert http.get("/sparql", params={"query": fresh}).status_code == 200
    after = counts()
    assert after["kg_queries_timed_out_total"] == before["kg_queries_timed_out_total"] + 1
    assert after["kg_query_processes_stopped_total"] >= before["kg_query_processes_stopped_total"] + 1
    assert after["kg_query_processes_started_total"] >= before["kg_query_processes_started_total"] + 1
