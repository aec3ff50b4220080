"""The one writer of reified statements: the node that stands for a triple, so that it can carry
evidence (an article's assertion with its quote, an identity link with its sources).

Both kinds are plain RDF 1.1 reification (`rdf:subject`, `rdf:predicate`, `rdf:object`), which
every store, SPARQL engine and JSON-LD processor reads; their IRIs are digests of what they
stand for, so that a build is deterministic.
"""

from __future__ import annotations

import hashlib

from rdflib import Graph, URIRef
from rdflib.term import Node

from graph.namespaces import RDF


def digest(*parts: str, length: int = 16) -> str:
    """The first `length` hex digits of the SHA-256 of the parts, joined by U+001F."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


def reify(graph: Graph, node: URIRef, kind: URIRef, triple: tuple[URIRef, URIRef, Node]) -> None:
    """State in `graph` that `node`, of class `kind`, stands for `triple`."""
    s, p, o = triple
    graph.add((node, RDF.type, kind))
    graph.add((node, RDF.subject, s))
    graph.add((node, RDF.predicate, p))
    graph.add((node, RDF.object, o))
