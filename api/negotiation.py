"""Content negotiation: the Accept header (q-values, wildcards) or an explicit `format=`."""

from __future__ import annotations

from functools import lru_cache

import mimeparse

# Offered media types and the internal format each one means. Order matters: on a tie (e.g.
# Accept: */*) mimeparse picks the LAST offered type, so the preferred default comes last.
SOLUTIONS = {
    "text/tab-separated-values": "tsv",
    "text/csv": "csv",
    "application/xml": "xml",
    "application/sparql-results+xml": "xml",
    "application/json": "json",
    "application/sparql-results+json": "json",
}
GRAPHS = {
    "application/json": "jsonld",  # what generic JSON clients ask for (SPARQLWrapper's JSON for CONSTRUCT)
    "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld",
    "text/plain": "ntriples",
    "application/n-triples": "ntriples",
    "text/turtle": "turtle",
}
HTML = "text/html"

# rdflib serialiser names, for the documents the service writes with rdflib (service
# description, VoID, ontology, shapes)
RDFLIB_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml", "application/n-triples": "nt"}

# `format=` values a person types by hand, per kind of result.
FORMAT_PARAMETER = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "srj": ("application/sparql-results+json", None),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "srx": ("application/sparql-results+xml", None),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "nt": (None, "application/n-triples"),
    "ntriples": (None, "application/n-triples"),
    "n-triples": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"),
    "json-ld": (None, "application/ld+json"),
    "rdfxml": (None, "application/rdf+xml"),
    "rdf": (None, "application/rdf+xml"),
    "html": (HTML, HTML),
}


def _clean(accept: str | None) -> str:
    """Drop media ranges mimeparse cannot read instead of failing the request."""
    if not accept or not accept.strip():
        return "*/*"
    good = []
    for part in accept.split(","):
        try:
            mimeparse.parse_media_range(part)
        except (mimeparse.MimeTypeParseException, ValueError, IndexError):
            continue
        good.append(part)
    return ",".join(good) or "*/*"


def best(offered: list[str], accept: str | None) -> str | None:
    """The offered media type the client prefers, or None if it accepts none of them."""
    return _best(tuple(offered), accept)


@lru_cache(maxsize=1024)  # clients send few distinct Accept headers; this is on every request
def _best(offered: tuple[str, ...], accept: str | None) -> str | None:
    return mimeparse.best_match(list(offered), _clean(accept)) or None


def from_format_parameter(value: str, graph: bool) -> str | None:
    pair = FORMAT_PARAMETER.get(value.strip().lower())
    if pair is None:
        # a full media type typed by hand
        value = value.strip().lower()
        offered = GRAPHS if graph else SOLUTIONS
        return value if value in offered or value == HTML else None
    return pair[1] if graph else pair[0]
