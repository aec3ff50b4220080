"""Bad and oversized input on the routes besides /sparql: one precise 4xx problem, never a 500,
and limits that hold (in-process over the in-memory engine)."""

from __future__ import annotations

import json
import time

import pytest

from tests.support.app import in_process
from tests.support.problems import problem


@pytest.fixture(scope="module")
def http(memory_engine):
    with in_process(memory_engine, max_request_bytes=20_000, time_limit=0.5) as client:
        yield client


def reconcile(http, queries) -> object:
    return http.post("/reconcile", data={"queries": queries if isinstance(queries, str) else json.dumps(queries)})


@pytest.mark.parametrize("spec,field", [
    ('{"q0": {"query": "knox", "limit": 1e309}}', "limit"),  # Infinity once parsed
    ('{"q0": {"query": "knox", "limit": Infinity}}', "limit"),
    ('{"q0": {"query": "knox", "limit": NaN}}', "limit"),
    ('{"q0": {"query": "knox", "limit": true}}', "limit"),
    ('{"q0": {"query": "knox", "properties": 7}}', "properties"),
    ('{"q0": {"query": "knox", "properties": [{"pid": {"x": 1}, "v": "a"}]}}', "pid"),
    ('{"q0": {"query": "knox", "properties": [{"pid": "basedIn", "v": [null]}]}}', "`v`"),
])
def test_every_reconciliation_input_is_checked_naming_the_field(http, spec, field):
    assert field in problem(reconcile(http, spec), 400)["detail"]


def test_json_nested_deep_is_a_400_not_a_500(http):
    for nested in ("[" * 8000 + "]" * 8000, '{"q0":' * 2500 + "{}" + "}" * 2500):
        response = http.post("/reconcile", content=nested, headers={"Content-Type": "application/json"})
        assert "nested too deep" in problem(response, 400)["detail"]


def test_a_reconciliation_body_over_the_cap_is_413(http):
    big = {"q0": {"query": "x" * 30_000}}
    assert "larger than 20000 bytes" in problem(reconcile(http, big), 413)["detail"]
    problem(http.post("/reconcile", content=json.dumps(big), headers={"Content-Type": "application/json"}), 413)


def test_search_and_reconciliation_stop_at_the_time_limit(http, monkeypatch):
    from graph.search import SearchIndex

    index = http.app.app.state.versions.current.search_index
    slow = lambda *args, **kwargs: time.sleep(1.5) or []  # noqa: E731
    monkeypatch.setattr(index, "search", slow)
    started = time.monotonic()
    body = problem(http.get("/search", params={"q": "knox"}), 503)
    assert "time limit of 0.5 s" in body["detail"] and time.monotonic() - started < 1.2
    reconciler = http.app.app.state.versions.current.reconciler
    monkeypatch.setattr(reconciler, "reconcile", slow)
    problem(reconcile(http, {"q0": {"query": "knox"}}), 503)
    assert isinstance(index, SearchIndex)


@pytest.mark.parametrize("path", ["/search?q=knox", "/reconcile", "/sameas?uri=Q232", "/health", "/.well-known/void",
                                  "/ontology", "/context.jsonld", "/id/person/colin-knox"])
def test_head_is_answered_wherever_get_is(http, path):
    get, head = http.get(path), http.head(path)
    assert head.status_code == get.status_code and head.status_code in (200, 303), path
    assert head.content == b"" and head.headers.get("content-type") == get.headers.get("content-type")


def test_headers_over_the_cap_are_431_on_every_route(http):
    for path in ("/sparql?query=ASK%7B%7D", "/health", "/id/person/colin-knox"):
        assert "8192" in problem(http.get(path, headers={"X-Padding": "x" * 9000}), 431)["detail"]
    assert http.get("/health", headers={"X-Padding": "x" * 6000}).status_code == 200
