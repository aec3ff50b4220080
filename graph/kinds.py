"""The one declared table of the kinds of entity: where each kind's IRIs live and what the
service does with it. An extractor, the records reader, the document builder, search,
reconciliation and `kg links` all read it; a new kind is one row here.

Two words, two things: an id *segment* is the first part of an entity id (`person` in
`{base}/id/person/colin-knox`); a document *family* is a class whose entities' documents share
one shape (a Conference and a Session are both Activities, with the same keys).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IdSegment:
    name: str
    minted: bool = False  # ids the build mints itself (never written in a record)
    linkable: bool = False  # may carry identity links to external open data (`kg links` coverage)


ID_SEGMENTS = (
    IdSegment("person", linkable=True),
    IdSegment("organization", linkable=True),
    IdSegment("place", linkable=True),
    IdSegment("event", linkable=True),
    IdSegment("project", linkable=True),
    IdSegment("programme"),
    IdSegment("task"),
    IdSegment("policy", linkable=True),
    IdSegment("position"),
    IdSegment("view"),
    IdSegment("group"),
    IdSegment("topic", linkable=True),
    IdSegment("role"),
    IdSegment("article", minted=True),
    IdSegment("assertion", minted=True),
    IdSegment("quote", minted=True),
    IdSegment("link", minted=True),
    IdSegment("version", minted=True),  # a published version of the graph (graph/versions.py)
)
SEGMENT_NAMES = tuple(s.name for s in ID_SEGMENTS)
RECORD_SEGMENTS = frozenset(s.name for s in ID_SEGMENTS if not s.minted)  # what a record may declare
LINKABLE_SEGMENTS = tuple(s.name for s in ID_SEGMENTS if s.linkable)

# classes of the ontology (local names in kgo:) whose subclasses share one document shape
DOCUMENT_FAMILIES = (
    "Person Organization Group Place Activity Policy Position StatedView StatedQuantity Topic RoleType NewsArticle Assertion"
).split()

# the types a reconciliation client is offered first (local names in kgo:)
RECONCILE_DEFAULT_TYPES = ("Person", "Organization", "Place", "Event", "Policy", "Topic")

# what search never offers: terms of the vocabularies, and the graph's own bookkeeping nodes
_VOCABULARY_TYPES = frozenset({
    "http://www.w3.org/2002/07/owl#Class",
    "http://www.w3.org/2002/07/owl#ObjectProperty",
    "http://www.w3.org/2002/07/owl#DatatypeProperty",
    "http://www.w3.org/2002/07/owl#AnnotationProperty",
    "http://www.w3.org/2002/07/owl#Ontology",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
    "http://www.w3.org/2004/02/skos/core#ConceptScheme",
})
_UNSEARCHED = ("Assertion", "StatedQuantity", "Stance", "Qualifier")


def search_excluded(kgo: str) -> frozenset[str]:
    """The types whose entities search leaves out, with `kgo` the ontology's namespace IRI."""
    return _VOCABULARY_TYPES | {kgo + name for name in _UNSEARCHED}
