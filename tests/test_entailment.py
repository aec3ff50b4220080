"""The entailed graph: what the standard vocabularies reach, and that it is kept apart and marked."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from graph.entailment import Rules, entail
from graph.vocabulary import load_ontology
from tests.support.paths import BASE
from tests.support.queries import rows

PREFIXES = f"""
PREFIX kgo: <{BASE}/ontology#>
PREFIX schema: <http://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
ENTAILED = f"<{BASE}/graph/entailed>"


def values(engine, query: str) -> set[str]:
    return {next(iter(row.values())) for row in rows(engine, PREFIXES + query)}


def count(engine, query: str) -> int:
    return int(rows(engine, PREFIXES + query)[0]["n"])


@pytest.mark.parametrize("standard,ours", [
    ("SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a schema:Person }", "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a kgo:Person }"),
    ("SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a org:Organization }", "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a/rdfs:subClassOf* kgo:Organization }"),
    ("SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a schema:Event }", "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a/rdfs:subClassOf* kgo:Event }"),
    ("SELECT (COUNT(*) AS ?n) { ?e schema:organizer ?o }", "SELECT (COUNT(*) AS ?n) { ?e kgo:organizer ?o }"),
    ("SELECT (COUNT(*) AS ?n) { ?m org:member ?p ; org:organization ?o }", "SELECT (COUNT(*) AS ?n) { ?m kgo:holder ?p ; kgo:postIn ?o }"),
    ("SELECT (COUNT(*) AS ?n) { ?o org:hasSubOrganization ?u }", "SELECT (COUNT(*) AS ?n) { ?u kgo:subOrganizationOf ?o }"),
    (f"SELECT (COUNT(DISTINCT ?x) AS ?n) {{ GRAPH ?g {{ ?x skos:prefLabel ?l }} FILTER(?g != <{BASE}/ontology>) }}",
     "SELECT (COUNT(DISTINCT ?x) AS ?n) { GRAPH ?g { ?x rdfs:label ?l } ?g a kgo:ArticleGraph }"),
    ("SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x prov:wasDerivedFrom ?a . ?a a kgo:NewsArticle FILTER NOT EXISTS { ?x a kgo:Assertion } }",
     "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?a schema:mentions ?x }"),
])
def test_a_query_in_standard_terms_finds_what_the_kgo_terms_find(engine, standard, ours):
    found = count(engine, standard)
    assert found > 0
    assert found == count(engine, ours)


def test_where_is_one_property_over_based_in_venue_place_and_jurisdiction(engine):
    assert count(engine, "SELECT (COUNT(*) AS ?n) { ?e schema:location ?p }") >= count(engine, """
        SELECT (COUNT(*) AS ?n) { { ?e kgo:basedIn ?p } UNION { ?e kgo:venue ?p } UNION { ?e kgo:place ?p } UNION { ?e kgo:jurisdiction ?p } }""")
    assert f"{BASE}/id/event/executive-training-senior-officials-2025" not in values(engine, "SELECT ?e { ?e kgo:locatedIn ?p }")


def test_partnership_is_found_from_both_ends(engine):
    bit, nac = f"{BASE}/id/organization/behavioural-insights-team", f"{BASE}/id/organization/national-analytical-center"
    assert nac in values(engine, f"SELECT ?o {{ <{bit}> kgo:partner ?o }}")
    assert bit in values(engine, f"SELECT ?o {{ <{nac}> kgo:partner ?o }}")


def test_relations_are_walked_both_ways(engine):
    nac = f"{BASE}/id/organization/national-analytical-center"
    assert f"{BASE}/id/organization/nac-management-board" in values(engine, f"SELECT ?u {{ <{nac}> org:hasSubOrganization ?u }}")
    assert f"{BASE}/id/organization/national-analytical-center" in values(engine, f"SELECT ?o {{ <{BASE}/id/organization/nazarbayev-university> kgo:hosts ?o }}")
    posts = values(engine, f"SELECT ?post {{ <{BASE}/id/person/rassul-rysmambetov> kgo:holds ?post }}")
    assert posts == {f"{BASE}/id/position/rassul-rysmambetov-chairman-nac-management-board"}
    events = values(engine, f"SELECT ?e {{ <{BASE}/id/person/waqar-ahmad> kgo:spokeAt ?e }}")
    assert f"{BASE}/id/event/executive-training-senior-officials-2025" in events


def test_a_part_without_a_date_falls_within_its_wholes_dates_as_derived(engine):
    lecture = f"<{BASE}/id/event/nu-guest-lecture-2025>"
    window = rows(engine, PREFIXES + f"SELECT ?from ?to {{ GRAPH {ENTAILED} {{ {lecture} kgo:notBefore ?from ; kgo:notAfter ?to }} }}")
    assert window == [{"from": "2025-06-09", "to": "2025-06-11"}]
    asserted = rows(engine, PREFIXES + f"SELECT ?g {{ GRAPH ?g {{ {lecture} kgo:notBefore ?d }} ?g a kgo:ArticleGraph }}")
    assert asserted == []


def test_the_entailed_graph_says_it_is_derived_and_from_what(engine):
    described = rows(engine, PREFIXES + f"SELECT ?source {{ GRAPH {ENTAILED} {{ {ENTAILED} a kgo:EntailedGraph ; prov:wasDerivedFrom ?source }} }}")
    sources = {row["source"] for row in described}
    articles = values(engine, "SELECT ?g { GRAPH ?g { ?g a kgo:ArticleGraph } }")
    assert articles and articles | {f"{BASE}/ontology"} == sources


def test_no_derived_triple_has_a_quote_or_repeats_an_asserted_one(engine):
    assert count(engine, f"""SELECT (COUNT(*) AS ?n) {{ GRAPH {ENTAILED} {{ ?s ?p ?o }}
        GRAPH ?g {{ ?s ?p ?o }} ?g a kgo:ArticleGraph }}""") == 0
    assert count(engine, f"""PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT (COUNT(*) AS ?n) {{ GRAPH {ENTAILED} {{ ?s ?p ?o }}
        ?a a kgo:Assertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }}""") == 0


def test_every_term_of_the_entailed_graph_comes_from_the_ontology(engine, ns):
    ontology = load_ontology(ns)
    known = {t for t in ontology.all_nodes() if isinstance(t, URIRef)}
    terms = values(engine, f"SELECT DISTINCT ?t {{ GRAPH {ENTAILED} {{ {{ ?s ?t ?o }} UNION {{ ?s a ?t }} }} }}")
    assert {t for t in terms if URIRef(t) not in known} == set()


def test_the_rules_reach_a_fixed_point_through_subproperties_inverses_and_transitivity():
    ex = "http://example.org/"
    ontology = Graph()
    p, q, inv, trans = (URIRef(ex + n) for n in ("p", "q", "inv", "trans"))
    ontology.add((p, RDFS.subPropertyOf, trans))
    ontology.add((trans, RDF.type, OWL.TransitiveProperty))
    ontology.add((trans, OWL.inverseOf, inv))
    ontology.add((q, RDF.type, OWL.SymmetricProperty))
    a, b, c = (URIRef(ex + n) for n in "abc")
    derived = entail([(a, p, b), (b, p, c), (a, q, c), (a, RDFS.label, Literal("A"))], Rules(ontology, _Kgo(ex)))
    assert {(a, trans, b), (b, trans, c), (a, trans, c), (c, inv, a), (b, inv, a), (c, inv, b), (c, q, a)} <= derived
    assert (a, p, c) not in derived  # transitivity belongs to the transitive property only
    assert (a, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), Literal("A")) in derived


class _Kgo:
    def __init__(self, base: str):
        self.base = base

    def __getattr__(self, name: str) -> URIRef:
        return URIRef(self.base + name)


def test_the_entity_page_shows_derived_statements_apart_and_the_rdf_document_holds_the_asserted_only(http):
    page = http.get("/id/person/colin-knox", headers={"Accept": "text/html"}).text
    derived = page.split("<h2>Derived</h2>", 1)
    assert len(derived) == 2, "no Derived section"
    assert "schema:Person" in derived[1].split("<h2>", 1)[0] and "no quote of its own" in derived[1]
    assert "schema:Person" not in derived[0]
    turtle = http.get("/id/person/colin-knox", headers={"Accept": "text/turtle"}).text
    assert "schema:Person" not in turtle and "kgo:Person" in turtle
    assert http.get("/id/person/colin-knox", headers={"Accept": "application/ld+json"}).json()["@type"] == ["kgo:Person"]


def test_a_posts_holder_is_an_org_member_of_its_organisation_by_the_ontologys_property_chain(engine):
    nac_board = f"{BASE}/id/organization/nac-management-board"
    assert f"{BASE}/id/person/rassul-rysmambetov" in values(engine, f"SELECT ?p {{ ?p org:memberOf <{nac_board}> }}")
    assert f"{BASE}/id/person/rassul-rysmambetov" in values(engine, f"SELECT ?p {{ <{nac_board}> org:hasMember ?p }}")
    assert f"{BASE}/id/person/rassul-rysmambetov" in values(engine, f"SELECT ?p {{ ?p schema:memberOf <{nac_board}> }}")


def test_alternative_labels_are_schema_alternate_names(engine):
    assert "NU" in values(engine, f"SELECT ?n {{ <{BASE}/id/organization/nazarbayev-university> schema:alternateName ?n }}")
