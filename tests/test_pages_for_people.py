"""What a person in a browser gets that a program does not: an error as a page with the query
still editable (never raw JSON), compressed pages, a favicon, landmarks and labelled fields,
search with counts and pages, quotes shown with their words marked, documentation that loads
nothing from elsewhere; and what generic clients get: the formats they mean, queries that carry
their prefixes, link lists that say when they are cut (issue 17)."""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from markupsafe import escape

from graph.engine.embedded import EmbeddedEngine
from tests.support.app import in_process

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "Accept-Encoding": "gzip, deflate"}


def test_a_sparql_syntax_error_in_a_browser_is_a_page_with_the_query_to_mend(http):
    broken = "SELECT ?s WHERE { ?s ?p }"
    page = http.get("/sparql", params={"query": broken}, headers=BROWSER)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "<textarea" in page.text and "SELECT ?s WHERE { ?s ?p }" in page.text  # escaped, still editable
    assert 'role="alert"' in page.text and "syntax" in page.text.lower()
    program = http.get("/sparql", params={"query": broken}, headers={"Accept": "application/sparql-results+json"})
    assert program.status_code == 400 and program.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("path, extra, status", [
    ("/id/person/nobody-at-all", {}, 404), ("/no/such/page", {}, 404),
    ("/search?q=knox", {"X-Padding": "x" * 9000}, 431),  # refused before any route: the front's own answer
])
def test_errors_are_pages_for_browsers_and_problem_documents_for_programs(http, path, extra, status):
    page = http.get(path, headers={**BROWSER, **extra})
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    assert f"<h1>{status} " in page.text and "<main" in page.text
    program = http.get(path, headers={"Accept": "application/json", **extra})
    assert program.status_code == status
    assert json.loads(program.text)["status"] == status


def test_text_answers_are_compressed_for_clients_that_accept_it_and_dumps_are_not_compressed_twice(http):
    page = http.get("/id/place/kazakhstan", headers=BROWSER)
    assert page.headers.get("content-encoding") == "gzip" and "accept-encoding" in page.headers["vary"].lower()
    raw = http.get("/id/place/kazakhstan", headers={**BROWSER, "Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.text == page.text
    small = http.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # under a kilobyte: sent as it is


def test_dumps_are_not_compressed_twice(data_dir):
    with in_process(EmbeddedEngine.open(data_dir)) as http:
        dump = http.get("/dumps/graph.nq.gz", headers={"Accept-Encoding": "gzip"})
    assert dump.status_code == 200 and "content-encoding" not in dump.headers
    assert gzip.decompress(dump.content).startswith(b"<")  # the file itself, compressed once


def test_a_favicon_and_the_landmarks_of_every_page(http):
    icon = http.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    for path in ("/", "/search?q=knox", "/sparql", "/id/person/colin-knox"):
        page = http.get(path, headers=BROWSER).text
        assert '<main id="main">' in page and 'href="#main"' in page and '<nav aria-label="Site">' in page
        assert 'rel="icon"' in page and "prefers-color-scheme: dark" in page
    for path in ("/", "/search?q=knox", "/sparql"):
        assert unlabelled_fields(http.get(path, headers=BROWSER).text) == []


class _Fields(HTMLParser):
    """The form fields of a page and whether each has a label (`<label for>` or around it)."""

    def __init__(self):
        super().__init__()
        self.fields: list[dict] = []
        self.label_for: set[str] = set()
        self.in_label = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "textarea", "select") and attrs.get("type") not in ("hidden", "submit"):
            self.fields.append({**attrs, "wrapped": self.in_label > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self.in_label -= 1


def unlabelled_fields(page: str) -> list[str]:
    parser = _Fields()
    parser.feed(page)
    return [f.get("name", "?") for f in parser.fields if not f["wrapped"] and f.get("id") not in parser.label_for
            and not f.get("aria-label")]


@pytest.mark.parametrize("accept, parses_as", [("text/plain", "nt"), ("application/json", "json-ld")])
def test_an_entity_iri_answers_generic_clients_in_the_format_they_mean(http, accept, parses_as):
    import rdflib

    answer = http.get("/id/person/colin-knox", headers={"Accept": accept})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(accept)
    text = answer.text
    if parses_as == "json-ld":  # its context inlined: rdflib would fetch it from kg.test
        document = answer.json()
        document["@context"] = http.get("/context.jsonld").json()["@context"]
        text = json.dumps(document)
    graph = rdflib.Graph().parse(data=text, format=parses_as)
    labels = {str(o) for o in graph.objects(rdflib.URIRef("http://kg.test/id/person/colin-knox"), rdflib.RDFS.label)}
    assert labels == {"Colin Knox"}


def test_every_shipped_query_carries_the_prefixes_it_needs():
    """Each file of queries/ runs in a client that predefines no prefix (Oxigraph's parser here,
    as Comunica would), and binds schema: to http://schema.org/, the IRIs the graph uses (rdflib
    binds its own schema: to https://schema.org/)."""
    import pyoxigraph

    import queries

    files = sorted(queries.EXAMPLES.parent.glob("*/*.rq"))
    assert len(files) > 50
    empty = pyoxigraph.Store()
    for path in files:
        text = queries.for_base(path.read_text(), "http://kg.test")
        empty.query(text)  # raises SyntaxError on an undeclared prefix
        if "schema:" in text:
            assert "PREFIX schema: <http://schema.org/>" in text, path.name


def test_the_examples_on_the_query_page_carry_the_prefixes_for_this_graph(http):
    page = http.get("/sparql", headers=BROWSER).text
    assert "BASE &lt;http://kg.test/&gt;" in page and "PREFIX kgo: &lt;ontology#&gt;" in page


def test_search_says_how_many_pages_through_them_and_filters_by_type(http):
    first = http.get("/search", params={"q": "a", "limit": 5}).json()
    assert first["total"] > 5 and len(first["results"]) == 5 and first["previous"] is None
    second = http.get(first["next"]).json()
    assert second["offset"] == 5 and not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    people = http.get("/search", params={"q": "a", "type": "kgo:Person", "limit": 100}).json()
    assert people["total"] == len(people["results"]) > 0 and all("kgo:Person" in r["types"] for r in people["results"])
    page = http.get("/search", params={"q": "a", "limit": 5}, headers=BROWSER).text
    assert f"{first['total']} results, 1-5 shown" in page and 'rel="next"' in page
    assert 'id="search-type"' in page and unlabelled_fields(page) == []


def test_search_finds_words_in_any_order_and_shows_the_name_matched(http):
    found = http.get("/search", params={"q": "Knox Colin"}).json()["results"]
    assert found[0]["label"] == "Colin Knox"
    spelled = http.get("/search", params={"q": "Nazarbaev"}, headers=BROWSER).text
    assert "Nazarbayev University" in spelled


def test_every_page_has_the_header_search_box_and_its_script_is_served_here(http):
    page = http.get("/id/person/colin-knox", headers=BROWSER).text
    assert 'id="site-q"' in page and 'role="combobox"' in page and unlabelled_fields(page) == []
    script = http.get("/static/autocomplete.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "http" not in script.text  # it asks this service only: the form's own /search
    again = http.get("/static/autocomplete.js", headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304


def test_an_entity_with_more_links_than_its_document_holds_says_how_many_and_how_to_list_them(monkeypatch, memory_engine):
    import graph.entity

    monkeypatch.setattr(graph.entity, "INCOMING_LIMIT", 3)
    with in_process(memory_engine) as fresh:  # documents built under the smaller limit
        document = fresh.get("/id/place/kazakhstan", headers={"Accept": "application/ld+json"}).json()
        counted = document["incomingLinks"]
        assert counted["shown"] == sum(len(v) for v in document["@reverse"].values()) == 3 and counted["total"] > 3
        listing = parse_qs(urlsplit(counted["all"]).query)["query"][0]
        listed = fresh.get("/sparql", params={"query": listing}, headers={"Accept": "application/sparql-results+json"})
        assert len(listed.json()["results"]["bindings"]) == counted["total"]  # the links the document left out too
        page = fresh.get("/id/place/kazakhstan", headers=BROWSER).text
        assert f"3 of {counted['total']} links shown" in page


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_documentation_pages_load_everything_from_this_service(http, path):
    page = http.get(path).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/") for s in sources), sources  # nothing from a CDN
    for source in sources:
        assert http.get(source).status_code == 200, source
    assert "fonts.googleapis" not in page and "cdn.jsdelivr" not in page


def test_a_quote_page_shows_its_sentence_with_the_quoted_words_marked(http, memory_engine):
    from tests.support.queries import rows

    [row] = rows(memory_engine, "SELECT ?quote ?exact WHERE { ?quote a oa:SpecificResource ; oa:hasSelector/oa:exact ?exact } "
                                "ORDER BY ?quote LIMIT 1")
    page = http.get(row["quote"].replace("http://kg.test", ""), headers=BROWSER).text
    assert f"<mark>{escape(row['exact'])}</mark>" in page


def test_the_home_page_shows_what_the_graph_holds_and_its_events_in_time(http, memory_engine):
    from graph.namespaces import Namespaces
    from graph.overview import class_counts

    page = http.get("/", headers=BROWSER).text
    people = dict(class_counts(memory_engine, Namespaces("http://kg.test")))["Person"]
    assert f"{people} Person</a>" in page
    every = http.get("/search", params={"q": "", "type": "kgo:Person", "limit": 100}).json()
    assert every["total"] == people == len(every["results"])  # the class's list: every person, counted
    assert "Kazakhstan in top 30 developed countries" in page and "Most connected" in page
    assert '<svg class="timeline-picture"' in page and "9-11 June 2025" in page  # a window, as written
    assert "28 January 2016" in page and "Not dated by the articles" in page


def test_an_entity_page_shows_the_events_it_is_in_on_a_timeline(http):
    page = http.get("/id/organization/astana-civil-service-hub", headers=BROWSER).text
    assert '<svg class="timeline-picture"' in page and "13 February 2019" in page


def test_an_entity_page_states_when_first_by_the_ontologys_labels_with_each_quote_beside(http):
    page = http.get("/id/event/civil-service-model-conference-2016", headers=BROWSER).text
    table = page.split('<table class="statements">', 1)[1].split("</table>", 1)[0]
    headers = re.findall(r'<th scope="row">([^<]+)</th>', table)
    assert headers[0] == "start date" and headers.index("place") < headers.index("organizer") < headers.index("topic")
    assert "28 January 2016" in table and "xsd" not in table and "startDate" not in table  # as a reader writes it
    start_row = table.split('<th scope="row">start date</th>', 1)[1].split("</tr>", 1)[0]
    assert "“Jan 28, 2016”" in start_row  # the quote beside the value it supports
    assert "assertion:" not in page.split("<h2>Incoming</h2>")[-1].split("<h2>")[0] if "<h2>Incoming</h2>" in page else True


def test_a_figure_is_written_with_its_qualifier_and_unit(http):
    page = http.get("/id/event/world-government-summit-2019", headers=BROWSER).text
    assert "over 4,000 participants" in page


def test_a_timeline_cut_at_its_limit_says_so(monkeypatch, memory_engine):
    import graph.overview

    monkeypatch.setattr(graph.overview, "TIMELINE_LIMIT", 2)
    with in_process(memory_engine) as fresh:
        page = fresh.get("/", headers=BROWSER).text
    assert "The first 2 events only" in page and "type=kgo:Event" in page


def test_the_home_page_does_not_wait_for_the_most_connected_entities_and_lists_them_once_counted(monkeypatch, memory_engine):
    import threading

    import api.app
    import api.state

    counted = threading.Event()
    real = api.state.most_connected

    def slow(engine, ns):
        counted.wait(10)
        return real(engine, ns)

    monkeypatch.setattr(api.state, "most_connected", slow)
    monkeypatch.setattr(api.app, "CONNECTED_WAIT", 0.2)
    with in_process(memory_engine) as fresh:
        first = fresh.get("/", headers=BROWSER)
        assert first.status_code == 200 and 'id="connected-pending"' in first.text
        counted.set()
        for _ in range(50):
            later = fresh.get("/", headers=BROWSER).text
            if 'id="connected-pending"' not in later:
                break
        assert "Kazakhstan</a> <span class=\"muted\">" in later


def test_a_failed_count_of_the_most_connected_leaves_the_home_page_up_and_is_tried_again(monkeypatch, memory_engine):
    import api.state
    from graph.errors import KgError

    real, calls = api.state.most_connected, []

    def failing_once(engine, ns):
        calls.append(1)
        if len(calls) == 1:
            raise KgError("the query process was restarted")
        return real(engine, ns)

    monkeypatch.setattr(api.state, "most_connected", failing_once)
    with in_process(memory_engine) as fresh:
        pages = [fresh.get("/", headers=BROWSER) for _ in range(3)]
    assert all(page.status_code == 200 for page in pages)
    assert "Kazakhstan</a> <span class=\"muted\">" in pages[-1].text and len(calls) == 2
