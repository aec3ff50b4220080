"""HTTP caching as real clients and caches use it (issue 18): If-None-Match by the weak
comparison, lists and `*`; validators on /sparql GET answers and a 304 that runs no query; the
dumps' validators, HEAD and listing; and dumps that hold each quad once.

In-process over the in-memory engine (`http`), and over the embedded one where only it has the
dump files."""

from __future__ import annotations

import gzip
import hashlib
from email.utils import formatdate, parsedate_to_datetime

import pyoxigraph as ox
import pytest

from graph.engine.embedded import EmbeddedEngine
from graph.loading import load_files
from graph.store import DUMP_FORMATS, materialize_union, open_store
from tests.support.app import in_process
from tests.support.paths import BASE

QUERY = "SELECT ?name WHERE { ?person a kgo:Person ; rdfs:label ?name } ORDER BY ?name"
JSON = {"Accept": "application/sparql-results+json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def dumps_http(data_dir):
    """The service over the embedded engine, the one with dump files."""
    with in_process(EmbeddedEngine.open(data_dir)) as client:
        yield client


def vary(response) -> set[str]:
    return {name.strip() for name in response.headers.get("vary", "").split(",") if name.strip()}


def sums_file(http) -> dict[str, str]:
    return dict(reversed(line.split("  ")) for line in http.get("/dumps/SHA256SUMS").text.splitlines())


# -- one comparison for every validator ---------------------------------------------------------

def test_if_none_match_is_compared_weakly_as_a_list_or_a_star_and_supersedes_if_modified_since():
    from api.documents import not_modified  # the one helper (imported here: it did not exist before)

    assert not_modified('"abc"', '"abc"') and not_modified('W/"abc"', '"abc"') and not_modified('"abc"', 'W/"abc"')
    assert not_modified('"x", W/"abc"', '"abc"') and not_modified('"x",W/"abc" , "y"', 'W/"abc"')
    assert not_modified("*", '"abc"') and not_modified(" * ", 'W/"abc"')
    assert not_modified('"a,b"', '"a,b"') and not not_modified('"a", "b"', '"a,b"')  # a comma inside a tag is the tag's
    assert not not_modified('"abcd"', '"abc"') and not not_modified('abc', '"abc"') and not not_modified("", '"abc"')
    assert not not_modified(None, '"abc"')
    modified = 1_700_000_000.5  # Last-Modified says whole seconds
    assert not_modified(None, '"abc"', formatdate(1_700_000_000, usegmt=True), modified)
    assert not not_modified(None, '"abc"', formatdate(1_699_999_999, usegmt=True), modified)
    assert not not_modified('"other"', '"abc"', formatdate(1_700_000_000, usegmt=True), modified)  # RFC 9110 §13.1.3
    assert not not_modified(None, '"abc"', "yesterday", modified)  # an invalid date is ignored


def test_a_document_is_304_to_a_weak_validator_a_list_and_a_star(http):
    accept = {"Accept": "text/turtle"}
    first = http.get("/id/person/colin-knox", headers=accept)
    etag = first.headers["etag"]
    assert "Accept-Encoding" in vary(first)  # gzipped: over a kilobyte
    for sent in (f"W/{etag}", f'"something-else", {etag}', "*"):
        again = http.get("/id/person/colin-knox", headers={**accept, "If-None-Match": sent})
        assert again.status_code == 304, sent
        assert again.headers["etag"] == etag and again.content == b""
        assert vary(again) == vary(first)  # a cache takes a 304's Vary as the stored answer's
    assert http.get("/id/person/colin-knox", headers={**accept, "If-None-Match": '"something-else"'}).status_code == 200


# -- /sparql: GET answers are cacheable, POST answers are not ------------------------------------

def test_a_get_query_answer_has_a_weak_etag_cache_control_and_vary(http):
    first = http.get("/sparql", params={"query": QUERY}, headers=JSON)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "public, max-age=300"
    assert {"Accept", "Origin"} <= vary(first)
    assert http.get("/sparql", params={"query": QUERY}, headers=JSON).headers["etag"] == etag  # the same answer
    others = {
        http.get("/sparql", params={"query": QUERY}, headers={"Accept": "text/csv"}).headers["etag"],
        http.get("/sparql", params={"query": QUERY + " LIMIT 3"}, headers=JSON).headers["etag"],
        http.get("/sparql", params={"query": QUERY, "default-graph-uri": f"{BASE}/graph/nu-knox-public-sector-reform"},
                 headers=JSON).headers["etag"],
        http.get("/sparql", params={"query": QUERY, "named-graph-uri": f"{BASE}/graph/nu-knox-public-sector-reform"},
                 headers=JSON).headers["etag"],
    }
    assert etag not in others and len(others) == 4  # the format, the query text, each dataset parameter: another answer
    cross_origin = http.get("/sparql", params={"query": QUERY}, headers={**JSON, "Origin": "https://example.org"})
    assert cross_origin.headers["etag"] == etag and "origin" in cross_origin.headers["vary"].lower()
    assert "etag" in cross_origin.headers["access-control-expose-headers"].lower()


def test_a_get_query_the_client_has_is_answered_304_without_running_it(http, memory_engine, monkeypatch):
    first = http.get("/sparql", params={"query": QUERY}, headers=JSON)
    etag = first.headers["etag"]

    async def must_not_run(job):
        raise AssertionError("a 304 ran the query")

    monkeypatch.setattr(memory_engine, "run", must_not_run)
    for sent in (etag, etag.removeprefix("W/"), f'"x", {etag}', "*"):
        again = http.get("/sparql", params={"query": QUERY}, headers={**JSON, "If-None-Match": sent})
        assert again.status_code == 304, sent
        assert again.content == b"" and again.headers["etag"] == etag
        assert again.headers["cache-control"] == "public, max-age=300"
        assert vary(again) >= vary(first) == {"Accept", "Origin", "Accept-Encoding"}  # the 200 was gzipped: a cache keeps its Vary
        assert "content-type" not in again.headers
    head = http.head("/sparql", params={"query": QUERY}, headers={**JSON, "If-None-Match": etag})
    assert head.status_code == 304


def test_a_post_query_answer_carries_no_validators_and_is_always_answered(http):
    etag = http.get("/sparql", params={"query": QUERY}, headers=JSON).headers["etag"]
    by_form = http.post("/sparql", data={"query": QUERY}, headers={**JSON, "If-None-Match": etag})
    by_body = http.post("/sparql", content=QUERY, headers={**JSON, "Content-Type": "application/sparql-query", "If-None-Match": "*"})
    for answer in (by_form, by_body):
        assert answer.status_code == 200 and answer.json()["results"]["bindings"]
        assert "etag" not in answer.headers and "cache-control" not in answer.headers


def test_a_truncated_answer_is_cacheable_too_and_another_limit_is_another_answer(memory_engine, http):
    with in_process(memory_engine, result_limit=2) as small:
        cut = small.get("/sparql", params={"query": QUERY}, headers=JSON)
        assert cut.headers["kg-results-truncated"] == "limit=2" and len(cut.json()["results"]["bindings"]) == 2
        assert cut.headers["etag"] != http.get("/sparql", params={"query": QUERY}, headers=JSON).headers["etag"]
        assert small.get("/sparql", params={"query": QUERY}, headers={**JSON, "If-None-Match": cut.headers["etag"]}).status_code == 304


def test_the_results_page_and_the_service_description_are_cacheable_too(http):
    page = http.get("/sparql", params={"query": QUERY, "format": "html"}, headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["etag"].startswith('W/"') and page.headers["cache-control"] == "public, max-age=300"
    again = http.get("/sparql", params={"query": QUERY, "format": "html"}, headers={**BROWSER, "If-None-Match": page.headers["etag"]})
    assert again.status_code == 304
    description = http.get("/sparql", headers={"Accept": "text/turtle"})
    assert description.status_code == 200 and description.headers["cache-control"] == "public, max-age=300"
    revalidated = http.get("/sparql", headers={"Accept": "text/turtle", "If-None-Match": description.headers["etag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""


# -- the dumps: validators, 304, HEAD, a listing ---------------------------------------------------

@pytest.mark.parametrize("name", ["graph.nq.gz", "graph.trig.gz", "SHA256SUMS"])
def test_a_dump_has_its_sha256_as_a_strong_etag_and_last_modified_and_is_304_to_either(dumps_http, name):
    http = dumps_http
    first = http.get(f"/dumps/{name}")
    assert first.status_code == 200
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert etag == f'"{hashlib.sha256(first.content).hexdigest()}"'  # strong: the bytes themselves
    if name != "SHA256SUMS":
        assert etag.strip('"') == sums_file(http)[name]
    for conditions in ({"If-None-Match": etag}, {"If-None-Match": f"W/{etag}"}, {"If-None-Match": "*"},
                       {"If-Modified-Since": last_modified}):
        again = http.get(f"/dumps/{name}", headers=conditions)
        assert again.status_code == 304, conditions
        assert again.content == b"" and again.headers["etag"] == etag and again.headers["last-modified"] == last_modified
    earlier = formatdate(parsedate_to_datetime(last_modified).timestamp() - 60, usegmt=True)
    assert http.get(f"/dumps/{name}", headers={"If-Modified-Since": earlier}).status_code == 200
    superseded = http.get(f"/dumps/{name}", headers={"If-None-Match": '"another"', "If-Modified-Since": last_modified})
    assert superseded.status_code == 200 and superseded.content == first.content


def test_head_on_a_dump_gives_the_get_headers_and_no_body(dumps_http):
    get = dumps_http.get("/dumps/graph.nq.gz")
    head = dumps_http.head("/dumps/graph.nq.gz")
    assert head.status_code == 200 and head.content == b""
    for header in ("etag", "last-modified", "content-length", "content-type", "cache-control"):
        assert head.headers[header] == get.headers[header], header
    assert int(head.headers["content-length"]) == len(get.content)


def test_the_dumps_folder_lists_each_dump_with_its_size_type_checksum_and_link(dumps_http):
    http = dumps_http
    listing = http.get("/dumps/")
    assert listing.status_code == 200 and listing.headers["content-type"] == "application/json"
    body = listing.json()
    assert body["version"] == http.get("/health").json()["version"]
    assert [d["name"] for d in body["dumps"]] == list(DUMP_FORMATS)
    sums = sums_file(http)
    for dump in body["dumps"]:
        assert dump["url"] == f"{BASE}/dumps/{dump['name']}" and dump["sha256"] == sums[dump["name"]]
        assert dump["media_type"] == "application/gzip" and dump["format"] == DUMP_FORMATS[dump["name"]].media_type
        served = http.get(dump["url"])
        assert len(served.content) == dump["bytes"] and hashlib.sha256(served.content).hexdigest() == dump["sha256"]
    checksums = body["checksums"]
    assert checksums["name"] == "SHA256SUMS" and checksums["url"] == f"{BASE}/dumps/SHA256SUMS"
    assert checksums["bytes"] == len(http.get(checksums["url"]).content)
    assert http.get("/dumps/", headers={"If-None-Match": listing.headers["etag"]}).status_code == 304


def test_the_dumps_folder_is_a_page_for_a_browser(dumps_http):
    page = dumps_http.get("/dumps/", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<main id="main">' in page.text and '<nav aria-label="Site">' in page.text  # the base template
    for name, digest in sums_file(dumps_http).items():
        assert f'href="{BASE}/dumps/{name}">{name}</a>' in page.text and digest in page.text
    assert f'href="{BASE}/dumps/SHA256SUMS"' in page.text


def test_the_dumps_folder_of_an_engine_without_dumps_says_there_are_none(http):
    listing = http.get("/dumps/")
    assert listing.status_code == 200 and listing.json()["dumps"] == [] and listing.json()["checksums"] is None


# -- what the dumps hold: each quad once ----------------------------------------------------------

def loaded(path, fmt: ox.RdfFormat) -> ox.Store:
    store = ox.Store()
    store.bulk_load(gzip.decompress(path.read_bytes()), fmt)
    return store


def quads_of(store: ox.Store, graph) -> set:
    return set(store.quads_for_pattern(None, None, None, graph))


@pytest.mark.parametrize("name", list(DUMP_FORMATS))
def test_a_dump_holds_the_named_graphs_once_and_no_copy_of_them_in_the_default_graph(data_dir, name):
    served = open_store(data_dir)
    try:
        dump = loaded(served.dump_file(name), DUMP_FORMATS[name])
        graphs = set(served.store.named_graphs())
        assert set(dump.named_graphs()) == graphs and len(graphs) >= 7
        for graph in graphs:
            assert quads_of(dump, graph) == quads_of(served.store, graph)
        assert not quads_of(dump, ox.DefaultGraph())  # the build's default graph is the union, made again on loading
        assert len(dump) == sum(len(quads_of(served.store, g)) for g in graphs)
        materialize_union(dump)  # what `kg load` does
        assert quads_of(dump, ox.DefaultGraph()) == quads_of(served.store, ox.DefaultGraph())
    finally:
        served.close()


def test_a_dump_keeps_the_triples_only_the_default_graph_holds(tmp_path):
    (tmp_path / "plain.nt").write_text('<http://ex.org/a> <http://ex.org/p> "in no named graph" .\n')
    (tmp_path / "named.nq").write_text('<http://ex.org/b> <http://ex.org/p> "named" <http://ex.org/g> .\n')
    load_files(tmp_path / "data", [tmp_path / "plain.nt", tmp_path / "named.nq"])
    served = open_store(tmp_path / "data")
    try:
        assert len(quads_of(served.store, ox.DefaultGraph())) == 2  # the store's default graph: the union
        lines = gzip.decompress(served.dump_file("graph.nq.gz").read_bytes()).decode().splitlines()
    finally:
        served.close()
    assert sorted(lines) == ['<http://ex.org/a> <http://ex.org/p> "in no named graph" .',
                             '<http://ex.org/b> <http://ex.org/p> "named" <http://ex.org/g> .']


def test_search_answers_carry_validators_and_a_match_is_304_for_json_and_pages_apart(http):
    found = http.get("/search?q=knox", headers={"Accept": "application/json"})
    assert found.status_code == 200 and found.json()["total"] > 0
    etag = found.headers["etag"]
    assert etag.startswith('W/"') and found.headers["cache-control"] == "public, max-age=300" and "Accept" in vary(found)
    again = http.get("/search?q=knox", headers={"Accept": "application/json", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    page = http.get("/search?q=knox", headers={**BROWSER, "If-None-Match": etag})
    assert page.status_code == 200 and page.headers["etag"] != etag  # the page is another representation
    other = http.get("/search?q=nazarbayev", headers={"Accept": "application/json", "If-None-Match": etag})
    assert other.status_code == 200
