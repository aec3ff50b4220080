"""Entity IRIs, vocabularies, VoID, dumps, search and operations of the service, in-process over
the in-memory engine (SPARQL only), and over the embedded one where only it has the data (dumps)."""

from __future__ import annotations

import gzip
import hashlib
import json

import httpx
import pytest
import rdflib
import rdflib.compare
from pyld import jsonld

from graph.engine.embedded import EmbeddedEngine
from graph.loading import load_files
from graph.versions import read_versions
from tests.support.app import in_process
from tests.support.paths import BASE, RECORDS

PEOPLE = ("colin-knox", "rassul-rysmambetov", "alikhan-baimenov")


def loader_for(http: httpx.Client):
    """A pyld document loader that fetches from the service (and nowhere else)."""

    def load(url, options=None):
        assert url.startswith(str(http.base_url).rstrip("/")), f"pyld tried to fetch {url}"
        response = http.get(url, headers={"Accept": "application/ld+json"})
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": response.json()}

    return load


def turtle_triples(http: httpx.Client, path: str) -> rdflib.Graph:
    response = http.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    return rdflib.Graph().parse(data=response.text, format="turtle")


@pytest.mark.parametrize("path", [
    "/id/person/colin-knox", "/id/organization/nazarbayev-university", "/id/event/world-government-summit-2019",
    "/id/policy/public-councils", "/id/place/kazakhstan", "/id/view/knox-public-councils",
])
def test_jsonld_round_trips_to_exactly_the_turtle_triples(http, path):
    doc = http.get(path, headers={"Accept": "application/ld+json"})
    assert doc.status_code == 200 and doc.headers["content-type"] == "application/ld+json"
    nquads = jsonld.to_rdf(doc.json(), {"format": "application/n-quads", "documentLoader": loader_for(http), "base": str(http.base_url)})
    from_pyld = rdflib.Graph().parse(data=nquads, format="nt")
    from_turtle = turtle_triples(http, path)
    assert len(from_pyld) > 10
    assert rdflib.compare.isomorphic(from_pyld, from_turtle)
    for s, p, _ in from_pyld:
        assert str(s).startswith("http") and str(p).startswith("http")


def test_rdflib_reads_the_jsonld_too(http):
    doc = http.get("/id/person/colin-knox", headers={"Accept": "application/ld+json"}).json()
    assert doc["@context"] == f"{BASE}/context.jsonld"
    doc["@context"] = http.get("/context.jsonld").json()["@context"]  # rdflib would fetch it from the web
    graph = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld", base=BASE)
    assert rdflib.compare.isomorphic(graph, turtle_triples(http, "/id/person/colin-knox"))


def test_the_document_holds_labels_roles_and_evidence(http):
    doc = http.get("/id/person/rassul-rysmambetov", headers={"Accept": "application/ld+json"}).json()
    assert doc["label"] == ["Rassul Rysmambetov"]
    assert doc["@type"] == ["kgo:Person"]
    [position] = doc["@reverse"]["holder"]
    assert position["label"] == ["Chairman of the NAC Management Board"]
    assert doc["mentionedIn"][0]["label"]
    quotes = {sel["exact"][0]["@value"] for e in doc["evidence"] for t in e["hasTarget"] for sel in t["hasSelector"]}
    assert "Rassul Rysmambetov, Chairman of the NAC Management Board" in quotes


def test_every_entity_of_a_class_has_the_same_keys(http):
    shapes = set()
    for person in PEOPLE:
        doc = http.get(f"/id/person/{person}", headers={"Accept": "application/ld+json"}).json()
        assert all(isinstance(v, list) for k, v in doc.items() if not k.startswith("@"))
        shapes.add(frozenset(doc))
    assert len(shapes) == 1


def test_every_entity_of_a_kind_has_the_same_keys(http):
    # a Summit, a Session and a Training are all Activities: one document shape
    events = ("world-government-summit-2019", "astana-hub-session-wgs-2019", "nac-staff-specialized-training-2025")
    shapes = {frozenset(http.get(f"/id/event/{e}", headers={"Accept": "application/ld+json"}).json()) for e in events}
    assert len(shapes) == 1


def test_figures_are_nested_in_their_entity(http):
    doc = http.get("/id/organization/astana-civil-service-hub", headers={"Accept": "application/ld+json"}).json()
    [figure] = doc["memberCount"]
    assert figure["schema:value" if "schema:value" in figure else "value"] == [40]
    assert figure["unitText"] == [{"@value": "member-countries"}]


@pytest.mark.parametrize("accept,expected", [
    ("application/n-triples", "application/n-triples"),
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html; charset=utf-8"),
    ("*/*", "application/ld+json"),
])
def test_entity_negotiation(http, accept, expected):
    response = http.get("/id/person/colin-knox", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == expected
    assert "Accept" in response.headers["vary"]


def test_entity_html_shows_relations_sources_and_quotes(http):
    page = http.get("/id/person/colin-knox", headers={"Accept": "text/html"}).text
    assert "<h1>Colin Knox</h1>" in page
    assert "Professor of the NU Graduate School of Public Policy" in page
    assert "001_3cbba066ae2e4c25.txt" in page or "NU Press Office" in page
    assert "has been researching issues of public sector reform" in page
    assert 'href="http://kg.test' in page


def test_etag_304_cache_control_and_head(http):
    first = http.get("/id/person/colin-knox", headers={"Accept": "text/turtle"})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    again = http.get("/id/person/colin-knox", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other_format = http.get("/id/person/colin-knox", headers={"Accept": "application/ld+json", "If-None-Match": etag})
    assert other_format.status_code == 200
    head = http.head("/id/person/colin-knox", headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag


def test_cors_for_any_origin(http):
    response = http.get("/id/person/colin-knox", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = http.options("/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200


def test_unknown_entity_is_404_problem(http):
    response = http.get("/id/person/nobody-at-all")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].endswith("/id/person/nobody-at-all in this graph")


def test_an_unknown_entity_asked_for_as_a_problem_document_is_404_not_406(http):
    response = http.get("/id/person/nobody", headers={"Accept": "application/problem+json"})
    assert response.status_code == 404 and response.json()["status"] == 404
    known = http.get("/id/person/colin-knox", headers={"Accept": "application/problem+json"})
    assert known.status_code == 406  # the entity exists; it has no problem-document form


@pytest.mark.parametrize("path", ["/id/%C2%B44%C3%92%F0%A7%BD%B0I%04w", "/id/person/a%20b", "/id/%3C%3E", "/id/"])
def test_paths_that_are_not_iris_are_404_not_500(http, path):
    assert http.get(path).status_code == 404
    assert http.head(path).status_code == 404


def test_unacceptable_entity_format_is_406(http):
    assert http.get("/id/person/colin-knox", headers={"Accept": "image/png"}).status_code == 406
    assert http.get("/id/person/colin-knox?format=pdf").status_code == 406


def test_context_is_served_and_self_contained(http):
    context = http.get("/context.jsonld").json()["@context"]
    assert context["label"] == {"@id": "http://www.w3.org/2000/01/rdf-schema#label", "@container": "@set"}
    assert context["evidence"]["@reverse"] == "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"


@pytest.mark.parametrize("path", ["/ontology", "/shapes"])
def test_vocabularies_resolve_at_their_namespace(http, path):
    graph = turtle_triples(http, path)
    assert len(graph) > 100
    jsonld_doc = http.get(path, headers={"Accept": "application/ld+json"})
    assert len(rdflib.Graph().parse(data=jsonld_doc.text, format="json-ld")) == len(graph)
    page = http.get(path, headers={"Accept": "text/html"}).text
    assert "<table>" in page
    if path == "/ontology":
        person = rdflib.URIRef(f"{BASE}/ontology#Person")
        assert graph.value(person, rdflib.RDFS.label) == rdflib.Literal("Person", lang="en")
        assert 'id="Person"' in page


def test_void_describes_the_dataset(http):
    graph = turtle_triples(http, "/.well-known/void")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = rdflib.URIRef(f"{BASE}/.well-known/void#dataset")
    assert graph.value(dataset, void.sparqlEndpoint) == rdflib.URIRef(f"{BASE}/sparql")
    assert int(graph.value(dataset, void.triples)) > 10_000
    assert len(list(graph.objects(dataset, void.exampleResource))) >= 3
    graphs = {s for s in graph.objects(dataset, void.subset) if "/graph/" in str(s) or str(s).endswith("/ontology")}
    assert len(graphs) == 9  # five articles, the ontology, the links, the entailed graph, the versions
    said = {str(s): str(graph.value(s, rdflib.namespace.DCTERMS.description)) for s in graphs}
    assert said[f"{BASE}/graph/entailed"].startswith("derived")
    assert said[f"{BASE}/graph/versions"].startswith("provenance")
    # the records as they are in the project are its latest version (records/VERSIONS.tsv; after
    # changing records, ontology or shapes by hand, `kg release` makes the next one)
    latest = read_versions(RECORDS)[-1]
    assert graph.value(dataset, rdflib.OWL.sameAs) == rdflib.URIRef(f"{BASE}/id/version/{latest.number}")
    assert graph.value(dataset, rdflib.namespace.DCTERMS.issued).toPython() == latest.published
    asserted = {name for name, words in said.items() if words.startswith("asserted")}
    assert len(asserted) == 6 and f"{BASE}/graph/entailed" not in asserted  # five articles and the links
    linksets = {s for s in graph.objects(dataset, void.subset) if (s, rdflib.RDF.type, void.Linkset) in graph}
    assert {str(graph.value(s, void.objectsTarget)) for s in linksets} == {
        "http://www.wikidata.org/", "https://www.geonames.org/", "https://ror.org/", "http://dbpedia.org/"}
    assert rdflib.URIRef(f"{BASE}/ontology#") in set(graph.objects(dataset, void.vocabulary))
    dumps = set(graph.objects(dataset, void.dataDump))
    assert rdflib.URIRef(f"{BASE}/dumps/graph.nq.gz") in dumps


def test_void_for_a_browser(http):
    page = http.get("/.well-known/void", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html") and "void:sparqlEndpoint" in page.text


@pytest.mark.parametrize("name,fmt", [("graph.nq.gz", "nquads"), ("graph.trig.gz", "trig")])
def test_dumps_made_with_the_store_download_and_parse(data_dir, name, fmt):
    with in_process(EmbeddedEngine.open(data_dir)) as http:
        response = http.get(f"/dumps/{name}")
        assert response.status_code == 200
        assert http.get("/dumps/graph.csv").status_code == 404
    dataset = rdflib.Dataset()
    dataset.parse(data=gzip.decompress(response.content), format=fmt)
    assert len(list(dataset.graphs())) >= 6


def test_each_version_s_dumps_come_with_checksums_that_void_names_with_the_version(data_dir):
    with in_process(EmbeddedEngine.open(data_dir)) as http:
        sums = http.get("/dumps/SHA256SUMS")
        assert sums.status_code == 200 and sums.headers["content-type"].startswith("text/plain")
        listed = dict(reversed(line.split("  ")) for line in sums.text.splitlines())
        assert set(listed) == {"graph.nq.gz", "graph.trig.gz"}
        for name, digest in listed.items():
            assert hashlib.sha256(http.get(f"/dumps/{name}").content).hexdigest() == digest
        void = rdflib.Graph().parse(data=http.get("/.well-known/void", headers={"Accept": "text/turtle"}).text, format="turtle")
        dataset = rdflib.URIRef(f"{BASE}/.well-known/void#dataset")
        health = http.get("/health").json()
        assert str(void.value(dataset, rdflib.namespace.DCTERMS.hasVersion)) == health["version"]
        latest = read_versions(RECORDS)[-1]
        assert health["release"] == {"number": latest.number, "iri": f"{BASE}/id/version/{latest.number}",
                                     "issued": latest.published.strftime("%Y-%m-%dT%H:%M:%SZ")}
        described = http.get(f"/id/version/{latest.number}", headers={"Accept": "text/turtle"})
        assert described.status_code == 200 and "dcterms:hasPart" in described.text  # a version is a resource too
        spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
        for name, digest in listed.items():
            checksum = void.value(rdflib.URIRef(f"{BASE}/dumps/{name}"), spdx.checksum)
            assert str(void.value(checksum, spdx.checksumValue)) == digest


def test_an_engine_without_dumps_answers_404(http):
    response = http.get("/dumps/graph.nq.gz")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


def test_search_is_ranked_and_forgiving(http):
    def ids(**params):
        return [r["id"].rsplit("/", 1)[1] for r in http.get("/search", params=params).json()["results"]]

    assert ids(q="NAC")[0] == "national-analytical-center"
    assert ids(q="nac")[0] == "national-analytical-center"
    assert ids(q="Nazarbáyev Univ")[0] == "nazarbayev-university"
    assert ids(q="knox")[0] == "colin-knox"
    assert "colin-knox" in ids(q="coli")
    assert ids(q="civil service hub")[0] == "astana-civil-service-hub"
    assert ids(q="united america") == ["united-states"]
    assert ids(q="nazarbayev", type="kgo:University") == ["nazarbayev-university"]
    assert ids(q="Nazarbaev University")[0] == "nazarbayev-university"  # spellings the articles do not use
    assert ids(q="behavioural insights")[0] == "behavioural-insights-team"
    assert ids(q="zzzz-nothing") == []
    assert ids(q="") == []


def test_search_rejects_bad_parameters_with_400(http):
    response = http.get("/search", params={"q": "x", "limit": "many"})
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"


def test_health_and_openapi(http):
    health = http.get("/health").json()
    assert health["status"] == "ready" and health["triples"] > 10_000 and health["version"]
    openapi = http.get("/openapi.json").json()
    assert {"/sparql", "/search", "/id/{path}", "/.well-known/void"} <= set(openapi["paths"])
    assert http.get("/docs").status_code == 200


def test_unknown_paths_and_methods_are_problems(http):
    response = http.get("/nothing/here")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert http.delete("/id/person/colin-knox").status_code == 405


def test_serves_a_store_made_by_kg_load(tmp_path):
    data = tmp_path / "other.ttl"
    data.write_text('@prefix ex: <http://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
                    'ex:a rdfs:label "Alpha" ; ex:knows ex:b . ex:b rdfs:label "Beta" .\n')
    load_files(tmp_path / "loaded", [data])
    with in_process(EmbeddedEngine.open(tmp_path / "loaded")) as http:
        result = http.get("/sparql", params={"query": "SELECT ?l WHERE { <http://example.org/a> rdfs:label ?l }"}).json()
        assert result["results"]["bindings"][0]["l"]["value"] == "Alpha"
        assert http.get("/health").json()["graph"] == "loaded"
        assert [r["label"] for r in http.get("/search", params={"q": "bet"}).json()["results"]] == ["Beta"]
        void = http.get("/.well-known/void", headers={"Accept": "text/turtle"})
        assert void.status_code == 200
