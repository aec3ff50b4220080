"""The ontology and the VoID description as pages a person reads (issue 17): classes with the
number of their entities, linked to their lists; properties with domain and range; the dataset's
version, counts, dumps with checksums, classes, links to other datasets and named graphs."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from tests.test_pages_for_people import BROWSER

KGO = "http://kg.test/ontology#"


def _row(page: str, anchor: str) -> str:
    return re.search(rf'<tr id="{anchor}">(.*?)</tr>', page, re.S).group(1)


def test_the_ontology_page_counts_each_class_and_links_to_its_list(http):
    page = http.get("/ontology", headers=BROWSER).text
    assert '<h2 id="classes">' in page and '<h2 id="properties">' in page
    person = _row(page, "Person")
    link = unescape(re.search(r'href="([^"]*/search\?[^"]*)">([\d,]+)</a>', person).group(1))
    shown = int(re.search(r'/search\?[^"]*">([\d,]+)</a>', person).group(1).replace(",", ""))
    listed = http.get(urlsplit(link).path, params=parse_qs(urlsplit(link).query, keep_blank_values=True)).json()
    assert parse_qs(urlsplit(link).query)["type"] == [KGO + "Person"] and listed["total"] == shown > 10


def test_the_ontology_page_gives_each_property_its_domain_and_range(http):
    holder = _row(http.get("/ontology", headers=BROWSER).text, "holder")
    assert '<a href="#Position">kgo:Position</a>' in holder and '<a href="#Person">kgo:Person</a>' in holder
    assert "<code>org:member</code>" in holder  # a superproperty from another vocabulary, named, not linked


def test_the_void_page_says_what_the_dataset_holds_as_the_void_data_does(http):
    page = http.get("/.well-known/void", headers=BROWSER).text
    health = http.get("/health").json()
    assert f"{health['triples']:,}" in page and health["version"] in page
    assert 'href="http://kg.test/dumps/graph.nq.gz">graph.nq.gz</a>' in page
    assert re.search(r'type=http%3A//kg.test/ontology%23Person">kgo:Person</a></td><td>\d+', page)
    assert "sameAs links to wikidata" in page and "http://kg.test/graph/entailed" in page
    assert "<details><summary>The description in Turtle</summary>" in page


def test_the_void_page_says_when_it_describes_only_the_largest_classes(monkeypatch, memory_engine):
    import graph.service_description
    from tests.support.app import in_process

    monkeypatch.setattr(graph.service_description, "CLASS_PARTITIONS", 5)
    with in_process(memory_engine) as fresh:
        page = fresh.get("/.well-known/void", headers=BROWSER).text
        classes = int(re.search(r"<dt>Classes</dt><dd>([\d,]+)</dd>", page).group(1).replace(",", ""))
        assert f"The 5 largest of {classes:,} classes" in page
        listing = unescape(re.search(r'href="([^"]*/query\?[^"]*)">all of them', page).group(1))
        query = parse_qs(urlsplit(listing).query)["query"][0]
        found = fresh.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}).json()
        assert len(found["results"]["bindings"]) == classes
