"""Evaluating a query job: the prefixes a query may use undeclared, and which of them reach the engine."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from graph.engine.evaluate import QueryJob, evaluate, used_prefixes

PREFIXES = {"ex": "http://ex.org/", "schema": "https://schema.org/", "": "http://empty.org/"}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://ex.org/a"), ox.NamedNode("https://schema.org/name"), ox.Literal("A")))
    store.add(ox.Quad(ox.NamedNode("http://other.org/a"), ox.NamedNode("https://schema.org/name"), ox.Literal("other")))
    return store


def names(store: ox.Store, query: str) -> list[str]:
    body = evaluate(store, QueryJob(query, "json", 100), PREFIXES).result.body
    return [row["n"]["value"] for row in json.loads(body)["results"]["bindings"]]


def test_only_the_prefixes_the_text_names_are_handed_on():
    assert used_prefixes("SELECT * { ?s schema:name ?n }", PREFIXES) == {"schema": "https://schema.org/", "": "http://empty.org/"}
    assert used_prefixes("SELECT * { <http://ex.org/a> ?p ?o }", PREFIXES) == {"": "http://empty.org/"}  # the empty one: any colon
    assert used_prefixes("SELECT * { ?s ?p ?o }", PREFIXES) == {}


def test_an_undeclared_default_prefix_works(store):
    assert names(store, "SELECT ?n { ex:a schema:name ?n }") == ["A"]


def test_a_declared_prefix_wins_over_the_default_of_the_same_name(store):
    assert names(store, "PREFIX ex: <http://other.org/> SELECT ?n { ex:a schema:name ?n }") == ["other"]


def test_an_undeclared_unknown_prefix_is_a_syntax_error(store):
    from graph.errors import QuerySyntaxError

    with pytest.raises(QuerySyntaxError):
        names(store, "SELECT ?n { nope:a schema:name ?n }")
