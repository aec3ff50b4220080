"""The document of one entity: what a consumer needs without a second request.

The document is a set of triples, built together with its JSON-LD form so that the two hold
exactly the same statements:

- every triple with the entity as subject, and the triples of its own `#` nodes (figures);
- the entity's incoming links (capped: `incomingLinks` then says how many there are and gives
  the SPARQL query that lists them all), and the articles that mention it;
- the label of every node it links to or is linked from;
- its evidence: each assertion about it with the quoted passage and the source article.

Those are the asserted statements. What the ontology entails about the entity (its classes in
the standard vocabularies, inverse and transitive links) is kept apart, in `derived`: the
triples of the entailed graph with the entity as subject, which have no quote of their own. The
HTML page shows them as derived; the triple formats hold the asserted statements only, and the
entailed graph is one SPARQL `GRAPH` away.

The JSON-LD keeps one shape per class: every property the graph uses for that class is a key,
with `[]` when the entity has no value, and every key holds an array.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox

from graph.context import REVERSE_TERMS, term_names
from graph.engine.base import Engine
from graph.formats import BY_NAME
from graph.kinds import DOCUMENT_FAMILIES
from graph.namespaces import STANDARD_PREFIXES, Namespaces
from graph.vocabulary import superclasses

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDF_SUBJECT = ox.NamedNode(REVERSE_TERMS["evidence"])
MENTIONS = ox.NamedNode(REVERSE_TERMS["mentionedIn"])
OA_HAS_TARGET = ox.NamedNode("http://www.w3.org/ns/oa#hasTarget")
OA_SPECIFIC_RESOURCE = ox.NamedNode("http://www.w3.org/ns/oa#SpecificResource")
XSD = "http://www.w3.org/2001/XMLSchema#"
INCOMING_LIMIT = 500
EVIDENCE_LIMIT = 2000


@dataclass
class EntityDocument:
    iri: str
    jsonld: dict
    triples: set[ox.Triple] = field(default_factory=set)
    derived: dict[str, list] = field(default_factory=dict)  # key -> values, as in `jsonld`

    def serialize(self, fmt: str, prefixes: dict[str, str]) -> bytes:
        """The document's triples in a graph format (graph.formats: turtle, ntriples...), sorted:
        the same bytes for the same graph."""
        rdf_format = BY_NAME[fmt].ox
        ordered = sorted(self.triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        return ox.serialize(ordered, format=rdf_format, **({"prefixes": prefixes} if rdf_format == ox.RdfFormat.TURTLE else {}))


class Profiles:
    """For each kind of entity, the keys its documents carry: every property the graph uses for
    any entity of that kind (a Conference and a Session are both Activities, with the same keys).
    Classes outside the ontology (a graph made by `kg load`) are each their own kind."""

    USED = "SELECT DISTINCT ?class ?p WHERE { ?s a ?class ; ?p ?o FILTER(?p != rdf:type) }"

    def __init__(self, engine: Engine, base: str):
        self.names = term_names(base)
        self.ns = Namespaces(base)
        prefixes = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in self.ns.prefixes().items() if p in ("rdf", "rdfs", "kgo"))
        kinds = [f"{self.ns.kgo}{k}" for k in DOCUMENT_FAMILIES]
        self.kind_of = {kind: kind for kind in kinds}  # each kind its own, and its subclasses' (the last family listed wins)
        self.kind_of |= {c: kind for c, above in superclasses(engine).items() for kind in kinds if kind in above}
        self.by_kind: dict[str, set[str]] = {}
        for row in engine.select(prefixes + self.USED):
            kind = self.kind_of.get(row["class"].value, row["class"].value)
            self.by_kind.setdefault(kind, set()).add(row["p"].value)

    def keys(self, types: list[str]) -> list[str]:
        kinds = {self.kind_of.get(t, t) for t in types}
        props = set().union(*(self.by_kind.get(k, set()) for k in kinds)) if kinds else set()
        return sorted({self.key(p) for p in props})

    def key(self, predicate: str) -> str:
        return self.names.get(predicate) or self.ns.compact(predicate)


def literal_json(term: ox.Literal) -> object:
    datatype = term.datatype.value
    if term.language:
        return term.value if term.language == "en" else {"@value": term.value, "@language": term.language}
    if datatype == XSD + "string":
        return {"@value": term.value}
    if datatype == XSD + "integer" and term.value.lstrip("-").isdigit() and str(int(term.value)) == term.value:
        return int(term.value)
    if datatype == XSD + "boolean" and term.value in ("true", "false"):
        return term.value == "true"
    return {"@value": term.value, "@type": datatype}


class _Builder:
    def __init__(self, engine: Engine, iri: str, profiles: Profiles):
        self.engine = engine
        self.node = ox.NamedNode(iri)
        self.profiles = profiles
        self.ns = profiles.ns
        self.triples: set[ox.Triple] = set()

    def out(self, subject) -> list[ox.Triple]:
        return self.engine.triples(subject, None, None)

    def labels(self, node) -> list:
        found = self.engine.triples(node, RDFS_LABEL, None)
        self.triples.update(found)
        return [literal_json(t.object) for t in found if isinstance(t.object, ox.Literal)]

    def ref(self, node) -> dict:
        """A link to another node: its IRI and its labels."""
        if isinstance(node, ox.BlankNode):
            return {"@id": f"_:{node.value}"}
        doc = {"@id": self.ns.compact(node.value)}
        labels = self.labels(node)
        if labels:
            doc["label"] = labels
        return doc

    def value(self, term, owner) -> object:
        """A literal, a link, or, for a `#` node of `owner` (a figure, a selector), the node itself."""
        if isinstance(term, ox.Literal):
            return literal_json(term)
        if isinstance(term, ox.NamedNode) and term.value.startswith(owner.value + "#"):
            return self.full_node(term)
        return self.ref(term)

    def properties(self, subject, triples: list[ox.Triple], doc: dict) -> None:
        for triple in triples:
            self.triples.add(triple)
            if triple.predicate == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
                doc.setdefault("@type", []).append(self.ns.compact(triple.object.value))
                continue
            key = self.profiles.key(triple.predicate.value)
            doc.setdefault(key, []).append(self.value(triple.object, subject))

    def full_node(self, node) -> dict:
        doc: dict = {"@id": self.ns.compact(node.value)}
        self.properties(node, self.out(node), doc)
        return doc

    def evidence(self, assertion) -> dict:
        """An assertion with its quoted passage (and selector) nested, or its article for metadata."""
        doc: dict = {"@id": self.ns.compact(assertion.value)}
        for triple in self.out(assertion):
            if triple.predicate == RDF_SUBJECT:
                continue  # the link back to the entity is the `evidence` key itself
            self.triples.add(triple)
            if triple.predicate == RDF_TYPE:
                doc.setdefault("@type", []).append(self.ns.compact(triple.object.value))
            elif triple.predicate == OA_HAS_TARGET and self._is_passage(triple.object):
                doc.setdefault("hasTarget", []).append(self.full_node(triple.object))
            else:
                doc.setdefault(self.profiles.key(triple.predicate.value), []).append(self.value(triple.object, assertion))
        return doc

    def incoming_links(self, shown: int) -> dict:
        """How many links to the entity there are (not counting evidence and mentions), how many
        the document holds, and the SPARQL query that lists them all: a cut is never silent."""
        listing = (f"SELECT ?subject ?property WHERE {{ ?subject ?property <{self.node.value}> "
                   f"FILTER(?property NOT IN (<{RDF_SUBJECT.value}>, <{MENTIONS.value}>)) "
                   f"FILTER NOT EXISTS {{ GRAPH <{self.ns.entailed_graph}> {{ ?subject ?property <{self.node.value}> }} }} }}")
        [row] = self.engine.select(listing.replace("SELECT ?subject ?property", "SELECT (COUNT(*) AS ?n)", 1))
        return {"shown": shown, "total": int(row["n"].value),
                "all": f"{self.ns.base}/sparql?{urlencode({'query': listing + ' ORDER BY ?property ?subject', 'format': 'html'})}"}

    def _is_passage(self, node) -> bool:
        return bool(self.engine.triples(node, RDF_TYPE, OA_SPECIFIC_RESOURCE, limit=1))

    def build(self) -> EntityDocument | None:
        entailed = str(self.ns.entailed_graph)
        derived = self.engine.triples(self.node, None, None, graph=entailed)
        derived_out = set(derived)
        derived_in = set(self.engine.triples(None, None, self.node, graph=entailed))
        own = [t for t in self.out(self.node) if t not in derived_out]
        fetch = INCOMING_LIMIT + EVIDENCE_LIMIT + len(derived_in)
        fetched = self.engine.triples(None, None, self.node, limit=fetch)
        incoming = [t for t in fetched if t not in derived_in]
        if not own and not incoming:
            return None
        doc: dict = {"@id": self.ns.compact(self.node.value), "@type": []}
        self.properties(self.node, own, doc)
        for key in self.profiles.keys([t.object.value for t in own if t.predicate == RDF_TYPE]):
            doc.setdefault(key, [])
        doc["mentionedIn"], doc["evidence"], reverse = [], [], {}
        others = cut = 0
        for triple in incoming:
            if triple.predicate == RDF_SUBJECT:
                if len(doc["evidence"]) < EVIDENCE_LIMIT:
                    self.triples.add(triple)
                    doc["evidence"].append(self.evidence(triple.subject))
            elif triple.predicate == MENTIONS:
                self.triples.add(triple)
                article = self.ref(triple.subject)
                doc["mentionedIn"].append(article)
            elif others < INCOMING_LIMIT:
                others += 1
                self.triples.add(triple)
                reverse.setdefault(self.profiles.key(triple.predicate.value), []).append(self.ref(triple.subject))
            else:
                cut += 1
        doc["@reverse"] = reverse
        if cut or len(fetched) >= fetch:  # some links are not in the document: say how many
            doc["incomingLinks"] = self.incoming_links(others)
        asserted = self.triples
        self.triples = set()  # the labels of derived values are not part of the document
        shown: dict[str, list] = {}
        for triple in sorted(derived, key=lambda t: (t.predicate.value, str(t.object))):
            key = "@type" if triple.predicate == RDF_TYPE else self.profiles.key(triple.predicate.value)
            shown.setdefault(key, []).append(self.ns.compact(triple.object.value) if key == "@type" else self.value(triple.object, self.node))
        return EntityDocument(self.node.value, doc, asserted, shown)


def statements_query(iri: str, ns: Namespaces, label: str | None = None) -> str:
    """A SPARQL query that lists the entity's statements and the links to it, each property and
    value with its label and whether it is derived (in the entailed graph): what a page's "query
    this" link opens, to read or to change. It declares every prefix it uses, so it runs on any
    endpoint that holds the graph; the evidence nodes (assertions about the entity) are left out."""
    node = f"<{iri}>"
    title = " ".join((label or iri).split())  # one comment line, whatever the label holds
    return f"""PREFIX rdf: <{STANDARD_PREFIXES["rdf"]}>
PREFIX rdfs: <{STANDARD_PREFIXES["rdfs"]}>
# {title}: its statements and the links to it, with labels
SELECT ?direction ?property ?propertyLabel ?value ?valueLabel ?derived WHERE {{
  {{ {node} ?property ?value .
    BIND("statement" AS ?direction)
    BIND(EXISTS {{ GRAPH <{ns.entailed_graph}> {{ {node} ?property ?value }} }} AS ?derived) }}
  UNION
  {{ ?value ?property {node} .
    FILTER(?property NOT IN (rdf:subject, rdf:object))
    BIND("incoming" AS ?direction)
    BIND(EXISTS {{ GRAPH <{ns.entailed_graph}> {{ ?value ?property {node} }} }} AS ?derived) }}
  OPTIONAL {{ ?property rdfs:label ?propertyLabel }}
  OPTIONAL {{ ?value rdfs:label ?valueLabel }}
}}
ORDER BY DESC(?direction) ?derived ?property ?value
"""


def exists(engine: Engine, iri: str) -> bool:
    """Whether the graph says anything of `iri` or links to it (what `describe` needs), cheaply."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return False
    return bool(engine.triples(node, None, None, limit=1) or engine.triples(None, None, node, limit=1))


def describe(engine: Engine, iri: str, profiles: Profiles, context_url: str) -> EntityDocument | None:
    """The entity's document, or None when the graph has nothing about it (or it is not an IRI)."""
    try:
        builder = _Builder(engine, iri, profiles)
    except ValueError:  # not a valid IRI: nothing can be said about it
        return None
    document = builder.build()
    if document is not None:
        document.jsonld = {"@context": context_url, **document.jsonld}
    return document
