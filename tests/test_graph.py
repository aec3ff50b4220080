"""Properties of the built graph: provenance, identity, determinism, coverage of the ontology and shapes."""

from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import OWL, RDFS, SH

from graph.quotes import normalise
from graph.vocabulary import Vocabulary, load_ontology, load_shapes
from tests.support.paths import BASE, CORPUS, needs_corpus
from tests.support.queries import rows


def test_one_named_graph_per_article_with_its_metadata(engine):
    articles = rows(engine, """
        SELECT ?graph ?file ?url WHERE {
          GRAPH ?graph { ?graph a kgo:ArticleGraph ; dcterms:source ?article .
                         ?article kgo:sourceFile ?file ; schema:url ?url ; schema:publisher ?publisher } }""")
    assert sorted(a["file"] for a in articles) == [
        "000_6a728bf7d395fcc2.txt", "001_3cbba066ae2e4c25.txt", "002_af4b8f91d62aa13d.txt",
        "003_5275ec960448982b.txt", "004_1eaac0052576f68d.txt",
    ]


@needs_corpus
def test_every_quote_occurs_in_its_article(engine):
    quotes = rows(engine, """
        SELECT ?quote ?file WHERE { ?passage oa:hasSource/kgo:sourceFile ?file ; oa:hasSelector/oa:exact ?quote }""")
    assert len(quotes) > 300
    texts = {f: normalise((CORPUS / f).read_text()) for f in {q["file"] for q in quotes}}
    missing = [q for q in quotes if normalise(q["quote"]) not in texts[q["file"]]]
    assert missing == []


def test_every_fact_about_an_entity_has_an_assertion_with_evidence(engine):
    unsupported = rows(engine, """
        SELECT ?s ?p ?o WHERE {
          GRAPH ?g { ?g a kgo:ArticleGraph . ?s ?p ?o }
          FILTER(STRSTARTS(STR(?s), STR(person:)) || STRSTARTS(STR(?s), STR(organization:)) || STRSTARTS(STR(?s), STR(event:)))
          FILTER(?p NOT IN (kgo:curatorNote, kgo:curatorInterpretation))
          FILTER NOT EXISTS { GRAPH ?g { ?a rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; oa:hasTarget ?target } }
        }""")
    assert unsupported == []


def test_an_entity_named_in_several_articles_is_one_node_with_several_sources(engine):
    [row] = rows(engine, """
        SELECT (COUNT(DISTINCT ?article) AS ?n) (COUNT(DISTINCT ?label) AS ?labels) WHERE {
          ?article schema:mentions organization:nazarbayev-university .
          organization:nazarbayev-university rdfs:label ?label }""")
    assert row == {"n": "3", "labels": "1"}


def test_abbreviations_are_alternative_labels(engine):
    alts = {r["alt"] for r in rows(engine, "SELECT ?alt WHERE { ?e skos:altLabel ?alt }")}
    assert {"NU", "NAC", "BIT"} <= alts


def test_no_blank_nodes(engine):
    assert rows(engine, "SELECT ?s WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) } LIMIT 1") == []


def test_united_america_is_recorded_as_the_united_states_with_a_note(engine):
    notes = rows(engine, """
        SELECT ?note WHERE { place:united-states skos:altLabel "United America"@en .
          ?a rdf:subject ?session ; rdf:predicate kgo:participantCountry ; rdf:object place:united-states ;
             kgo:curatorNote|kgo:curatorInterpretation ?note }""")
    assert notes and all("United America" in row["note"] for row in notes)


def test_articles_without_a_date_say_so(engine):
    undated = {r["file"] for r in rows(engine, """
        SELECT ?file WHERE { ?a kgo:notStated schema:datePublished ; kgo:sourceFile ?file }""")}
    assert undated == {"000_6a728bf7d395fcc2.txt", "002_af4b8f91d62aa13d.txt", "004_1eaac0052576f68d.txt"}


def test_qualified_figures_keep_their_qualifier(engine):
    figures = {(r["value"], r["qualifier"]) for r in rows(engine, """
        SELECT ?value ?qualifier WHERE { ?f a kgo:StatedQuantity ; schema:value ?value ; kgo:qualifier/rdfs:label ?qualifier }""")}
    assert {("40", "around"), ("600", "over"), ("4000", "over"), ("40", "exactly")} <= figures


def test_boilerplate_is_not_content(engine):
    # article 004 names UNDP, the IMF and the World Bank only in its list of unrelated headlines
    mentioned = {r["label"] for r in rows(engine, """
        SELECT ?label WHERE { ?article kgo:sourceFile "004_1eaac0052576f68d.txt" ; schema:mentions/rdfs:label ?label }""")}
    assert not {"UNDP", "IMF", "World Bank"} & mentioned


def test_every_class_and_property_used_is_declared_labelled_and_defined(engine, ns):
    ontology = load_ontology(ns)
    vocabulary = Vocabulary(ontology)
    used = rows(engine, """
        SELECT DISTINCT ?term WHERE { GRAPH ?g { { ?s ?term ?o } UNION { ?s a ?term } }
                                      FILTER(?g NOT IN (<%s/ontology>, <%s/graph/entailed>)) }""" % (BASE, BASE))
    for row in used:
        term = row["term"]
        iri = URIRef(term)
        assert iri in vocabulary.classes or iri in vocabulary.properties, f"{term} is not declared in the ontology"
        assert ontology.value(iri, RDFS.label) is not None, f"{term} has no rdfs:label"
        assert ontology.value(iri, RDFS.comment) is not None, f"{term} has no rdfs:comment"


def test_every_ontology_term_has_an_english_label_and_comment(ns):
    ontology = load_ontology(ns)
    vocabulary = Vocabulary(ontology)
    for term in vocabulary.classes | vocabulary.properties:
        if str(term).startswith(str(ns.kgo)):
            assert ontology.value(term, RDFS.label).language == "en", term
            assert ontology.value(term, RDFS.comment).language == "en", term
    assert ontology.value(ns.ontology_graph, OWL.versionInfo) is not None


def test_every_ontology_class_is_the_target_of_a_shape(ns):
    vocabulary = Vocabulary(load_ontology(ns))
    targeted = set(load_shapes(ns).objects(None, SH.targetClass))
    ours = {c for c in vocabulary.classes if str(c).startswith(str(ns.kgo))}
    assert ours - targeted == set()


def test_standard_vocabularies_are_aligned(ns):
    ontology = load_ontology(ns)
    parents = {str(o) for s in Vocabulary(ontology).classes for o in ontology.objects(s, RDFS.subClassOf)}
    for namespace in ("http://schema.org/", "http://www.w3.org/ns/org#", "http://www.w3.org/ns/prov#",
                      "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/ns/oa#"):
        assert any(p.startswith(namespace) for p in parents), namespace


def test_a_built_store_carries_no_leftover_write_ahead_log(data_dir):
    logs = [p for p in (data_dir / "stores").glob("*/oxigraph/*.log") if p.stat().st_size > 4096]
    assert logs == []


ALIAS_EVIDENCE = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?entity ?alias ?quote WHERE {
  ?entity skos:altLabel ?alias .
  OPTIONAL { ?a rdf:subject ?entity ; rdf:predicate skos:altLabel ; rdf:object ?alias ; oa:hasTarget/oa:hasSelector/oa:exact ?quote }
}"""


def test_every_alternative_label_is_backed_by_a_quote_that_contains_it(engine):
    found = [r for r in rows(engine, ALIAS_EVIDENCE) if "/id/" in r["entity"]]
    assert len(found) > 30
    unsupported = [r for r in found if r.get("quote") is None or r["alias"].casefold() not in r["quote"].casefold()]
    assert unsupported == []


ARTICLE_METADATA = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX kgo: <%s/ontology#>
SELECT ?quote ?note WHERE {
  ?article kgo:sourceFile "%s" .
  ?a rdf:subject ?article ; rdf:predicate <%s> .
  OPTIONAL { ?a oa:hasTarget/oa:hasSelector/oa:exact ?quote }
  OPTIONAL { ?a kgo:curatorNote ?note }
}"""


@pytest.mark.parametrize("file,prop,quote", [
    ("003_5275ec960448982b.txt", "http://schema.org/datePublished", "Jan 28, 2016"),
    ("001_3cbba066ae2e4c25.txt", "http://schema.org/datePublished", "2020, December 10"),
    ("004_1eaac0052576f68d.txt", "http://schema.org/author", "Adlet Seilkhanov"),
])
def test_article_metadata_is_evidenced_by_the_line_that_states_it(engine, file, prop, quote):
    assert rows(engine, ARTICLE_METADATA % (BASE, file, prop)) == [{"quote": quote}]


def test_article_metadata_the_text_does_not_state_says_it_comes_from_the_corpus_table(engine):
    [found] = rows(engine, ARTICLE_METADATA % (BASE, "004_1eaac0052576f68d.txt", "http://schema.org/publisher"))
    assert "quote" not in found and "corpus metadata table" in found["note"]
    [unsaid] = rows(engine, ARTICLE_METADATA % (BASE, "000_6a728bf7d395fcc2.txt", f"{BASE}/ontology#notStated"))[:1]
    assert "does not state" in unsaid["note"]
