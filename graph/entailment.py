"""What the ontology entails from the asserted facts, materialised into a named graph of its own.

The rule set is chosen on purpose, small and predictable, so that a query written with the
vocabularies people know (schema.org, W3C ORG, SKOS, PROV, Dublin Core) finds what our `kgo:`
facts say, and nothing a reader would not expect:

- rdfs9, rdfs11: `x a C` and `C rdfs:subClassOf* D` give `x a D`;
- rdfs7, rdfs5: `x p y` and `p rdfs:subPropertyOf* q` give `x q y`;
- `owl:inverseOf`: `x p y` gives `y q x` (declared either way round);
- `owl:SymmetricProperty`: `x p y` gives `y p x`;
- `owl:TransitiveProperty`: the transitive closure of `p` (after the rules above fed it);
- `owl:propertyChainAxiom` of two properties: `x p1 y` and `y p2 z` give `x q z` (W3C ORG's
  `org:memberOf`, the shortcut of a membership: a post's holder is a member of its organisation);
- labels: an entity's `rdfs:label` (its preferred name, by the records' definition) is also its
  `skos:prefLabel` and `schema:name`, and an alternative label (`skos:altLabel`) its
  `schema:alternateName`;
- dates within a whole: a part (`kgo:partOf`) that has no date of its own gets the whole's
  window, `kgo:notBefore` its start and `kgo:notAfter` its end.

Not included, and why: the RDFS axiomatic triples and `rdfs:Resource` typing (noise), domain and
range typing (rdfs2/3: our domains describe what we use, and a wrong value would be typed rather
than refused; SHACL refuses it instead), `owl:sameAs` smushing (links to other datasets stay
links), and the rest of OWL RL (a reasoner such as `owlrl` computes tens of thousands of such
triples and takes seconds; this pass takes a fraction of one, bench in the README).

An entailed triple has no quote of its own: it sits in the entailed graph, which says it is
derived (`kgo:EntailedGraph`, `prov:wasDerivedFrom` the asserted graphs and the ontology), and a
triple already asserted in an article is never repeated there. Only the article graphs are read:
the ontology, the identity links and the evidence are not entities to reason about.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from graph.namespaces import PROV, SCHEMA, SKOS

Triple = tuple[Node, Node, Node]
LABEL_PROPERTIES = {RDFS.label: (SKOS.prefLabel, SCHEMA.name), SKOS.altLabel: (SCHEMA.alternateName,)}
MAX_ROUNDS = 20  # the rules reach their fixed point in 3 or 4 rounds on the curated graph


class Rules:
    """The ontology's axioms, in the form the pass applies them."""

    def __init__(self, ontology: Graph, kgo) -> None:
        self.kgo = kgo
        self.super_classes = _closure(ontology, RDFS.subClassOf)
        self.super_properties = _closure(ontology, RDFS.subPropertyOf)
        self.inverse: dict[Node, set[Node]] = defaultdict(set)
        for p, q in ontology.subject_objects(OWL.inverseOf):
            self.inverse[p].add(q)
            self.inverse[q].add(p)
        self.symmetric = set(ontology.subjects(RDF.type, OWL.SymmetricProperty))
        self.transitive = set(ontology.subjects(RDF.type, OWL.TransitiveProperty))
        self.chains: list[tuple[Node, Node, Node]] = []  # (first, second, implied)
        for implied, chain in ontology.subject_objects(OWL.propertyChainAxiom):
            steps = list(Collection(ontology, chain))
            if len(steps) != 2:
                raise ValueError(f"{implied}: only property chains of two properties are supported, got {len(steps)}")
            self.chains.append((steps[0], steps[1], implied))

    def direct(self, triple: Triple) -> Iterable[Triple]:
        """What one triple entails on its own (every rule but transitivity and the date rule)."""
        s, p, o = triple
        if p == RDF.type:
            for cls in self.super_classes.get(o, ()):
                yield s, RDF.type, cls
            return
        for q in self.super_properties.get(p, ()):
            yield s, q, o
        if isinstance(o, Literal):
            for q in LABEL_PROPERTIES.get(p, ()):
                yield s, q, o
            return
        for q in self.inverse.get(p, ()):
            yield o, q, s
        if p in self.symmetric:
            yield o, p, s


def _closure(graph: Graph, relation: URIRef) -> dict[Node, set[Node]]:
    """Each term's strict ancestors along `relation`."""
    parents: dict[Node, set[Node]] = defaultdict(set)
    for child, parent in graph.subject_objects(relation):
        if child != parent:
            parents[child].add(parent)
    ancestors: dict[Node, set[Node]] = {}
    for term in list(parents):
        seen: set[Node] = set()
        todo = list(parents[term])
        while todo:
            parent = todo.pop()
            if parent not in seen and parent != term:
                seen.add(parent)
                todo.extend(parents.get(parent, ()))
        ancestors[term] = seen
    return ancestors


def _transitive_closure(triples: set[Triple], prop: Node) -> set[Triple]:
    edges: dict[Node, set[Node]] = defaultdict(set)
    for s, p, o in triples:
        if p == prop:
            edges[s].add(o)
    closed = set()
    for start in list(edges):
        seen: set[Node] = set()
        todo = list(edges[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        closed.update((start, prop, node) for node in seen if node != start)
    return closed


def _chained(triples: set[Triple], chains: list[tuple[Node, Node, Node]]) -> set[Triple]:
    derived = set()
    for first, second, implied in chains:
        onward: dict[Node, set[Node]] = defaultdict(set)
        for s, p, o in triples:
            if p == second:
                onward[s].add(o)
        for s, p, o in triples:
            if p == first:
                derived.update((s, implied, end) for end in onward.get(o, ()))
    return derived


def _dates_within(triples: set[Triple], kgo) -> set[Triple]:
    """A part with no date of its own falls within its whole's dates (or window)."""
    lower: dict[Node, Node] = {}
    upper: dict[Node, Node] = {}
    for s, p, o in triples:  # a stated date wins over a window
        if p == SCHEMA.startDate:
            lower[s] = o
        elif p == kgo.notBefore:
            lower.setdefault(s, o)
        elif p == SCHEMA.endDate:
            upper[s] = o
        elif p == kgo.notAfter:
            upper.setdefault(s, o)
    derived = set()
    for part, p, whole in triples:
        if p != kgo.partOf:
            continue
        if part not in lower and whole in lower:
            derived.add((part, kgo.notBefore, lower[whole]))
        if part not in upper and whole in upper:
            derived.add((part, kgo.notAfter, upper[whole]))
    return derived


def entail(asserted: Iterable[Triple], rules: Rules) -> set[Triple]:
    """Every triple the rules add to `asserted` (those already asserted left out)."""
    known = set(asserted)
    given = set(known)
    frontier = set(known)
    for _ in range(MAX_ROUNDS):
        new = {t for triple in frontier for t in rules.direct(triple)} - known
        known |= new
        for prop in rules.transitive:
            new |= _transitive_closure(known, prop) - known
        new |= _dates_within(known, rules.kgo) - known
        new |= _chained(known, rules.chains) - known
        known |= new
        if not new:
            break
        frontier = new
    return known - given


def describe_entailed_graph(graph: Graph, asserted_graphs: Iterable[URIRef], ontology_graph: URIRef, kgo) -> None:
    """The entailed graph says what it is and what it comes from, in itself."""
    name = graph.identifier
    graph.add((name, RDF.type, kgo.EntailedGraph))
    graph.add((name, RDFS.label, Literal("Triples entailed by the ontology from the articles' statements", lang="en")))
    graph.add((name, RDFS.comment, Literal(
        "Derived at build time (RDFS subclass and subproperty, owl:inverseOf, owl:SymmetricProperty, "
        "owl:TransitiveProperty, two-step property chains, preferred and alternate names, dates within a whole); no triple here has a quote of "
        "its own: its evidence is the asserted triples it comes from.", lang="en")))
    graph.add((name, PROV.wasDerivedFrom, ontology_graph))
    for source in asserted_graphs:
        graph.add((name, PROV.wasDerivedFrom, source))
