"""Linked Data: entity IRIs, the ontology, the shapes, the JSON-LD context, VoID and dumps.

Each document is negotiated (JSON-LD, Turtle, N-Triples, HTML; `?format=` for links typed by
hand) and cacheable: `ETag` from the graph version, `Cache-Control`, `304` on `If-None-Match`,
`Vary: Accept`. The dumps are files: each has a strong `ETag`, its SHA-256, and `Last-Modified`,
and `/dumps/` lists them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi import Path as FastApiPath
from fastapi.responses import FileResponse, Response
from rdflib import Graph

from api import negotiation, pages
from api.documents import CACHE_CONTROL, document_response, not_modified
from api.entity_page import derived_rows, external_identifiers, incoming_rows, statement_rows
from api.problems import Problem
from api.relations import relations_svg
from api.state import ServiceState
from api.state import service_state as _state
from api.timeline import timeline_svg
from graph.context import context
from graph.entity import EntityDocument, describe, exists, statements_query
from graph.overview import neighbours, timeline
from graph.schema_org import schema_org
from graph.service_description import void_summary
from graph.store import CHECKSUMS, DUMP_FILES, DUMP_FORMATS, dump_checksums
from graph.summary import summary
from graph.vocabulary import vocabulary_terms

router = APIRouter(tags=["Linked Data"])

DOCUMENT_TYPES = ["application/n-triples", "text/turtle", "application/ld+json"]
# What generic clients ask for, answered as /sparql does: text/plain is N-Triples (rdflib's
# parse(format="nt") asks for it), application/json is JSON-LD.
PLAIN_ALIASES = ["text/plain", "application/json"]
CONNECTIONS_LISTED = 100  # neighbours an entity page names in its list; past them, the count and a query for all
INCOMING_LISTED = 50  # entities an entity page names per incoming property; past them, "and N more" and the query
VOCABULARY_TYPES = [negotiation.HTML, "application/rdf+xml", "application/ld+json", "text/turtle"]


def _choose(request: Request, offered: list[str]) -> str:
    return negotiation.choose(offered, request.headers.get("accept"), request.query_params.get("format"))


@router.get(
    "/id/{path:path}",
    summary="An entity of the graph",
    description="Every entity IRI `{base}/id/{kind}/{slug}` resolves here: JSON-LD (compacted with "
    "`/context.jsonld`), Turtle, N-Triples, or an HTML page, by Accept or `?format=`.",
    responses={200: {"content": {m: {} for m in (*DOCUMENT_TYPES, "text/html")}}, 404: {"description": "unknown IRI"}},
)
async def entity(request: Request, path: str = FastApiPath(..., examples=["person/colin-knox", "organization/nazarbayev-university"])):
    state = _state(request)
    iri = f"{state.base}/id/{path}"
    try:
        media = _choose(request, [negotiation.HTML, *PLAIN_ALIASES, *DOCUMENT_TYPES])  # on a tie (*/*) the last, JSON-LD, wins
    except Problem as refused:  # a client that accepts only problem documents still learns the entity is unknown
        if refused.status == 406 and not exists(state.engine, iri):
            raise Problem(404, f"no entity {iri} in this graph") from None
        raise
    response = await document_response(request, state, iri, media, lambda: _entity_body(request, state, iri, media))
    if response is None:
        raise Problem(404, f"no entity {iri} in this graph")
    return response


def _entity_body(request: Request, state: ServiceState, iri: str, media: str):
    document = describe(state.engine, iri, state.profiles, state.context_url)
    if document is None:
        return None
    if media in ("application/ld+json", "application/json"):
        return json.dumps(document.jsonld, ensure_ascii=False, indent=1).encode()
    if media == negotiation.HTML:
        return _entity_page(request, state, document)
    return document.serialize(negotiation.format_name(media, negotiation.GRAPH), state.prefixes)


def _entity_page(request: Request, state: ServiceState, document: EntityDocument):
    """The entity's HTML page: its summary by kind first (graph/summary.py), a link that opens
    the query of its statements in the query editor, its statements with their quotes, its
    external identifiers by scheme, what is derived, its incoming links, connections and
    events in time (README, "Browsing")."""
    iri, expand = document.iri, state.ns.expand_or_keep
    dated, undated = timeline(state.engine, state.ns, about=iri)
    around = neighbours(state.engine, state.ns, iri)
    label = next(iter(document.jsonld.get("label") or []), iri)
    name = label if isinstance(label, str) else iri
    iris, labels = state.property_names
    return pages.render(request, "entity.html", doc=document.jsonld, iri=iri, markup=_markup(state, document),
                        summary=summary(state.engine, state.ns, iri),
                        query_this=f"{state.base}/query?{urlencode({'query': statements_query(iri, state.ns, name)})}",
                        rows=statement_rows(document.jsonld, iris, labels, expand, state.ns.compact),
                        external=external_identifiers(document.jsonld, name, expand),
                        derived=derived_rows(document.derived, iris, labels, expand, state.ontology, document.jsonld),
                        incoming=incoming_rows(document.jsonld, iris, labels, expand), dated=dated, undated=undated,
                        around=around, listed=CONNECTIONS_LISTED, listed_per_property=INCOMING_LISTED, picture=timeline_svg(dated, f"Timeline of the {len(dated)} dated events linked to this entity"),
                        relations=relations_svg(name, around, "#connections-list"))


def _markup(state: ServiceState, document: EntityDocument) -> str | None:
    """schema.org JSON-LD for crawlers, safe inside a <script> element."""
    markup = schema_org(document.jsonld, document.iri, state.ns.expand_or_keep)
    return json.dumps(markup, ensure_ascii=False).replace("</", "<\\/") if markup else None


@router.get("/context.jsonld", summary="The JSON-LD context of entity documents", tags=["Linked Data"])
async def jsonld_context(request: Request):
    state = _state(request)
    return await document_response(request, state, "context", "application/ld+json",
                           lambda: json.dumps(context(state.base), indent=1).encode())


async def _vocabulary_document(request: Request, graph: Graph, key: str, title: str):
    state = _state(request)
    media = _choose(request, VOCABULARY_TYPES)

    def make():
        if media == negotiation.HTML:
            terms = vocabulary_terms(graph, state.ns)
            instances = dict(void_summary(state.void)["classes"])
            return pages.render(request, "vocabulary.html", title=title, terms=terms, iri=f"{state.base}/{key}", instances=instances)
        return graph.serialize(format=negotiation.rdflib_name(media), encoding="utf-8")

    return await document_response(request, state, key, media, make)


@router.get("/ontology", summary="The ontology (Turtle, JSON-LD, RDF/XML or HTML)")
async def ontology(request: Request):
    return await _vocabulary_document(request, _state(request).ontology, "ontology", "Ontology")


@router.get("/shapes", summary="The SHACL shapes (Turtle, JSON-LD, RDF/XML or HTML)")
async def shapes(request: Request):
    return await _vocabulary_document(request, _state(request).shapes, "shapes", "SHACL shapes")


@router.get("/.well-known/void", summary="VoID description of the dataset")
async def void(request: Request):
    state = _state(request)
    media = _choose(request, VOCABULARY_TYPES)
    if media == negotiation.HTML:  # a browser: what it says, readable, and the Turtle
        return await document_response(request, state, "void", media, lambda: pages.render(
            request, "void.html", void=void_summary(state.void), turtle=state.void.serialize(format="turtle")))
    fmt = negotiation.rdflib_name(media)
    return await document_response(request, state, "void", media, lambda: state.void.serialize(format=fmt, encoding="utf-8"))


@dataclass(frozen=True)
class DumpFile:
    """A file of the dumps written with the store (graph/store.py), as /dumps/ lists it."""

    name: str
    path: Path
    url: str
    bytes: int
    modified: float  # seconds since the epoch: its Last-Modified
    sha256: str  # the dumps': from SHA256SUMS, so that the ETag is the checksum a user checks
    media_type: str  # as served
    format: str | None  # the RDF format inside the gzip (None: the checksums file)

    def public(self) -> dict:
        """What /dumps/ says of it."""
        return {**{k: v for k, v in asdict(self).items() if k != "path"},
                "modified": datetime.fromtimestamp(self.modified, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}

    @property
    def etag(self) -> str:
        """Strong: these are the file's bytes, and they never change (a new version is another store)."""
        return f'"{self.sha256}"'

    @property
    def headers(self) -> dict[str, str]:
        return {"ETag": self.etag, "Last-Modified": formatdate(self.modified, usegmt=True), "Cache-Control": CACHE_CONTROL}


def dump_files(state: ServiceState) -> list[DumpFile]:
    """The dumps of the version `state` serves, the checksums file last; none for an engine
    without dump files. Blocking (a few stats and the small SHA256SUMS read)."""
    engine, files = state.engine, []
    sums_file = engine.dump_file(CHECKSUMS)
    sums = dump_checksums(sums_file) if sums_file is not None else {}
    for name in DUMP_FILES:
        path = engine.dump_file(name)
        if path is None:
            continue
        stat, checksums = path.stat(), name == CHECKSUMS
        digest = sums.get(name) or hashlib.sha256(path.read_bytes()).hexdigest()  # the checksums' own: two lines
        files.append(DumpFile(name, path, f"{state.base}/dumps/{name}", stat.st_size, stat.st_mtime, digest,
                              "text/plain; charset=us-ascii" if checksums else "application/gzip",
                              None if checksums else DUMP_FORMATS[name].media_type))
    return files


@router.get("/dumps/", summary="The dumps of this version: sizes, media types, SHA-256, links (JSON, or HTML to a browser)")
async def dump_listing(request: Request):
    state = _state(request)
    media = _choose(request, [negotiation.HTML, "application/json"])  # on a tie (*/*) JSON, for programs

    def make():
        files = dump_files(state)
        listing = {"version": state.info.version,
                   "dumps": [f.public() for f in files if f.name != CHECKSUMS],
                   "checksums": next((f.public() for f in files if f.name == CHECKSUMS), None)}
        if media == negotiation.HTML:
            return pages.render(request, "dumps.html", listing=listing)
        return json.dumps(listing, indent=1).encode()

    return await document_response(request, state, "dumps", media, make)


@router.get("/dumps/{name}", summary="The whole dataset, gzipped (graph.nq.gz or graph.trig.gz)",
            responses={304: {"description": "the client's copy is current (`If-None-Match`, or `If-Modified-Since`)"}})
async def dump(request: Request, name: str = FastApiPath(..., examples=["graph.nq.gz", "graph.trig.gz"])):
    """The dumps are written with the store, when it is built or loaded: never at request time.
    Strong `ETag` (the SHA-256), `Last-Modified`, 304 on either validator; HEAD: api.app.Front."""
    found = next((f for f in await asyncio.to_thread(dump_files, _state(request)) if f.name == name), None)
    if found is None:
        raise Problem(404, f"no dump {name}; available: {', '.join(DUMP_FILES)}")
    if not_modified(request.headers.get("if-none-match"), found.etag, request.headers.get("if-modified-since"), found.modified):
        return Response(status_code=304, headers=found.headers)
    return FileResponse(found.path, media_type=found.media_type, filename=name, headers=found.headers)
