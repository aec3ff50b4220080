"""The lexer that finds SERVICE, FROM and updates before a query runs, checked against rdflib's
full SPARQL parser on generated queries: whenever the parser sees a SERVICE call, so does the lexer."""

from __future__ import annotations

import random

import pytest
from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

from graph.sparql_guard import analyse, lex

PIECES = [
    "?s ?p ?o .", "FILTER(?o != 'SERVICE')", 'BIND("SERVICE <http://x/>" AS ?b)', "# SERVICE <http://c/>\n",
    "OPTIONAL { ?s <http://ex.org/p> ?q }", "SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o }",
    "service silent <http://127.0.0.1:9/x> { ?a ?b ?c }", "SERVICE ex:remote { ?x ?y ?z }",
    "{ ?s ?p ?o } UNION { ?s ?q ?o }", "FILTER(CONTAINS(STR(?o), \"\"\"SERVICE \"quoted\" <x:y>\"\"\"))",
    "VALUES ?v { 'a' \"b\" }", "?s <http://ex.org/SERVICE> ?o .", "?SERVICE ?p ?o .",
    "GRAPH ?g { ?s ?p ?o }", "MINUS { ?s ?p 'x' }", "FILTER(?o < 3 && ?o > 1)",
]


def has_service(tree) -> bool:
    if isinstance(tree, ParseResults) or isinstance(tree, (list, tuple)):
        return any(has_service(item) for item in tree)
    if hasattr(tree, "name") and getattr(tree, "name", None) == "ServiceGraphPattern":
        return True
    if isinstance(tree, dict):
        return any(has_service(v) for v in tree.values())
    return False


def generated(seed: int) -> str:
    rng = random.Random(seed)
    body = " ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 5)))
    return f"PREFIX ex: <http://ex.org/>\nSELECT * WHERE {{ {body} }}"


def test_the_lexer_sees_every_service_the_parser_sees():
    checked = 0
    for seed in range(300):  # one test, 300 generated queries (a failure names its seed)
        query = generated(seed)
        try:
            tree = parseQuery(query)
        except ParseException:
            continue  # not a valid query
        analysis = analyse(query)
        assert has_service(tree) == bool(analysis.service_endpoints), f"seed {seed}: {query}"
        assert analysis.form == "SELECT" and not analysis.is_update, f"seed {seed}: {query}"
        checked += 1
    assert checked > 200  # the generator makes valid queries, mostly


@pytest.mark.parametrize("update", [
    "INSERT DATA { <x:a> <x:b> <x:c> }", "PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }", "LOAD <http://x/y>",
    "CLEAR ALL", "drop graph <x:g>", "WITH <x:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "COPY <x:a> TO <x:b>",
])
def test_updates_are_recognised(update):
    parseUpdate(update)  # it is a valid update
    assert analyse(update).is_update


def test_virtuoso_pragmas_before_the_query_are_listed():
    analysis = analyse('define get:soft "replace" define input:inference "x" SELECT * WHERE { ?s ?p ?o }')
    assert analysis.pragmas == ['define get:soft "replace"', 'define input:inference "x"'] and analysis.form == "SELECT"
    assert analyse("SELECT ?define WHERE { ?define ?p ?o }").pragmas == []


def test_from_graphs_are_listed():
    analysis = analyse("PREFIX g: <http://g/> SELECT * FROM g:one FROM NAMED <http://g/two> WHERE { ?s ?p ?o }")
    assert analysis.from_graphs == ["http://g/one"] and analysis.from_named_graphs == ["http://g/two"]


SHORTCUT_PIECES = [
    "?s ?p ?o .", "FILTER(?o != 'x')", "OPTIONAL { ?s <http://ex.org/p> ?q }", "{ ?s ?p ?o } UNION { ?s ?q ?o }",
    "VALUES ?v { 'a' \"b\" }", "GRAPH ?g { ?s ?p ?o }", "MINUS { ?s ?p 'x' }", "FILTER(?o < 3 && (?o > 1))",
    "# a comment (with a bracket\n", "BIND(\"}\" AS ?b)", "?s ex:p [ ex:q ?r ] .",
]


def test_the_shortcut_for_plain_queries_agrees_with_the_lexer():
    for seed in range(200):  # one test, 200 generated queries (a failure names its seed)
        rng = random.Random(seed)
        body = " ".join(rng.choice(SHORTCUT_PIECES) for _ in range(rng.randint(1, 6)))
        prologue = rng.choice(["", "PREFIX ex: <http://ex.org/>\n", "# q\nprefix ex:<http://ex.org/> BASE <http://b/>\n"])
        form = rng.choice(["SELECT * WHERE", "select ?s", "ASK", "CONSTRUCT WHERE", "DESCRIBE ?s WHERE"])
        query = f"{prologue}{form} {{ {body} }}"
        fast, full = analyse(query), lex(query)
        assert (fast.form, fast.is_update, fast.service_endpoints) == (full.form, full.is_update, full.service_endpoints), f"seed {seed}"
        assert fast.max_depth >= full.max_depth, f"seed {seed}"  # a bound when the shortcut was taken


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", "ASK { ?s ?p ?o } # insert here",
    "SELECT * FROM <http://g/> WHERE { ?s ?p ?o }", "ASK " + "{" * 201 + "}" * 201,
])
def test_queries_that_may_name_a_keyword_or_nest_deep_take_the_lexer(query):
    assert analyse(query) == lex(query)


def test_queries_that_differ_in_their_iris_and_strings_have_one_shape():
    from graph.sparql_guard import query_shape

    lookup = "SELECT ?p ?o WHERE { <http://ex.org/%s> ?p ?o ; rdfs:label %s }"
    assert query_shape(lookup % ("a", '"A"@en')) == query_shape(lookup % ("b/c", "'it\\'s'@en"))
    assert query_shape("SELECT * { ?s ?p ?o } LIMIT 10") != query_shape("SELECT * { ?s ?p ?o } LIMIT 100000")


def test_the_shortcuts_bound_never_refuses_a_query_the_depth_limit_allows():
    from graph.policy import MAX_DEPTH
    from graph.sparql_guard import FAST_DEPTH

    assert FAST_DEPTH <= MAX_DEPTH  # else a wide, shallow query would be refused as deep
    wide = "SELECT * WHERE { " + "{ ?s ?p ?o } UNION " * (FAST_DEPTH - 2) + "{ ?s ?p ?o } }"
    assert wide.count("{") == FAST_DEPTH and analyse(wide).max_depth <= MAX_DEPTH


def test_the_shortcuts_operator_bound_never_refuses_a_query_the_limit_allows():
    from graph.policy import MAX_OPERATORS
    from graph.sparql_guard import FAST_OPERATORS

    assert FAST_OPERATORS <= MAX_OPERATORS
    for query in ("SELECT * WHERE { ?s <http://ex.org/a/b/c> ?o FILTER(!(?o = 1 || ?o = 2)) }",
                  "ASK { {} UNION {} UNION { ?s ex:p/ex:q|^ex:r ?o } }",
                  "SELECT ?x WHERE { BIND(1 + 2 * 3 - 4 / 5 AS ?x) }"):
        assert analyse(query).operators >= lex(query).operators > 0, query
