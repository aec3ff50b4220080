"""The namespaces of the graph. Ours hang off the public base IRI; the rest are standard."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rdflib import Namespace, URIRef

from graph.kinds import SEGMENT_NAMES

STANDARD_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "http://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
}


RDF = Namespace(STANDARD_PREFIXES["rdf"])
RDFS = Namespace(STANDARD_PREFIXES["rdfs"])
OWL = Namespace(STANDARD_PREFIXES["owl"])
XSD = Namespace(STANDARD_PREFIXES["xsd"])
SKOS = Namespace(STANDARD_PREFIXES["skos"])
DCTERMS = Namespace(STANDARD_PREFIXES["dcterms"])
SCHEMA = Namespace(STANDARD_PREFIXES["schema"])
PROV = Namespace(STANDARD_PREFIXES["prov"])
OA = Namespace(STANDARD_PREFIXES["oa"])
SH = Namespace(STANDARD_PREFIXES["sh"])


@dataclass(frozen=True)
class Namespaces:
    """The IRIs minted under one base: `{base}/ontology#`, `{base}/id/...`, `{base}/graph/...`."""

    base: str  # without trailing slash

    @property
    def document_base(self) -> str:
        """What relative IRIs in the ontology and shapes files resolve against."""
        return self.base + "/"

    @property
    def kgo(self) -> Namespace:
        return Namespace(self.base + "/ontology#")

    @property
    def shapes(self) -> Namespace:
        return Namespace(self.base + "/shapes#")

    def entity(self, entity_id: str) -> URIRef:
        return URIRef(f"{self.base}/id/{entity_id}")

    def article(self, slug: str) -> URIRef:
        return self.entity(f"article/{slug}")

    def article_graph(self, slug: str) -> URIRef:
        return URIRef(f"{self.base}/graph/{slug}")

    @property
    def links_graph(self) -> URIRef:
        return URIRef(f"{self.base}/graph/links")

    @property
    def versions_graph(self) -> URIRef:
        return URIRef(f"{self.base}/graph/versions")

    @property
    def entailed_graph(self) -> URIRef:
        return URIRef(f"{self.base}/graph/entailed")

    @property
    def ontology_graph(self) -> URIRef:
        return URIRef(self.base + "/ontology")

    def prefixes(self) -> dict[str, str]:
        """Standard prefixes, `kgo:` for the ontology and one prefix per entity kind (`person:colin-knox`)."""
        return dict(_prefix_map(self.base))

    def compact(self, iri: str) -> str:
        """The shortest prefixed name for `iri` (`person:colin-knox`), or `iri` itself."""
        best = iri
        for prefix, namespace in _prefix_map(self.base).items():
            local = iri[len(namespace):]
            if iri.startswith(namespace) and local and not local.startswith("//"):
                candidate = f"{prefix}:{local}"
                if len(candidate) < len(best):
                    best = candidate
        return best

    def expand(self, curie: str) -> URIRef | None:
        """`kgo:Person` -> IRI; None when the prefix is unknown."""
        prefix, sep, local = curie.partition(":")
        namespace = _prefix_map(self.base).get(prefix)
        if not sep or namespace is None or local.startswith("//"):
            return None
        return URIRef(namespace + local)

    def expand_or_keep(self, curie: str) -> str:
        """`kgo:Person` -> its IRI; anything that is not a known prefixed name, unchanged."""
        iri = self.expand(curie)
        return str(iri) if iri is not None else curie


def default_prefixes(base_iri: str | None) -> dict[str, str]:
    """Prefixes a query may use without declaring them (as on Wikidata's query service): ours
    and the standard ones for a curated graph, the standard ones for a graph made by `kg load`."""
    return Namespaces(base_iri).prefixes() if base_iri else dict(STANDARD_PREFIXES)


@lru_cache(maxsize=16)
def _prefix_map(base: str) -> dict[str, str]:
    """Built once per base: compact() and expand() run for every term of every entity document.
    Callers outside this module get a copy (Namespaces.prefixes)."""
    segments = {segment: f"{base}/id/{segment}/" for segment in SEGMENT_NAMES}
    return {**STANDARD_PREFIXES, **segments, "kgo": base + "/ontology#", "kgsh": base + "/shapes#"}
