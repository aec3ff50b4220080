"""The SPARQL 1.1 Protocol endpoint of a real `kg serve`, with independent clients."""

from __future__ import annotations

import concurrent.futures
import csv
import io
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML, SPARQLWrapper

from api.workers import malloc_library
from tests.service import Listener, start_service

SELECT_KNOX = "SELECT ?name WHERE { person:colin-knox rdfs:label ?name }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
TIMEOUT = 2


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = start_service(
        tmp_path_factory.mktemp("sparql"),
        env={"KG_QUERY_TIMEOUT": str(TIMEOUT), "KG_RESULT_LIMIT": "500", "KG_MAX_REQUEST_BYTES": "20000"},
    )
    yield svc
    svc.stop()


def wrapper(service, query: str, fmt) -> SPARQLWrapper:
    sparql = SPARQLWrapper(f"{service.url}/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    return sparql


# -- independent client -------------------------------------------------------------------------

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


def test_construct_asked_for_as_plain_json_gets_json_ld(http):
    response = http.get("/sparql", params={"query": "CONSTRUCT WHERE { person:colin-knox rdfs:label ?n }"},
                        headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert len(rdflib.Graph().parse(data=response.text, format="json-ld")) == 1


def test_sparqlwrapper_post(service):
    sparql = wrapper(service, SELECT_KNOX, JSON)
    sparql.setMethod("POST")
    assert sparql.query().convert()["results"]["bindings"][0]["name"]["value"] == "Colin Knox"


# -- the three ways to send a query ---------------------------------------------------------------

def test_get_post_form_and_post_direct_agree(http):
    accept = {"Accept": "application/sparql-results+json"}
    by_get = http.get("/sparql", params={"query": SELECT_KNOX}, headers=accept)
    by_form = http.post("/sparql", data={"query": SELECT_KNOX}, headers=accept)
    by_body = http.post("/sparql", content=SELECT_KNOX, headers={**accept, "Content-Type": "application/sparql-query"})
    assert by_get.status_code == by_form.status_code == by_body.status_code == 200
    assert by_get.json() == by_form.json() == by_body.json()
    assert by_get.headers["content-type"] == "application/sparql-results+json"


def test_default_and_named_graph_parameters(http, service):
    graph = f"{service.url}/graph/nu-knox-public-sector-reform"
    query = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a kgo:Person }"
    only_001 = http.get("/sparql", params={"query": query, "default-graph-uri": graph}).json()
    assert only_001["results"]["bindings"][0]["n"]["value"] == "1"
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = http.post(f"/sparql?named-graph-uri={graph}", content=named, headers={"Content-Type": "application/sparql-query"})
    assert [b["g"]["value"] for b in response.json()["results"]["bindings"]] == [graph]
    form = http.post("/sparql", data={"query": named, "named-graph-uri": [graph]})
    assert [b["g"]["value"] for b in form.json()["results"]["bindings"]] == [graph]


def test_default_graph_is_the_union_as_a_set(http):
    # NU's label is stated by three articles; the union default graph holds it once
    query = "SELECT ?l WHERE { organization:nazarbayev-university rdfs:label ?l }"
    assert len(http.get("/sparql", params={"query": query}).json()["results"]["bindings"]) == 1


# -- content negotiation -----------------------------------------------------------------------

@pytest.mark.parametrize("accept,expected", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0.1, text/csv", "text/csv; charset=utf-8"),
    ("*/*", "application/sparql-results+json"),
    ("", "application/sparql-results+json"),
])
def test_select_negotiation_honours_q_values(http, accept, expected):
    response = http.get("/sparql", params={"query": SELECT_KNOX}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == expected
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize("accept,parse_as", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
])
def test_construct_and_describe_in_every_rdf_format(http, accept, parse_as):
    for query in ("CONSTRUCT WHERE { person:colin-knox ?p ?o }", "DESCRIBE person:colin-knox"):
        response = http.get("/sparql", params={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(accept)
        graph = rdflib.Graph().parse(data=response.content, format=parse_as)
        assert len(graph) > 10


def test_format_parameter_for_links_typed_by_hand(http):
    assert http.get("/sparql", params={"query": SELECT_KNOX, "format": "csv"}).text.splitlines() == ["name", "Colin Knox"]
    xml = http.get("/sparql", params={"query": SELECT_KNOX, "format": "xml"})
    assert ET.fromstring(xml.content).tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    ttl = http.get("/sparql", params={"query": "CONSTRUCT WHERE { person:colin-knox ?p ?o }", "format": "ttl"})
    assert ttl.headers["content-type"].startswith("text/turtle")
    html = http.get("/sparql", params={"query": SELECT_KNOX, "format": "html"})
    assert html.headers["content-type"].startswith("text/html") and "Colin Knox" in html.text


def test_csv_and_tsv_follow_the_w3c_formats(http):
    query = "SELECT ?s ?d WHERE { BIND(event:civil-service-model-conference-2016 AS ?s) ?s schema:startDate ?d }"
    rows = list(csv.reader(io.StringIO(http.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"}).text)))
    assert rows[1][1] == "2016-01-28" and rows[1][0].endswith("/id/event/civil-service-model-conference-2016")
    tsv = http.get("/sparql", params={"query": query}, headers={"Accept": "text/tab-separated-values"}).text.splitlines()
    assert tsv[0] == "?s\t?d"
    assert tsv[1].endswith('\t"2016-01-28"^^<http://www.w3.org/2001/XMLSchema#date>') and tsv[1].startswith("<http")


# -- errors ------------------------------------------------------------------------------------

def problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"]
    return body


def test_syntax_error_is_400_with_the_parser_message_and_position(http):
    body = problem(http.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"}), 400)
    assert body["detail"].startswith("SPARQL syntax error: error at 1:")


def test_unacceptable_accept_is_406(http):
    problem(http.get("/sparql", params={"query": SELECT_KNOX}, headers={"Accept": "image/png"}), 406)
    problem(http.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"}), 406)
    problem(http.get("/sparql", params={"query": SELECT_KNOX, "format": "pdf"}), 406)


def test_unsupported_body_type_is_415(http):
    problem(http.post("/sparql", content=SELECT_KNOX, headers={"Content-Type": "text/plain"}), 415)
    problem(http.post("/sparql", content=SELECT_KNOX), 415)
    problem(http.post("/sparql", content=SELECT_KNOX.encode("utf-16"), headers={"Content-Type": "application/sparql-query; charset=UTF-16"}), 415)


def test_protocol_misuse_is_400_or_405(http):
    problem(http.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D"), 400)
    problem(http.post("/sparql", data={"default-graph-uri": "x"}), 400)
    problem(http.post("/sparql", content=b"\xff\xfe", headers={"Content-Type": "application/sparql-query"}), 400)
    problem(http.put("/sparql", content=SELECT_KNOX), 405)


def test_head_cors_and_percent_decoding_on_the_endpoint(http):
    get = http.get("/sparql", params={"query": SELECT_KNOX})
    head = http.head("/sparql", params={"query": SELECT_KNOX})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"] == "application/sparql-results+json"
    assert head.headers["vary"] == "Accept"
    assert "access-control-allow-origin" not in get.headers
    cross = http.get("/sparql", params={"query": SELECT_KNOX}, headers={"Origin": "https://example.org"})
    assert cross.headers["access-control-allow-origin"] == "*"
    assert "KG-Results-Truncated" in cross.headers["access-control-expose-headers"]
    # '+' is a space, %-escapes are UTF-8; an escape that is not UTF-8 is the client's error
    plus = http.get("/sparql?query=ASK+%7B+%3Fs+%3Fp+%22%C3%A9%22+%7D")
    assert plus.status_code == 200 and plus.json()["boolean"] is False
    problem(http.get("/sparql?query=ASK%7B%22%FF%22%7D"), 400)
    problem(http.post("/sparql", content=b"query=ASK%7B%22%FF%22%7D", headers={"Content-Type": "application/x-www-form-urlencoded"}), 400)


def test_the_endpoint_is_described_in_openapi(http):
    sparql = http.get("/openapi.json").json()["paths"]["/sparql"]
    assert {p["name"] for p in sparql["get"]["parameters"]} == {"query", "default-graph-uri", "named-graph-uri", "format"}
    assert set(sparql["post"]["requestBody"]["content"]) == {"application/sparql-query", "application/x-www-form-urlencoded"}
    assert {"400", "403", "406", "413", "503"} <= set(sparql["get"]["responses"])


@pytest.mark.parametrize("send", [
    lambda h: h.get("/sparql", params={"update": "CLEAR ALL"}),
    lambda h: h.post("/sparql", data={"update": "DROP ALL"}),
    lambda h: h.post("/sparql", content="INSERT DATA { <x:a> <x:b> <x:c> }", headers={"Content-Type": "application/sparql-update"}),
    lambda h: h.get("/sparql", params={"query": "PREFIX x: <http://x/> INSERT DATA { x:a x:b x:c }"}),
    lambda h: h.post("/sparql", content="LOAD <http://example.org/x>", headers={"Content-Type": "application/sparql-query"}),
])
def test_updates_are_refused_with_403_and_change_nothing(http, send):
    before = http.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    body = problem(send(http), 403)
    assert "read-only" in body["detail"]
    assert http.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json() == before


def test_oversized_body_and_query_string_are_413(http):
    problem(http.post("/sparql", content="#" * 30000 + "\nASK {}", headers={"Content-Type": "application/sparql-query"}), 413)
    problem(http.get("/sparql", params={"query": "ASK {} #" + "x" * 30000}), 413)


def test_results_over_the_limit_are_cut_with_a_signal(http):
    response = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 200, response.text
    assert response.headers["kg-results-truncated"] == "limit=500"
    assert len(response.json()["results"]["bindings"]) == 500
    small = http.get("/sparql", params={"query": SELECT_KNOX})
    assert "kg-results-truncated" not in small.headers


# -- safety: SERVICE and FROM never reach out -------------------------------------------------------

@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX remote: <{base}> SELECT * WHERE {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ # comment }}\n SERVICE <{url}> {{ ?s ?p ?o }} }}",
])
def test_service_to_a_non_allowed_endpoint_is_refused_and_never_contacted(http, template):
    listener = Listener()
    try:
        query = template.format(url=listener.url, base=listener.url.rsplit("/", 1)[0] + "/")
        body = problem(http.get("/sparql", params={"query": query}), 400)
        assert "is not allowed" in body["detail"]
        time.sleep(0.3)
        assert listener.connections == []
    finally:
        listener.close()


def test_service_inside_a_string_is_not_a_service_call(http):
    response = http.get("/sparql", params={"query": "SELECT * WHERE { BIND('SERVICE <http://127.0.0.1:9/>' AS ?x) }"})
    assert response.status_code == 200, response.text


def test_from_only_selects_graphs_in_the_store(http, service):
    listener = Listener()
    try:
        query = f"SELECT (COUNT(*) AS ?n) FROM <{listener.url}> WHERE {{ ?s ?p ?o }}"
        response = http.get("/sparql", params={"query": query})
        assert response.json()["results"]["bindings"][0]["n"]["value"] == "0"
        time.sleep(0.3)
        assert listener.connections == []
    finally:
        listener.close()
    graph = f"{service.url}/graph/nu-knox-public-sector-reform"
    own = http.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s a kgo:Person }}"})
    assert own.json()["results"]["bindings"][0]["n"]["value"] == "1"


# -- time limit ----------------------------------------------------------------------------------

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


# -- service description --------------------------------------------------------------------------

def test_service_description(http, service):
    response = http.get("/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(f"{service.url}/sparql")
    assert (endpoint, rdflib.RDF.type, sd.Service) in graph
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Query) in graph
    jsonld = http.get("/sparql", headers={"Accept": "application/ld+json"})
    assert len(rdflib.Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)
    page = http.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html") and "<textarea" in page.text


# -- robustness ----------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "{" * 5000 + "}" * 5000,
    "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
    "SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }",
    "\x00\x01\x02",
    "SELECT * WHERE { ?s ?p 'unterminated }",
    "ASK {}" + " UNION {}" * 2000,
])
def test_hostile_queries_get_a_4xx_and_the_service_survives(http, query):
    response = http.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code < 500, response.text
    assert http.get("/health").status_code == 200


def test_weird_accept_headers_do_not_break_negotiation(http):
    for accept in ("garbage", ";;;", "text/csv;q=abc", "*/*;q=0.1, text/turtle;q=0"):
        assert http.get("/sparql", params={"query": SELECT_KNOX}, headers={"Accept": accept}).status_code in (200, 406)


def test_every_request_is_logged_with_status_and_duration(http, service):
    http.get("/health?logged=1")
    deadline = time.monotonic() + 2  # lines are written in batches, within 0.2 s
    while " GET /health 200 " not in service.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert re.search(r" kg\.access GET /health 200 \d+\.\dms", service.log.read_text())
