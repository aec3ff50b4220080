"""Reconciliation: which entity of the graph does a name (with a type, with properties) mean?

Names are folded (accents, case, punctuation; graph.search.fold) and compared with every label
and alias of every entity:

    exact 100; otherwise the best of the edit ratio, the ratio with words sorted (word order),
    the name starting with the query (an abbreviated name, at least 4 letters) 88, and the
    token-set ratio x 0.85 (extra words, discounted so that "UNDP" prefers UNDP to UNDP Kazakhstan).

A type constraint keeps the entities of that class or its subclasses (`type_strict: should`,
what OpenRefine sends, only prefers them: others lose 10 points). Each property constraint is scored the same way against the labels of the
entity's values for that property (or compared by id), and the score becomes
0.7 x name + 0.3 x the mean of the property scores, so that properties separate namesakes.
A candidate is flagged `match` only when it scores at least 85 and leads the next by 10.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox
from rapidfuzz import fuzz
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from graph.engine.base import Engine
from graph.namespaces import STANDARD_PREFIXES, Namespaces
from graph.search import SearchIndex, fold
from graph.vocabulary import superclasses

MATCH_SCORE = 85.0
MATCH_LEAD = 10.0
RDFS_LABEL = ox.NamedNode(STANDARD_PREFIXES["rdfs"] + "label")
SKOS_ALT = ox.NamedNode(STANDARD_PREFIXES["skos"] + "altLabel")
SCHEMA_DESCRIPTION = ox.NamedNode(STANDARD_PREFIXES["schema"] + "description")


def similarity(query: str, name: str) -> float:
    if not query or not name:
        return 0.0
    if query == name:
        return 100.0
    scores = [fuzz.ratio(query, name), fuzz.token_sort_ratio(query, name), 0.85 * fuzz.token_set_ratio(query, name)]
    if len(query) >= 4 and name.startswith(query):
        scores.append(88.0)
    return round(max(scores), 2)


@dataclass
class Candidate:
    id: str  # the entity IRI
    name: str
    score: float
    types: tuple[str, ...]
    match: bool = False
    features: dict[str, float] = field(default_factory=dict)


@dataclass
class Query:
    text: str
    types: list[str] = field(default_factory=list)  # class IRIs
    type_strict: str = "any"
    properties: list[tuple[str, list]] = field(default_factory=list)  # (property IRI, values)
    limit: int = 5


class Reconciler:
    def __init__(self, engine: Engine, index: SearchIndex, ns: Namespaces):
        self.engine = engine
        self.index = index
        self.ns = ns
        self.superclasses = superclasses(engine)

    def types_of(self, entity: str) -> set[str]:
        direct = self.index.types.get(entity, ())
        return set().union(*(self.superclasses.get(t, {t}) for t in direct)) if direct else set()

    def names_of(self, node: ox.NamedNode) -> list[str]:
        return [t.object.value for p in (RDFS_LABEL, SKOS_ALT) for t in self.engine.triples(node, p, None)]

    def _property_score(self, entity: str, prop: str, wanted: list) -> float:
        try:
            values = self.engine.triples(ox.NamedNode(entity), ox.NamedNode(prop), None)
        except ValueError:  # a property id that is not an IRI: no entity has it
            return 0.0
        best = 0.0
        for want in wanted:
            want_id = want.get("id") if isinstance(want, dict) else None
            want_text = fold(str(want.get("name", "")) if isinstance(want, dict) else str(want))
            for triple in values:
                value = triple.object
                if want_id and isinstance(value, ox.NamedNode) and value.value in (want_id, str(self.ns.entity(want_id))):
                    return 100.0
                texts = self.names_of(value) if isinstance(value, ox.NamedNode) else [value.value]
                for text in texts:
                    best = max(best, similarity(want_text, fold(text)))
        return best

    def reconcile(self, query: Query) -> list[Candidate]:
        needle = fold(query.text)
        if needle and all(len(token) == 1 for token in needle.split()):
            needle = needle.replace(" ", "")  # an abbreviation written with dots: E.B.R.D.
        by_entity: dict[str, Candidate] = {}
        for name in self.index.names:
            score = similarity(needle, name.folded)
            if score < 50:
                continue
            current = by_entity.get(name.entity)
            if current is None or score > current.score:
                label = self.index.labels.get(name.entity, name.text)
                by_entity[name.entity] = Candidate(name.entity, label, score, self.index.types.get(name.entity, ()))
        candidates = list(by_entity.values())
        if query.types:
            wanted = set(query.types)
            if query.type_strict == "should":  # OpenRefine's default: prefer, do not filter
                for c in candidates:
                    if not wanted & self.types_of(c.id):
                        c.score = max(0.0, c.score - 10)
            elif query.type_strict == "all":
                candidates = [c for c in candidates if wanted <= self.types_of(c.id)]
            else:
                candidates = [c for c in candidates if wanted & self.types_of(c.id)]
        candidates.sort(key=lambda c: -c.score)
        candidates = candidates[: max(query.limit * 4, 20)]
        for c in candidates:
            c.features["name"] = c.score
        if query.properties:
            for c in candidates:
                scores = [self._property_score(c.id, prop, values) for prop, values in query.properties]
                for (prop, _), score in zip(query.properties, scores, strict=True):
                    c.features[prop.rsplit("#", 1)[-1].rsplit("/", 1)[-1]] = score
                c.score = round(0.7 * c.score + 0.3 * sum(scores) / len(scores), 2)
        candidates.sort(key=lambda c: (-c.score, c.name, c.id))
        if candidates:
            top = candidates[0]
            second = candidates[1].score if len(candidates) > 1 else 0.0
            top.match = top.score >= MATCH_SCORE and top.score - second >= MATCH_LEAD
        return candidates[: query.limit]

    def brief(self, entity: str) -> str:
        """A line that tells namesakes apart: the entity's description, else the posts it holds."""
        node = ox.NamedNode(entity)
        described = [t.object.value for t in self.engine.triples(node, SCHEMA_DESCRIPTION, None)]
        if described:
            return described[0]
        holder = ox.NamedNode(f"{self.ns.kgo}holder")
        posts = [label for t in self.engine.triples(None, holder, node) for label in self.names_of(t.subject)[:1]]
        return "; ".join(sorted(posts))


class ReconcileVocabulary:
    """Types and properties offered to reconciliation clients, from the ontology: ids are local
    names in the schema space `{base}/ontology#` (`Person`, `basedIn`), or prefixed names."""

    def __init__(self, ontology: Graph, ns: Namespaces, prefixes: dict[str, str]):
        self.ontology = ontology
        self.ns = ns
        self.prefixes = prefixes
        self.kgo = str(ns.kgo)

    @cached_property
    def types(self) -> list[dict]:
        g = self.ontology
        return sorted(
            ({"id": self.short(s), "name": str(g.value(s, RDFS.label) or self.short(s))}
             for s in g.subjects(RDF.type, OWL.Class) if str(s).startswith(self.kgo)),
            key=lambda t: t["name"],
        )

    @cached_property
    def properties(self) -> list[dict]:
        g = self.ontology
        props = []
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
            for s in g.subjects(RDF.type, kind):
                props.append({"id": self.short(s), "name": str(g.value(s, RDFS.label) or self.short(s)),
                              "description": str(g.value(s, RDFS.comment) or "")})
        return sorted(props, key=lambda p: p["name"])

    @cached_property
    def type_names(self) -> dict[str, str]:
        return {t["id"]: t["name"] for t in self.types}

    def type_ref(self, iri: str) -> dict[str, str]:
        short = self.short(iri)
        return {"id": short, "name": self.type_names.get(short, short)}

    def short(self, iri) -> str:
        iri = str(iri)
        if iri.startswith(self.kgo):
            return iri[len(self.kgo):]
        for prefix, namespace in self.prefixes.items():
            if iri.startswith(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri

    def expand(self, short: str) -> str:
        if short.startswith(("http://", "https://")):
            return short
        if ":" in short:
            return str(self.ns.expand(short) or short)
        return self.kgo + short
