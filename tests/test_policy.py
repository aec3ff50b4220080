"""The admission policy (graph/policy.py), the same for every engine and front end."""

from __future__ import annotations

import pytest

from graph.errors import QueryRefused, UpdateRefused
from graph.policy import QueryPolicy

GRAPHS = frozenset({"http://kg.test/graph/a", "http://kg.test/graph/b"})
PREFIXES = {"g": "http://kg.test/graph/"}


def admit(query: str, policy: QueryPolicy = QueryPolicy(), **dataset) -> str:
    return policy.admit(query, PREFIXES, GRAPHS, **dataset).form


def refusal(query: str, policy: QueryPolicy = QueryPolicy(), **dataset) -> str:
    with pytest.raises(QueryRefused) as refused:
        admit(query, policy, **dataset)
    return str(refused.value)


def test_a_plain_query_is_admitted_with_its_form():
    assert admit("SELECT * WHERE { ?s ?p ?o }") == "SELECT"
    assert admit("SELECT * FROM g:a FROM NAMED <http://kg.test/graph/b> WHERE { ?s ?p ?o }") == "SELECT"
    assert admit("ASK {}", default_graphs=["http://kg.test/graph/a"], named_graphs=["http://kg.test/graph/b"]) == "ASK"


def test_updates_are_refused_as_updates():
    with pytest.raises(UpdateRefused):
        admit("INSERT DATA { <x:a> <x:b> <x:c> }")


@pytest.mark.parametrize("query,dataset,named", [
    ("SELECT * FROM <http://elsewhere.org/g> WHERE { ?s ?p ?o }", {}, "FROM <http://elsewhere.org/g>"),
    ("SELECT * FROM g:c WHERE { ?s ?p ?o }", {}, "FROM <http://kg.test/graph/c>"),
    ("SELECT * FROM NAMED <http://elsewhere.org/g> WHERE { ?s ?p ?o }", {}, "FROM NAMED <http://elsewhere.org/g>"),
    ("ASK {}", {"default_graphs": ["http://elsewhere.org/g"]}, "default-graph-uri <http://elsewhere.org/g>"),
    ("ASK {}", {"named_graphs": ["http://elsewhere.org/g"]}, "named-graph-uri <http://elsewhere.org/g>"),
])
def test_a_graph_outside_the_dataset_is_refused_naming_it(query, dataset, named):
    assert refusal(query, **dataset).startswith(named)


def test_service_only_to_the_allowed_endpoints():
    query = "SELECT * WHERE { SERVICE <http://remote.org/sparql> { ?s ?p ?o } }"
    assert "not allowed" in refusal(query)
    assert admit(query, QueryPolicy(service_allowlist=("http://remote.org/sparql",))) == "SELECT"


def test_depth_and_pragmas():
    assert "nested 201 levels" in refusal("ASK " + "{" * 201 + "}" * 201)
    assert "pragma" in refusal('define get:soft "replace" SELECT * WHERE { ?s ?p ?o }')


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }",  # 10 KB: crashed the query process
    "SELECT * WHERE { ?s " + "/".join(["<http://e/p>"] * 10_000) + " ?o }",  # a 10,000-step path: the same
    "ASK {}" + " UNION {}" * 7_000,
])
def test_flat_but_long_chains_that_crash_the_engine_are_refused_naming_the_limit(query):
    assert refusal(query).endswith("the limit is 1000")
