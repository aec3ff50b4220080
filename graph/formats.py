"""The one table of the formats the graph is written in: each with its short name (what a
`QueryJob`, `format=` and the command line say), its media types, its W3C format IRI, and the
serialiser that writes it (pyoxigraph's, or rdflib's for the documents rdflib writes: the
service description, VoID, the ontology and the shapes).

Within a form, formats are listed from the least to the most preferred, and each one's media
types with its own preferred type last: content negotiation offers them in this order, and on a
tie (`Accept: */*`) takes the last.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

W3C = "http://www.w3.org/ns/formats/"
SOLUTIONS, GRAPH, DATASET = "solutions", "graph", "dataset"  # what a format can carry


@dataclass(frozen=True)
class Format:
    name: str
    form: str  # SOLUTIONS (SELECT, ASK), GRAPH (CONSTRUCT, DESCRIBE, documents) or DATASET (named graphs)
    media_types: tuple[str, ...]  # the preferred one last
    w3c: str  # the local name of its IRI in http://www.w3.org/ns/formats/
    ox: ox.QueryResultsFormat | ox.RdfFormat
    names: tuple[str, ...] = ()  # what `format=` may also say
    rdflib: str | None = None

    @property
    def media_type(self) -> str:
        return self.media_types[-1]

    @property
    def iri(self) -> str:
        return W3C + self.w3c


FORMATS = (
    Format("tsv", SOLUTIONS, ("text/tab-separated-values",), "SPARQL_Results_TSV", ox.QueryResultsFormat.TSV),
    Format("csv", SOLUTIONS, ("text/csv",), "SPARQL_Results_CSV", ox.QueryResultsFormat.CSV),
    Format("xml", SOLUTIONS, ("application/xml", "application/sparql-results+xml"), "SPARQL_Results_XML",
           ox.QueryResultsFormat.XML, ("srx",)),
    Format("json", SOLUTIONS, ("application/json", "application/sparql-results+json"), "SPARQL_Results_JSON",
           ox.QueryResultsFormat.JSON, ("srj",)),
    Format("rdfxml", GRAPH, ("application/rdf+xml",), "RDF_XML", ox.RdfFormat.RDF_XML, ("rdf", "xml"), "xml"),
    # plain application/json is what generic JSON clients ask for (SPARQLWrapper's JSON for a CONSTRUCT)
    Format("jsonld", GRAPH, ("application/json", "application/ld+json"), "JSON-LD", ox.RdfFormat.JSON_LD,
           ("json-ld", "json"), "json-ld"),
    Format("ntriples", GRAPH, ("text/plain", "application/n-triples"), "N-Triples", ox.RdfFormat.N_TRIPLES,
           ("nt", "n-triples"), "nt"),
    Format("turtle", GRAPH, ("text/turtle",), "Turtle", ox.RdfFormat.TURTLE, ("ttl",), "turtle"),
    Format("trig", DATASET, ("application/trig",), "TriG", ox.RdfFormat.TRIG, (), "trig"),
    Format("nquads", DATASET, ("application/n-quads",), "N-Quads", ox.RdfFormat.N_QUADS, ("nq",), "nquads"),
)
BY_NAME = {f.name: f for f in FORMATS}
_BY_MEDIA_TYPE = {(f.form, m): f for f in FORMATS for m in f.media_types}  # looked up on every request


def of_form(form: str) -> tuple[Format, ...]:
    return tuple(f for f in FORMATS if f.form == form)


def by_media_type(media_type: str, form: str) -> Format | None:
    """The format of `form` a media type means (application/json: SPARQL JSON for solutions,
    JSON-LD for a graph)."""
    return _BY_MEDIA_TYPE.get((form, media_type))


def by_parameter(value: str, form: str) -> Format | None:
    """The format of `form` that a `format=` value typed by hand names: a short name or a media type."""
    value = value.strip().lower()
    return next((f for f in FORMATS if f.form == form and (value == f.name or value in f.names or value in f.media_types)), None)
