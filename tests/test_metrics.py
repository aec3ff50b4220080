"""/metrics for operators (issue 18): the Prometheus text format as prometheus-client's own parser
reads it, counters that move with the requests made (by route template and status), latency
histograms, the graph version served, answers cut at the result limit, document cache hits;
switched off or moved to a port of its own by KG_METRICS."""

from __future__ import annotations

import socket

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from graph.errors import KgError
from kg.settings import Settings
from tests.support.app import in_process


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "pid"))
            samples[(sample.name, labels)] = sample.value
    return samples


def test_request_counters_and_latency_move_by_route_template_and_status(memory_engine):
    with in_process(memory_engine) as client:
        before = scrape(client)
        for _ in range(2):
            assert client.get("/id/person/colin-knox", headers={"Accept": "application/ld+json"}).status_code == 200
        assert client.get("/id/person/nobody-at-all", headers={"Accept": "application/ld+json"}).status_code == 404
        after = scrape(client)
    ok = ("kg_http_requests_total", (("method", "GET"), ("route", "/id/{path:path}"), ("status", "200")))
    missing = ("kg_http_requests_total", (("method", "GET"), ("route", "/id/{path:path}"), ("status", "404")))
    assert after[ok] - before.get(ok, 0) == 2 and after[missing] - before.get(missing, 0) == 1
    latency = ("kg_http_request_duration_seconds_count", (("route", "/id/{path:path}"),))
    assert after[latency] - before.get(latency, 0) == 3
    assert not any("colin-knox" in str(labels) for _, labels in after)  # one series per route, not per IRI


def test_the_version_served_and_the_document_cache_are_reported(memory_engine):
    with in_process(memory_engine) as client:
        version = client.get("/health").json()["version"]
        client.get("/id/person/colin-knox", headers={"Accept": "text/turtle"})
        first = scrape(client)
        client.get("/id/person/colin-knox", headers={"Accept": "text/turtle"})
        second = scrape(client)
    [info] = [labels for name, labels in second if name == "kg_graph_info"]
    assert dict(info)["version"] == version and second[("kg_graph_info", info)] == 1
    assert second[("kg_graph_triples", ())] > 1000
    assert second[("kg_document_cache_hits_total", ())] == first[("kg_document_cache_hits_total", ())] + 1
    assert second[("kg_queries_timed_out_total", ())] == 0  # the in-memory engine has no query process to stop


def test_answers_cut_at_the_result_limit_are_counted(memory_engine):
    with in_process(memory_engine, result_limit=5) as client:
        before = scrape(client).get(("kg_sparql_results_cut_total", ()), 0)
        cut = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
        whole = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"}, headers={"Accept": "text/csv"})
        after = scrape(client)[("kg_sparql_results_cut_total", ())]
    assert "kg-results-truncated" in cut.headers and "kg-results-truncated" not in whole.headers
    assert after - before == 1


def test_metrics_can_be_switched_off(memory_engine):
    with in_process(memory_engine, metrics="off") as client:
        assert client.get("/metrics").status_code == 404


def test_metrics_can_be_served_on_a_port_of_their_own(memory_engine):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with in_process(memory_engine, metrics=str(port)) as client:
        client.get("/search", params={"q": "knox"})
        assert client.get("/metrics").status_code == 404  # not on the service's port
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert 'route="/search"' in text and "kg_graph_info" in text


@pytest.mark.parametrize("value, workers, message", [
    ("sometimes", 1, "KG_METRICS='sometimes': use on, off, or a port number"),
    ("9100", 2, "KG_METRICS=9100: a metrics port of its own needs KG_WORKERS=1"),
])
def test_a_bad_metrics_setting_is_refused_with_the_reason(value, workers, message):
    with pytest.raises(KgError, match=message.replace("(", r"\(")):
        Settings(metrics=value, workers=workers).service()


def test_made_up_methods_and_paths_make_no_series_of_their_own(memory_engine):
    with in_process(memory_engine) as client:
        for i in range(5):
            client.request(f"BREW{i}", "/search")
            client.get(f"/no/such/page/{i}")
        series = [labels for name, labels in scrape(client) if name == "kg_http_requests_total"]
    assert not any("BREW" in str(labels) or "/no/such" in str(labels) for labels in series)
    assert any(dict(labels)["method"] == "OTHER" for labels in series)
    assert any(dict(labels)["route"] == "(no route)" and dict(labels)["status"] == "404" for labels in series)
