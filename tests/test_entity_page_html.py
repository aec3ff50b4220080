"""Entity pages as a reader gets them, in-process over the in-memory engine: the summary first,
the "query this" link (whose query runs on /sparql as it is), external identifiers by scheme and
identifier, and the derived statements by the ontology's labels."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from tests.support.paths import BASE


def page(http, path: str) -> str:
    response = http.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


def section(text: str, heading: str) -> str:
    """The part of a page from the h2 `heading` to the next h2."""
    start = text.index(heading)
    end = text.find("<h2", start + len(heading))
    return text[start:end if end >= 0 else None]


def test_an_entity_page_opens_with_its_summary_before_the_statements(http):
    text = page(http, "/id/event/civil-service-model-conference-2016")
    assert text.index('<section class="summary" aria-labelledby="summary-heading">') < text.index("<h2>Statements</h2>")
    summary = section(text, 'id="summary-heading"')
    assert "<dt>When</dt><dd>28 January 2016</dd>" in summary
    assert f'<a href="{BASE}/id/person/norimasa-shimomura">Norimasa Shimomura</a>' in summary
    assert "<dt>Presented remotely by</dt>" in summary


def test_a_capped_list_on_the_page_says_how_many_more(http):
    summary = section(page(http, "/id/place/kazakhstan"), 'id="summary-heading"')
    assert re.search(r'<li class="muted">and \d+ more</li>', summary)


def test_every_entity_page_links_to_the_query_of_its_statements_and_that_query_runs_on_sparql(http):
    text = page(http, "/id/person/colin-knox")
    href = html.unescape(re.search(r'<a href="([^"]+)" id="query-this">', text).group(1))
    assert href.startswith(f"{BASE}/query?query=")
    query = parse_qs(urlsplit(href).query)["query"][0]
    assert query.startswith("PREFIX rdf: ") and "PREFIX rdfs: " in query
    answer = http.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200
    rows = answer.json()["results"]["bindings"]
    assert {row["direction"]["value"] for row in rows} == {"statement", "incoming"}
    assert any(row.get("valueLabel", {}).get("value") == "Professor of the NU Graduate School of Public Policy" for row in rows)


def test_external_identifiers_read_as_scheme_and_identifier_with_what_they_name(http):
    text = page(http, "/id/place/kazakhstan")
    identifiers = section(text, 'id="identifiers-heading"')
    assert '<a href="http://www.wikidata.org/entity/Q232">Wikidata Q232</a> · Kazakhstan' in identifiers
    assert '<a href="https://sws.geonames.org/1522867/">GeoNames 1522867</a>' in identifiers
    assert '<a href="http://dbpedia.org/resource/Kazakhstan">DBpedia Kazakhstan</a>' in identifiers
    assert "<li>ISO 3166-1 alpha-2 KZ</li>" in identifiers and "<li>ISO 3166-1 alpha-3 KAZ</li>" in identifiers
    assert identifiers.index("Wikidata") < identifiers.index("GeoNames") < identifiers.index("DBpedia") < identifiers.index("ISO")
    statements = section(text, "<h2>Statements</h2>")
    assert "wikidata.org" not in statements  # shown once, as identifiers, not again as bare statements


def test_a_ror_identifier_and_a_close_match_are_named_as_such(http):
    assert '<a href="https://ror.org/052bx8q98">ROR 052bx8q98</a> · Nazarbayev University' in page(http, "/id/organization/nazarbayev-university")
    close = section(page(http, "/id/policy/e-government"), 'id="identifiers-heading"')
    assert '<a href="http://www.wikidata.org/entity/Q211017">Wikidata Q211017</a> · close match' in close


def test_derived_rows_name_properties_and_classes_by_the_ontologys_labels_and_values_by_theirs(http):
    derived = section(page(http, "/id/person/colin-knox"), "<h2>Derived</h2>")
    assert '<th scope="row">states view<br><span class="muted derived-from">inverse of <em>view holder</em>' in derived
    assert "statesView" not in derived
    assert '<th scope="row">type</th>' in derived
    assert f'<a href="{BASE}/ontology#Agent">Agent</a> <span class="muted">(every Person is one)</span>' in derived  # by its label, and why
    assert '<a href="http://schema.org/Person">schema:Person</a>' in derived  # one the ontology gives no label
    assert f'<a href="{BASE}/id/view/knox-public-councils">Colin Knox on public councils</a>' in derived


def test_an_entity_with_more_connections_than_its_page_lists_says_how_many_and_how_to_list_them(monkeypatch, memory_engine):
    import api.linked_data
    from tests.support.app import in_process

    monkeypatch.setattr(api.linked_data, "CONNECTIONS_LISTED", 3)
    with in_process(memory_engine) as fresh:
        text = page(fresh, "/id/place/kazakhstan")
    counted = re.search(r'<p class="warn" id="connections-count">3 of (\d+) connections listed: <a href="([^"]+)">', text)
    assert counted and int(counted.group(1)) > 3
    listed = re.search(r'<ul id="connections-list" class="connections">(.*?)</ul>', text, re.S).group(1)
    assert listed.count("<li>") == 3
    assert "/query?query=" in html.unescape(counted.group(2))


def test_a_person_spoken_of_only_through_others_has_no_empty_statements_table(http):
    text = page(http, "/id/person/alikhan-baimenov")
    statements = section(text, "<h2>Statements</h2>")
    assert 'id="no-statements"' in statements and "<table" not in statements


def test_each_derived_link_says_what_it_follows_from_and_an_unexplained_one_says_nothing(http):
    derived = section(page(http, "/id/event/astana-civil-service-hub-annual-conference"), "<h2>Derived</h2>")
    assert re.search(r'<th scope="row">schema:organizer<br><span class="muted derived-from">from <em>organizer</em></span>', derived)
    assert '<th scope="row">mentioned in</th>' in derived  # the article's schema:mentions is not among the entity's links
    assert "(every Conference is one)" in derived


def test_an_articles_own_web_address_is_a_link(http):
    text = page(http, "/id/article/nu-knox-public-sector-reform")
    url = "https://nu.edu.kz/news/nu-professor-reform-public-sector-not-punishment-failure-reward-success"
    assert f'<th scope="row">URL</th><td><div class="value"><a href="{url}">{url}</a>' in text


def test_incoming_links_are_grouped_by_property_with_their_count_and_cut_visibly(monkeypatch, memory_engine):
    import api.linked_data
    from tests.support.app import in_process

    monkeypatch.setattr(api.linked_data, "INCOMING_LISTED", 2)
    with in_process(memory_engine) as fresh:
        text = page(fresh, "/id/place/kazakhstan")
    incoming = section(text, "<h2>Incoming</h2>")
    groups = re.findall(r'<tr><th scope="row">([^<]+) <span class="muted">\((\d+)\)</span></th><td>(.*?)</td></tr>', incoming, re.S)
    assert groups and len({label for label, _, _ in groups}) == len(groups)  # one row per property
    assert any(int(count) > 2 for _, count, _ in groups)
    for label, count, cell in groups:
        assert cell.count('<div class="value">') == min(int(count), 2)
        if int(count) > 2:
            assert f"and {int(count) - 2} more: <a href=" in cell
