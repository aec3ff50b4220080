"""Class lists a person can narrow and order (issue 17): every entity of a class, filtered by the
article that mentions it, sorted by name, by the number of articles or by date, counted and paged
in the chosen order, in JSON and in HTML."""

from __future__ import annotations

from tests.test_pages_for_people import BROWSER, unlabelled_fields

MENTIONED = """PREFIX schema: <http://schema.org/>
SELECT DISTINCT ?entity WHERE { <%s> schema:mentions ?entity . ?entity a <http://kg.test/ontology#Person> }"""
STARTS = """PREFIX schema: <http://schema.org/>
SELECT ?event (MIN(STR(?d)) AS ?start) WHERE { ?event a <http://kg.test/ontology#Event> ; schema:startDate ?d } GROUP BY ?event"""


def _all(http, **params) -> list[dict]:
    found, offset = [], 0
    while True:
        page = http.get("/search", params={"q": "", "limit": 4, "offset": offset, **params}).json()
        found += page["results"]
        if page["next"] is None:
            assert len(found) == page["total"]
            return found
        offset += 4


def _select(http, query: str) -> list[dict]:
    return http.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]


def test_a_class_list_filtered_by_an_article_holds_exactly_what_the_article_mentions(http):
    articles = _all(http, type="kgo:NewsArticle")
    assert len(articles) == 5
    for article in articles:
        listed = {r["id"] for r in _all(http, type="kgo:Person", article=article["id"])}
        expected = {row["entity"]["value"] for row in _select(http, MENTIONED % article["id"])}
        assert listed == expected
    assert sum(len(_all(http, type="kgo:Person", article=a["id"])) for a in articles) >= len(_all(http, type="kgo:Person"))


def test_events_sorted_by_date_come_in_time_order_through_the_pages_with_the_undated_last(http):
    starts = {row["event"]["value"]: row["start"]["value"] for row in _select(http, STARTS)}
    events = [r["id"] for r in _all(http, type="kgo:Event", sort="date")]
    dated = [e for e in events if e in starts]
    assert dated == events[:len(dated)] and len(dated) == len(starts) > 2  # the undated after every dated one
    assert [starts[e] for e in dated] == sorted(starts[e] for e in dated)
    latest_first = [r["id"] for r in _all(http, type="kgo:Event", sort="-date")]
    assert [e for e in latest_first if e in starts] == dated[::-1]


def test_lists_sort_by_name_both_ways_and_by_articles(http):
    names = [r["label"].casefold() for r in _all(http, type="kgo:Organization")]
    assert names == sorted(names)
    assert [r["label"].casefold() for r in _all(http, type="kgo:Organization", sort="-name")] == names[::-1]
    mentioned = _all(http, type="kgo:Place", sort="articles")
    counts = [len({row["a"]["value"] for row in _select(http, f"SELECT ?a WHERE {{ ?a <http://schema.org/mentions> <{r['id']}> }}")})
              for r in mentioned]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1  # Kazakhstan: every article


def test_an_unknown_order_is_refused_with_the_orders_there_are(http):
    refused = http.get("/search", params={"q": "", "type": "kgo:Person", "sort": "height"})
    assert refused.status_code == 400 and "name, -name, articles, date, -date" in refused.json()["detail"]


def test_the_list_page_offers_every_filter_labelled_and_keeps_the_choices(http):
    page = http.get("/search", params={"q": "", "type": "kgo:Event", "sort": "date"}, headers=BROWSER).text
    for field in ("search-type", "search-article", "search-sort"):
        assert f'id="{field}"' in page
    assert '<option value="date" selected>' in page and '<option value="kgo:Event" selected>' in page
    assert "28 January 2016" in page and unlabelled_fields(page) == []
    assert page.index("28 January 2016") < page.index("13 February 2019")
