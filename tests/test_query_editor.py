"""The query editor at /query (issue 17): YASGUI served from this service, the query from the
address bar in the editor, completion from the graph's own vocabulary, a plain form without
JavaScript; and a results page that keeps the query editable and offers every format."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from tests.test_pages_for_people import BROWSER, unlabelled_fields

ASKED = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?label WHERE { ?s rdfs:label ?label } LIMIT 3"


def _textarea(page: str) -> str:
    return unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))


def test_the_editor_opens_with_the_query_of_its_link_and_loads_yasgui_from_this_service(http):
    page = http.get("/query", params={"query": ASKED}, headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert _textarea(page.text) == ASKED  # the plain form (no JavaScript) and YASGUI's first query
    scripts = re.findall(r'<script src="([^"]+)"', page.text) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert any(s.endswith("/yasgui.min.js") for s in scripts) and any(s.endswith("/yasgui.min.css") for s in scripts)
    for src in scripts:
        assert src.startswith("http://kg.test/")
        assert http.get(urlsplit(src).path).status_code == 200
    assert unlabelled_fields(page.text) == []


def test_the_sparql_page_for_a_browser_is_the_editor_with_the_first_example(http):
    page = http.get("/sparql", headers=BROWSER).text
    assert 'id="editor"' in page and _textarea(page).startswith("# Who chairs the NAC")


def test_completion_offers_the_graphs_prefixes_classes_and_properties(http):
    response = http.get("/query/completions.json")
    offered = response.json()
    assert offered["prefixes"]["kgo"] == "http://kg.test/ontology#"
    assert "http://kg.test/ontology#holder" in offered["properties"]  # the ontology's
    assert "http://www.w3.org/ns/oa#hasTarget" in offered["properties"]  # used by the graph, from another vocabulary
    assert "http://kg.test/ontology#Person" in offered["classes"]
    again = http.get("/query/completions.json", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_a_results_page_keeps_the_query_editable_and_offers_every_format(http):
    page = http.get("/sparql", params={"query": ASKED, "format": "html"}, headers=BROWSER).text
    assert _textarea(page) == ASKED
    links = [unescape(href) for href in re.findall(r'href="([^"]*/sparql\?[^"]*)"', page)]
    formats = [parse_qs(urlsplit(link).query)["format"][0] for link in links]
    assert formats == ["json", "xml", "csv", "tsv"]
    assert all(parse_qs(urlsplit(link).query)["query"][0] == ASKED for link in links)
    opened = re.search(r'href="([^"]*/query\?[^"]*)"', page).group(1)
    assert parse_qs(urlsplit(unescape(opened)).query)["query"][0] == ASKED
    constructed = http.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2", "format": "html"}, headers=BROWSER).text
    assert "format=turtle" in constructed and "format=jsonld" in constructed and "format=csv" not in constructed


def test_a_syntax_error_names_its_line_and_column_and_the_page_marks_the_character(http):
    broken = "SELECT ?s WHERE {\n  ?s ?p\n}"
    program = http.get("/sparql", params={"query": broken}, headers={"Accept": "application/sparql-results+json"}).json()
    assert program["detail"].startswith("SPARQL syntax error at line 3, column 2: expected")  # just past the "}"
    page = http.get("/sparql", params={"query": broken}, headers=BROWSER).text
    assert "<p>Line 3, column 2:</p>" in page and '<pre class="error-line"><mark>}</mark></pre>' in page
    one_line = http.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }  "}, headers=BROWSER).text
    assert '<pre class="error-line">SELECT ?s WHERE { ?s ?p <mark>}</mark>  </pre>' in one_line
    assert _textarea(page) == broken
