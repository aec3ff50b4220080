"""Identity links to external open data: the curated table records/links.tsv, as RDF.

Each row ties one of our entities to a verified identifier in Wikidata, GeoNames, ROR, DBpedia
or ISO 3166, with the relation the curator chose and the sources that verify it:

- `sameAs` → `owl:sameAs`: the same real-world thing;
- `exactMatch` → `skos:exactMatch`: a topic (a SKOS concept) and the item about the same notion;
  `owl:sameAs` would merge a concept of our scheme with a thing of theirs;
- `closeMatch` → `skos:closeMatch`: close but not the same (Kazakhstan's e-government and
  e-government in general);
- `code` → `kgo:iso3166Alpha2` / `kgo:iso3166Alpha3`: ISO 3166 codes have no IRIs; they are
  literals on the country.

The links go into their own named graph, `{base}/graph/links`, each with a `kgo:IdentityLink`
node (a reified triple) that records the scheme and the sources.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from graph.engine.base import Engine
from graph.errors import Origin, Problem
from graph.evidence import digest, reify
from graph.kinds import LINKABLE_SEGMENTS
from graph.namespaces import Namespaces
COLUMNS = ["entity", "scheme", "identifier", "relation", "source", "note"]

WIKIDATA = "http://www.wikidata.org/entity/"
GEONAMES = "https://sws.geonames.org/"
ROR = "https://ror.org/"
DBPEDIA = "http://dbpedia.org/resource/"

# scheme -> (pattern of the identifier as written in the table, IRI of it)
SCHEMES = {
    "wikidata": (re.compile(r"^Q[1-9][0-9]*$"), lambda i: WIKIDATA + i),
    "geonames": (re.compile(r"^[1-9][0-9]*$"), lambda i: f"{GEONAMES}{i}/"),
    "ror": (re.compile(r"^0[a-z0-9]{6}[0-9]{2}$"), lambda i: ROR + i),
    "dbpedia": (re.compile(r"^http://dbpedia\.org/resource/\S+$"), lambda i: i),
    "iso3166-2": (re.compile(r"^[A-Z]{2}$"), None),
    "iso3166-3": (re.compile(r"^[A-Z]{3}$"), None),
}
# target datasets, for VoID linksets: scheme -> (dataset IRI, IRI prefix of its items)
DATASETS = {
    "wikidata": ("http://www.wikidata.org/", WIKIDATA),
    "geonames": ("https://www.geonames.org/", GEONAMES),
    "ror": ("https://ror.org/", ROR),
    "dbpedia": ("http://dbpedia.org/", DBPEDIA),
}
# scheme -> its name as a reader knows it, in the order a page lists identifiers
SCHEME_NAMES = {
    "wikidata": "Wikidata",
    "geonames": "GeoNames",
    "ror": "ROR",
    "dbpedia": "DBpedia",
    "iso3166-2": "ISO 3166-1 alpha-2",
    "iso3166-3": "ISO 3166-1 alpha-3",
}
RELATIONS = {"sameAs": OWL.sameAs, "exactMatch": SKOS.exactMatch, "closeMatch": SKOS.closeMatch}
LINK_PREDICATES = tuple(RELATIONS.values())


@dataclass(frozen=True)
class LinkRow:
    entity: str
    scheme: str
    identifier: str
    relation: str
    source: str
    note: str
    origin: Origin


def read_links(path: Path) -> list[LinkRow]:
    lines = [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line and not line.startswith("#")]
    header, *body = lines
    if header[1].split("\t") != COLUMNS:
        raise ValueError(f"{path}:{header[0]}: the header must be {' '.join(COLUMNS)}")
    rows = []
    for number, line in body:
        values = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
        values += [""] * (len(COLUMNS) - len(values))
        rows.append(LinkRow(*values[: len(COLUMNS)], origin=Origin(path, number)))
    return rows


def external_term(row: LinkRow) -> URIRef | Literal | None:
    pattern, to_iri = SCHEMES[row.scheme]
    return URIRef(to_iri(row.identifier)) if to_iri else Literal(row.identifier)


def compile_links(rows: list[LinkRow], dataset: Dataset, ns: Namespaces, declared: set[str]) -> tuple[list[Problem], dict[URIRef, Origin]]:
    """Add the links graph to `dataset`; problems name the row of links.tsv at fault."""
    problems: list[Problem] = []
    origins: dict[URIRef, Origin] = {}
    graph = dataset.graph(ns.links_graph)
    graph.add((graph.identifier, RDFS.label, Literal("Identity links to external open data", lang="en")))
    graph.add((graph.identifier, RDF.type, ns.kgo.AssertedGraph))
    seen: dict[tuple[str, str], Origin] = {}
    for row in rows:
        where = f"{row.entity} {row.scheme} {row.identifier}"
        if row.entity not in declared:
            problems.append(Problem(f"{where}: no record declares the entity `{row.entity}`", row.origin))
            continue
        if row.scheme not in SCHEMES:
            problems.append(Problem(f"{where}: unknown scheme `{row.scheme}` (one of {', '.join(SCHEMES)})", row.origin))
            continue
        if not SCHEMES[row.scheme][0].match(row.identifier):
            problems.append(Problem(f"{where}: not a {row.scheme} identifier", row.origin))
            continue
        if not row.source.strip():
            problems.append(Problem(f"{where}: a link needs the source that verifies it", row.origin))
            continue
        code = row.scheme.startswith("iso3166")
        if (row.relation == "code") != code or (not code and row.relation not in RELATIONS):
            allowed = "code" if code else ", ".join(RELATIONS)
            problems.append(Problem(f"{where}: relation `{row.relation}` does not fit the scheme (use {allowed})", row.origin))
            continue
        key = (row.scheme, row.identifier)
        if key in seen:
            problems.append(Problem(f"{where}: the identifier is already claimed at {seen[key]}", row.origin))
            continue
        seen[key] = row.origin
        subject = ns.entity(row.entity)
        if code:
            predicate = ns.kgo.iso3166Alpha2 if row.scheme == "iso3166-2" else ns.kgo.iso3166Alpha3
        else:
            predicate = RELATIONS[row.relation]
        target = external_term(row)
        graph.add((subject, predicate, target))
        link = ns.entity("link/" + digest(f"{subject} {predicate} {target}"))
        reify(graph, link, ns.kgo.IdentityLink, (subject, predicate, target))
        graph.add((link, ns.kgo.scheme, Literal(row.scheme)))
        graph.add((link, ns.kgo.verifiedIn, Literal(row.source)))
        if row.note:
            graph.add((link, ns.kgo.curatorNote, Literal(row.note, lang="en")))
        origins[link] = row.origin
    return problems, origins


def identifier_of(iri: str) -> tuple[str, str] | None:
    """(scheme, identifier) of an external IRI in a dataset we link to, read from its namespace:
    `http://www.wikidata.org/entity/Q232` -> ("wikidata", "Q232"), a GeoNames IRI -> its number;
    None for an IRI of another namespace."""
    for scheme, (_, prefix) in DATASETS.items():
        local = unquote(iri[len(prefix):].strip("/")) if iri.startswith(prefix) else ""
        if local:
            return scheme, local
    return None


def variants(uri: str) -> list[str]:
    """The IRIs an external identifier may be written as, normalised to the forms we store."""
    text = uri.strip()
    found: list[str] = []
    if m := re.fullmatch(r"(?:(?:https?://)?(?:www\.)?wikidata\.org/(?:wiki|entity)/|wd:)?(Q[1-9][0-9]*)/?", text, re.I):
        found.append(WIKIDATA + m.group(1).upper())
    if m := re.fullmatch(r"(?:https?://)?(?:sws\.|www\.)?geonames\.org/([1-9][0-9]*)(?:/.*)?", text, re.I):
        found.append(f"{GEONAMES}{m.group(1)}/")
    if m := re.fullmatch(r"(?:(?:https?://)?(?:www\.)?ror\.org/)?(0[a-z0-9]{6}[0-9]{2})/?", text, re.I):
        found.append(ROR + m.group(1).lower())
    if m := re.fullmatch(r"(?:https?://)?(?:[a-z]{2}\.)?dbpedia\.org/(?:resource|page)/(.+)", text, re.I):
        found.append(DBPEDIA + m.group(1))
    return found or [text]


def linked_entity(engine: Engine, uri: str) -> str | None:
    """Our entity that an external identifier (in any form `variants` reads) is linked to."""
    for candidate in variants(uri):
        if not candidate.startswith(("http://", "https://")):
            continue
        try:
            target = ox.NamedNode(candidate)
        except ValueError:  # not a valid IRI
            continue
        for predicate in LINK_PREDICATES:
            for triple in engine.triples(None, ox.NamedNode(str(predicate)), target, limit=1):
                return triple.subject.value
    return None


def same_as(engine: Engine, iri: str, most: int = 100) -> list[str]:
    """The external IRIs an entity is owl:sameAs (links.tsv's sameAs rows), sorted; [] for an IRI
    that is not one."""
    try:
        subject = ox.NamedNode(iri)
    except ValueError:
        return []
    return sorted(t.object.value for t in engine.triples(subject, ox.NamedNode(str(OWL.sameAs)), None, limit=most))


COVERAGE_QUERY = """
SELECT ?entity ?label ?scheme WHERE {
  ?entity rdfs:label ?label .
  FILTER(STRSTARTS(STR(?entity), "%(base)s/id/%(kind)s/") && !CONTAINS(STR(?entity), "#"))
  %(learned)s
  OPTIONAL { ?link a kgo:IdentityLink ; rdf:subject ?entity ; kgo:scheme ?scheme }
}"""
# an entity an article of a later version declares, that no article of the first version does
LEARNED = """
  ?version <http://purl.org/dc/terms/hasPart> ?graph . FILTER(?version != <%(base)s/id/version/1>)
  GRAPH ?graph { ?entity a ?class }
  FILTER NOT EXISTS { <%(base)s/id/version/1> <http://purl.org/dc/terms/hasPart> ?seed . GRAPH ?seed { ?entity a ?any } }"""


@dataclass
class Coverage:
    kind: str
    entities: dict[str, str]  # IRI -> label
    by_scheme: dict[str, set[str]]  # scheme -> IRIs linked in it

    @property
    def unlinked(self) -> list[tuple[str, str]]:
        linked = set().union(*self.by_scheme.values()) if self.by_scheme else set()
        return sorted((label, iri) for iri, label in self.entities.items() if iri not in linked)


def coverage(engine: Engine, ns: Namespaces, learned: bool = False) -> list[Coverage]:
    """Per kind of entity, the entities and those linked in each scheme; `learned`: only the
    entities the graph learned after its first version (the articles `kg publish` added)."""
    result = []
    for kind in LINKABLE_SEGMENTS:
        entities: dict[str, str] = {}
        by_scheme: dict[str, set[str]] = {}
        values = {"base": ns.base, "kind": kind}
        for row in engine.select(COVERAGE_QUERY % {**values, "learned": LEARNED % values if learned else ""}):
            entities[row["entity"].value] = row["label"].value
            if row["scheme"] is not None:
                by_scheme.setdefault(row["scheme"].value, set()).add(row["entity"].value)
        result.append(Coverage(kind, entities, by_scheme))
    return result


def unattached(table: Path, rows: list[LinkRow]) -> list[dict[str, str]]:
    """VERIFIED rows of a shared identifier table that links.tsv does not attach to an entity."""
    attached = {(r.scheme, r.identifier) for r in rows}
    with table.open(encoding="utf-8") as handle:
        shared = list(csv.DictReader(handle, delimiter="\t"))
    return [r for r in shared if r.get("status") == "VERIFIED" and (r["scheme"], r["identifier"]) not in attached]
