"""The project's JSON-LD context, derived from the ontology so that the two never disagree.

Every declared property gets a short term (its local name; `prefix_local` when two vocabularies
share a local name) with `@container: @set`, so that every key holds an array whatever the
number of values: a plain JSON consumer always finds the same shape. Plain strings are English
(`@language: en`); other literals are written as value objects. Three reverse terms make
provenance and incoming links readable: `evidence` (assertions about the entity), `mentionedIn`
(articles); other incoming links go under `@reverse`. A property whose local name is also a
prefix (`place`, `topic`) is called `hasPlace`, `hasTopic`.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib.namespace import RDF

from graph.namespaces import Namespaces
from graph.vocabulary import Vocabulary, load_ontology

REVERSE_TERMS = {
    "evidence": "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject",
    "mentionedIn": "http://schema.org/mentions",
}
FIXED = {
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "http://www.w3.org/2004/02/skos/core#altLabel": "altLabel",
}


def _split(iri: str) -> tuple[str, str]:
    for sep in ("#", "/"):
        if sep in iri:
            head, _, local = iri.rpartition(sep)
            return head + sep, local
    return "", iri


@lru_cache(maxsize=8)
def term_names(base: str) -> dict[str, str]:
    """Property IRI -> JSON key, for every property the ontology declares."""
    ns = Namespaces(base)
    vocabulary = Vocabulary(load_ontology(ns))
    namespaces = {iri: prefix for prefix, iri in ns.prefixes().items()}
    by_local: dict[str, list[str]] = {}
    for prop in sorted(str(p) for p in vocabulary.properties if p != RDF.type):
        by_local.setdefault(_split(prop)[1], []).append(prop)
    names: dict[str, str] = {}
    for local, iris in by_local.items():
        for iri in iris:
            if iri in FIXED:
                names[iri] = FIXED[iri]
            elif len(iris) == 1 or iri.startswith(str(ns.kgo)):
                names[iri] = local
            else:
                names[iri] = f"{namespaces.get(_split(iri)[0], 'ns')}_{local}"
    prefixes = set(ns.prefixes())
    return {iri: (f"has{name[0].upper()}{name[1:]}" if name in prefixes else name) for iri, name in names.items()}


@lru_cache(maxsize=8)
def context(base: str) -> dict:
    ns = Namespaces(base)
    ctx: dict = {"@version": 1.1, "@language": "en"}
    ctx.update(ns.prefixes())
    for iri, name in sorted(term_names(base).items(), key=lambda kv: kv[1]):
        ctx[name] = {"@id": iri, "@container": "@set"}
    for name, iri in REVERSE_TERMS.items():
        ctx[name] = {"@reverse": iri, "@container": "@set"}
    return {"@context": ctx}
