"""The SPARQL 1.1 Protocol endpoint, in-process over the in-memory engine: every request goes
through the whole application (the front, the endpoint, the admission policy, the engine seam)."""

from __future__ import annotations

import csv
import io
import time
import xml.etree.ElementTree as ET

import pytest
import rdflib

from tests.support.app import in_process
from tests.support.problems import problem
from tests.support.paths import BASE
from tests.support.server import Listener

SELECT_KNOX = "SELECT ?name WHERE { person:colin-knox rdfs:label ?name }"


@pytest.fixture(scope="module")
def http(memory_engine):
    with in_process(memory_engine, result_limit=500, max_request_bytes=20000) as client:
        yield client


def test_construct_asked_for_as_plain_json_gets_json_ld(http):
    response = http.get("/sparql", params={"query": "CONSTRUCT WHERE { person:colin-knox rdfs:label ?n }"},
                        headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert len(rdflib.Graph().parse(data=response.text, format="json-ld")) == 1


def test_relative_iris_resolve_against_the_endpoint_as_in_fuseki_and_oxigraph(http):
    response = http.get("/sparql", params={"query": "CONSTRUCT { <s> <p> <../o> } WHERE {}"}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.text.strip() == f"<{BASE}/s> <{BASE}/p> <{BASE}/o> ."
    resolved = http.get("/sparql", params={"query": "SELECT ?n WHERE { <id/person/colin-knox> rdfs:label ?n }"},
                        headers={"Accept": "application/sparql-results+json"}).json()
    assert [b["n"]["value"] for b in resolved["results"]["bindings"]] == ["Colin Knox"]


# -- the three ways to send a query ---------------------------------------------------------------

def test_get_post_form_and_post_direct_agree(http):
    accept = {"Accept": "application/sparql-results+json"}
    by_get = http.get("/sparql", params={"query": SELECT_KNOX}, headers=accept)
    by_form = http.post("/sparql", data={"query": SELECT_KNOX}, headers=accept)
    by_body = http.post("/sparql", content=SELECT_KNOX, headers={**accept, "Content-Type": "application/sparql-query"})
    assert by_get.status_code == by_form.status_code == by_body.status_code == 200
    assert by_get.json() == by_form.json() == by_body.json()
    assert by_get.headers["content-type"] == "application/sparql-results+json"


def test_default_and_named_graph_parameters(http):
    graph = f"{BASE}/graph/nu-knox-public-sector-reform"
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

def test_syntax_error_is_400_with_the_parser_message_and_position(http):
    body = problem(http.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"}), 400)
    assert body["detail"].startswith("SPARQL syntax error at line 1, column ")


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
    assert [v.strip() for v in head.headers["vary"].split(",")] == ["Accept", "Origin"]  # Starlette's CORS: caches keep one copy per Origin
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
    assert {"400", "403", "406", "413", "414", "503"} <= set(sparql["get"]["responses"])


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


def test_an_oversized_body_is_413_and_an_oversized_query_string_414(http):
    problem(http.post("/sparql", content="#" * 30000 + "\nASK {}", headers={"Content-Type": "application/sparql-query"}), 413)
    problem(http.get("/sparql", params={"query": "ASK {} #" + "x" * 30000}), 414)


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


def test_from_and_the_dataset_parameters_only_name_graphs_of_the_dataset(http):
    """Refused before any engine sees them, whatever the engine would do (Virtuoso fetches)."""
    listener = Listener()
    try:
        for query in (f"SELECT (COUNT(*) AS ?n) FROM <{listener.url}> WHERE {{ ?s ?p ?o }}",
                      f"SELECT (COUNT(*) AS ?n) FROM NAMED <{listener.url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"):
            body = problem(http.get("/sparql", params={"query": query}), 400)
            assert listener.url in body["detail"] and "no such graph" in body["detail"]
        body = problem(http.get("/sparql", params={"query": "ASK {}", "default-graph-uri": listener.url}), 400)
        assert body["detail"].startswith("default-graph-uri <")
        problem(http.post("/sparql", data={"query": "ASK {}", "named-graph-uri": listener.url}), 400)
        time.sleep(0.3)
        assert listener.connections == []
    finally:
        listener.close()
    graph = f"{BASE}/graph/nu-knox-public-sector-reform"
    own = http.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s a kgo:Person }}"})
    assert own.json()["results"]["bindings"][0]["n"]["value"] == "1"


def test_engine_pragmas_are_refused(http):
    body = problem(http.get("/sparql", params={"query": 'define get:soft "replace" SELECT * WHERE { ?s ?p ?o }'}), 400)
    assert "pragma" in body["detail"]


# -- service description --------------------------------------------------------------------------

def test_service_description(http):
    response = http.get("/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(f"{BASE}/sparql")
    assert (endpoint, rdflib.RDF.type, sd.Service) in graph
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Query) in graph
    kgo = rdflib.Namespace(f"{BASE}/ontology#")
    kind_of = {str(graph.value(named, sd.name)): set(graph.objects(described, rdflib.RDF.type))
               for named in graph.subjects(rdflib.RDF.type, sd.NamedGraph) if (described := graph.value(named, sd.graph))}
    assert kgo.EntailedGraph in kind_of[f"{BASE}/graph/entailed"]  # which graphs are derived, which asserted
    assert sum(kgo.ArticleGraph in kinds for kinds in kind_of.values()) == 5
    jsonld = http.get("/sparql", headers={"Accept": "application/ld+json"})
    assert len(rdflib.Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)
    page = http.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html") and "<textarea" in page.text


# -- robustness ----------------------------------------------------------------------------------


def test_weird_accept_headers_do_not_break_negotiation(http):
    for accept in ("garbage", ";;;", "text/csv;q=abc", "*/*;q=0.1, text/turtle;q=0"):
        assert http.get("/sparql", params={"query": SELECT_KNOX}, headers={"Accept": accept}).status_code in (200, 406)
