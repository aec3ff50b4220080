"""The engine seam: the read models give the same answers over the embedded engine (index
lookups, graph/engine/embedded.py) and over the in-memory one, which answers everything with
SPARQL as a remote endpoint would (graph/engine/memory.py)."""

from __future__ import annotations

import asyncio

import pytest
import rdflib.compare

from graph.engine import QueryJob
from graph.entity import Profiles, describe
from graph.links import linked_entity
from graph.search import SearchIndex
from graph.service_description import void_description
from tests.support.paths import BASE

SEGMENTS = ("person", "organization", "place", "event", "project", "policy", "topic", "position", "view", "article")


@pytest.fixture(scope="module")
def entities(engine) -> list[str]:
    filters = " || ".join(f'STRSTARTS(STR(?e), "{BASE}/id/{segment}/")' for segment in SEGMENTS)
    rows = engine.select(f"SELECT DISTINCT ?e WHERE {{ ?e a ?c FILTER(({filters}) && !CONTAINS(STR(?e), '#')) }} ORDER BY ?e")
    return [row["e"].value for row in rows]


def test_entity_documents_are_the_same_over_both_engines(engine, memory_engine, entities):
    assert len(entities) > 150
    embedded_profiles, memory_profiles = Profiles(engine, BASE), Profiles(memory_engine, BASE)
    assert embedded_profiles.by_kind == memory_profiles.by_kind
    context = f"{BASE}/context.jsonld"
    for iri in entities:
        by_index = describe(engine, iri, embedded_profiles, context)
        by_sparql = describe(memory_engine, iri, memory_profiles, context)
        assert by_index.triples == by_sparql.triples, iri
        assert by_index.serialize("ntriples", {}) == by_sparql.serialize("ntriples", {}), iri
    assert describe(memory_engine, f"{BASE}/id/person/nobody", memory_profiles, context) is None


def test_names_void_and_links_are_the_same_over_both_engines(engine, memory_engine):
    by_index, by_sparql = SearchIndex.from_engine(engine), SearchIndex.from_engine(memory_engine)
    assert sorted(by_index.names, key=repr) == sorted(by_sparql.names, key=repr) and by_index.types == by_sparql.types
    embedded, in_memory = void_description(BASE, engine), void_description(BASE, memory_engine)
    spdx = "http://spdx.org/rdf/terms#"  # only the embedded engine has dump files, hence their checksums
    for s_, p_, o_ in list(embedded):
        if str(p_).startswith(spdx):
            embedded.remove((s_, p_, o_))
    assert rdflib.compare.isomorphic(embedded, in_memory)
    for uri in ("Q232", "https://ror.org/052bx8q98", "http://www.geonames.org/1526273/astana.html", "Q878"):
        assert linked_entity(engine, uri) == linked_entity(memory_engine, uri)


def test_user_queries_give_the_same_bytes_over_both_engines(engine, memory_engine):
    for query, fmt in (("SELECT ?n WHERE { ?p a kgo:Person ; rdfs:label ?n } ORDER BY ?n", "json"),
                       ("ASK { ?x skos:altLabel 'NAC'@en }", "xml"),
                       ("CONSTRUCT WHERE { person:colin-knox ?p ?o }", "ntriples")):
        job = QueryJob(query, fmt, limit=1000)
        embedded, memory = asyncio.run(engine.run(job)), asyncio.run(memory_engine.run(job))
        assert embedded.form == memory.form
        if fmt == "ntriples":  # a graph: the same triples, in whatever order
            assert sorted(embedded.result.body.splitlines()) == sorted(memory.result.body.splitlines())
        else:
            assert embedded.result == memory.result
    assert engine.info.triples == memory_engine.info.triples and engine.info.graphs == memory_engine.info.graphs


def test_triples_of_a_pattern_by_index_and_by_construct_agree(engine, memory_engine):
    import pyoxigraph as ox

    knox = ox.NamedNode(f"{BASE}/id/person/colin-knox")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for pattern in ((knox, None, None), (None, None, knox), (knox, label, None), (None, label, ox.Literal("Colin Knox", language="en"))):
        assert set(engine.triples(*pattern)) == set(memory_engine.triples(*pattern)), pattern
    assert len(memory_engine.triples(None, None, None, limit=3)) == 3
    assert memory_engine.triples(ox.BlankNode("b0"), None, None) == []
