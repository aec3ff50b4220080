"""The ontology and the shapes as RDF, resolved against a base IRI, and what the compiler asks of them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import OWL, RDF, RDFS

import ontology
import shapes
from graph.engine.base import Engine
from graph.namespaces import Namespaces


def parse_turtle_file(path: Path, ns: Namespaces) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle", publicID=ns.document_base)
    for prefix, iri in ns.prefixes().items():
        graph.bind(prefix, iri, override=True)
    return graph


def load_ontology(ns: Namespaces, path: Path = ontology.FILE) -> Graph:
    """The ontology, its blank nodes (the RDF lists of its property chains) skolemized to IRIs
    under `{base}/.well-known/genid/` named by their content, so that every build names them
    alike and the store holds no blank node."""
    graph = parse_turtle_file(path, ns)
    if not any(isinstance(term, BNode) for triple in graph for term in triple):
        return graph
    skolemized = to_canonical_graph(graph).skolemize(authority=ns.base, basepath="/.well-known/genid/")
    for prefix, iri in ns.prefixes().items():
        skolemized.bind(prefix, iri, override=True)
    return skolemized


def load_shapes(ns: Namespaces, path: Path = shapes.FILE) -> Graph:
    return parse_turtle_file(path, ns)


@dataclass
class Vocabulary:
    """Lookups over the ontology graph: which terms exist and of what kind."""

    graph: Graph

    @cached_property
    def classes(self) -> frozenset[URIRef]:
        return frozenset(s for s in self.graph.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef))

    @cached_property
    def object_properties(self) -> frozenset[URIRef]:
        kinds = (OWL.ObjectProperty, RDF.Property)
        return frozenset(s for k in kinds for s in self.graph.subjects(RDF.type, k) if isinstance(s, URIRef))

    @cached_property
    def datatype_properties(self) -> frozenset[URIRef]:
        kinds = (OWL.DatatypeProperty, OWL.AnnotationProperty)
        return frozenset(s for k in kinds for s in self.graph.subjects(RDF.type, k) if isinstance(s, URIRef))

    @cached_property
    def properties(self) -> frozenset[URIRef]:
        return self.object_properties | self.datatype_properties

    @cached_property
    def individuals(self) -> frozenset[URIRef]:
        """Named things declared in the ontology that are neither classes nor properties."""
        declared = {s for s in self.graph.subjects(RDF.type, None) if isinstance(s, URIRef)}
        return frozenset(declared - self.classes - self.properties)

    def range_of(self, prop: URIRef) -> URIRef | None:
        value = self.graph.value(prop, RDFS.range)
        return value if isinstance(value, URIRef) else None

    def is_subproperty_of(self, prop: URIRef, ancestor: URIRef) -> bool:
        return ancestor in set(self.graph.transitive_objects(prop, RDFS.subPropertyOf))


PROPERTY_KINDS = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}


def vocabulary_terms(graph: Graph, ns: Namespaces) -> list[dict]:
    """The terms a vocabulary (the ontology, the shapes) defines under our base, for its page:
    each with its section (class, property, other), label, definition, kinds, parents, domain
    and range."""
    terms = []
    for subject in sorted({s for s in graph.subjects(RDF.type, None) if str(s).startswith(ns.base)}, key=str):
        kinds = set(graph.objects(subject, RDF.type))
        terms.append({
            "section": "class" if OWL.Class in kinds or RDFS.Class in kinds else "property" if kinds & PROPERTY_KINDS else "other",
            "iri": str(subject),
            "anchor": str(subject).rpartition("#")[2],
            "label": str(graph.value(subject, RDFS.label) or ""),
            "comment": str(graph.value(subject, RDFS.comment) or ""),
            "kinds": sorted(ns.compact(str(t)) for t in graph.objects(subject, RDF.type)),
            "parents": sorted(ns.compact(str(o)) for o in graph.objects(subject, RDFS.subClassOf)),
            "superproperties": sorted(ns.compact(str(o)) for o in graph.objects(subject, RDFS.subPropertyOf)),
            "domain": sorted(ns.compact(str(o)) for o in graph.objects(subject, RDFS.domain) if isinstance(o, URIRef)),
            "range": sorted(ns.compact(str(o)) for o in graph.objects(subject, RDFS.range) if isinstance(o, URIRef)),
        })
    return terms


TERMS_IN_USE_LIMIT = 5000  # classes, and properties, offered by the query editor's completion at most


def terms_in_use(engine: Engine) -> tuple[list[str], list[str]]:
    """The classes and the properties the graph uses (each sorted, at most TERMS_IN_USE_LIMIT):
    what the query editor completes besides the ontology's own terms."""
    classes = engine.select(f"SELECT DISTINCT ?c WHERE {{ ?s a ?c FILTER(isIRI(?c)) }} LIMIT {TERMS_IN_USE_LIMIT}")
    properties = engine.select(f"SELECT DISTINCT ?p WHERE {{ ?s ?p ?o }} LIMIT {TERMS_IN_USE_LIMIT}")
    return sorted(row["c"].value for row in classes), sorted(row["p"].value for row in properties)


def derivation(graph: Graph, derived: str, asserted_out: set[str], asserted_in: set[str]) -> tuple[str, str] | None:
    """What a derived link follows from, by the ontology `graph`: ("from", Q) when an asserted
    property Q of the entity is a subproperty of it (or equivalent to it), ("inverse of", Q) when
    it is the inverse of a property Q that links another entity to this one (or of one of Q's
    superproperties); None when another rule entailed it (a chain, a domain or range)."""
    target = URIRef(derived)
    for name in sorted(asserted_out):
        prop = URIRef(name)
        if target in set(graph.transitive_objects(prop, RDFS.subPropertyOf)) - {prop} or _equivalent(graph, prop, target):
            return "from", name
    for name in sorted(asserted_in):
        for ancestor in graph.transitive_objects(URIRef(name), RDFS.subPropertyOf):
            if (target, OWL.inverseOf, ancestor) in graph or (ancestor, OWL.inverseOf, target) in graph:
                return "inverse of", name
    return None


def class_derivation(graph: Graph, derived: str, asserted: set[str]) -> str | None:
    """The asserted class a derived class of an entity is a superclass of, if any."""
    target = URIRef(derived)
    return next((name for name in sorted(asserted)
                 if target in set(graph.transitive_objects(URIRef(name), RDFS.subClassOf)) - {URIRef(name)}), None)


def _equivalent(graph: Graph, one: URIRef, other: URIRef) -> bool:
    return (one, OWL.equivalentProperty, other) in graph or (other, OWL.equivalentProperty, one) in graph


SUBCLASS_EDGES = f"SELECT ?c ?super WHERE {{ ?c <{RDFS.subClassOf}> ?super FILTER(isIRI(?c) && isIRI(?super)) }}"


def superclasses(engine: Engine) -> dict[str, set[str]]:
    """Each class of an rdfs:subClassOf statement, with every class it is a subclass of, itself
    included. The closure is taken here from the direct statements: `?c rdfs:subClassOf* ?super`
    with neither end bound is what SPARQL would say, and Virtuoso refuses it ("transitive start
    not given")."""
    direct: dict[str, set[str]] = {}
    for row in engine.select(SUBCLASS_EDGES):
        direct.setdefault(row["c"].value, set()).add(row["super"].value)
        direct.setdefault(row["super"].value, set())
    closure: dict[str, set[str]] = {}
    for start in direct:
        seen, todo = {start}, [start]
        while todo:
            for parent in direct[todo.pop()] - seen:
                seen.add(parent)
                todo.append(parent)
        closure[start] = seen
    return closure
