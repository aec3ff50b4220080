"""Linked Data: entity IRIs, the ontology, the shapes, the JSON-LD context, VoID and dumps.

Each document is negotiated (JSON-LD, Turtle, N-Triples, HTML; `?format=` for links typed by
hand) and cacheable: `ETag` from the graph version, `Cache-Control`, `304` on `If-None-Match`,
`Vary: Accept`.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import os
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi import Path as FastApiPath
from fastapi.responses import FileResponse, Response
from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from api import negotiation, pages
from api.problems import Problem
from api.state import ServiceState
from graph.context import context
from graph.entity import EntityDocument, describe
from graph.schema_org import schema_org

router = APIRouter(tags=["Linked Data"])

DOCUMENT_TYPES = ["application/n-triples", "text/turtle", "application/ld+json"]
CACHE_CONTROL = "public, max-age=300"


def _state(request: Request) -> ServiceState:
    return request.app.state.kg


def _choose(request: Request, offered: list[str]) -> str:
    fmt = request.query_params.get("format")
    if fmt:
        media = negotiation.from_format_parameter(fmt, graph=True)
        if media not in offered:
            raise Problem(406, f"format={fmt} is not available here; available: {', '.join(offered)}")
        return media
    media = negotiation.best(offered, request.headers.get("accept"))
    if media is None:
        raise Problem(406, f"none of the accepted types is available; available: {', '.join(offered)}")
    return media


async def _document(request: Request, state: ServiceState, key: str, media: str, make) -> Response | None:
    """The document `key` as `media`, built once by `make()` (in a thread; None when there is no
    such document) and then served from the document cache; 304 when the client has it."""
    def build() -> bytes | None:
        built = make()
        return built.body if isinstance(built, Response) else built

    body = await state.documents.obtain((key, media), build)
    if body is None:
        return None
    etag = '"' + hashlib.sha256(f"{state.info.version}|{key}|{media}".encode()).hexdigest()[:24] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    content_type = media if media.startswith("application/") else f"{media}; charset=utf-8"
    return Response(body, media_type=content_type, headers=headers)


def _triples_bytes(triples, media: str, prefixes: dict[str, str]) -> bytes:
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    if media == "text/turtle":
        return ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    return ox.serialize(ordered, format=ox.RdfFormat.N_TRIPLES)


@router.head("/id/{path:path}", include_in_schema=False)
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
    media = _choose(request, [negotiation.HTML, *DOCUMENT_TYPES])  # on a tie (*/*) the last, JSON-LD, wins
    response = await _document(request, state, iri, media, lambda: _entity_body(request, state, iri, media))
    if response is None:
        raise Problem(404, f"no entity {iri} in this graph")
    return response


def _entity_body(request: Request, state: ServiceState, iri: str, media: str):
    document = describe(state.store, iri, state.profiles, state.context_url)
    if document is None:
        return None
    if media == "application/ld+json":
        return json.dumps(document.jsonld, ensure_ascii=False, indent=1).encode()
    if media == negotiation.HTML:
        return pages.render(request, "entity.html", doc=document.jsonld, iri=document.iri, markup=_markup(state, document))
    return _triples_bytes(document.triples, media, state.prefixes)


def _markup(state: ServiceState, document: EntityDocument) -> str | None:
    """schema.org JSON-LD for crawlers, safe inside a <script> element."""
    expand = lambda curie: state.ns.expand(curie) or curie  # noqa: E731
    markup = schema_org(document.jsonld, document.iri, lambda c: str(expand(c)))
    return json.dumps(markup, ensure_ascii=False).replace("</", "<\\/") if markup else None


@router.get("/context.jsonld", summary="The JSON-LD context of entity documents", tags=["Linked Data"])
async def jsonld_context(request: Request):
    state = _state(request)
    return await _document(request, state, "context", "application/ld+json",
                           lambda: json.dumps(context(state.base), indent=1).encode())


async def _vocabulary_document(request: Request, graph: Graph, key: str, title: str):
    state = _state(request)
    media = _choose(request, [negotiation.HTML, "application/rdf+xml", "application/ld+json", "text/turtle"])

    def make():
        if media == negotiation.HTML:
            return pages.render(request, "vocabulary.html", title=title, terms=_terms(graph, state), iri=f"{state.base}/{key}")
        return graph.serialize(format=negotiation.RDFLIB_FORMATS[media], encoding="utf-8")

    return await _document(request, state, key, media, make)


def _terms(graph: Graph, state: ServiceState) -> list[dict]:
    terms = []
    for subject in sorted({s for s in graph.subjects(RDF.type, None) if str(s).startswith(state.base)}, key=str):
        kinds = sorted(state.ns.compact(str(t)) for t in graph.objects(subject, RDF.type))
        terms.append({
            "iri": str(subject),
            "anchor": str(subject).rpartition("#")[2],
            "label": str(graph.value(subject, RDFS.label) or ""),
            "comment": str(graph.value(subject, RDFS.comment) or ""),
            "kinds": kinds,
            "parents": sorted(state.ns.compact(str(o)) for o in graph.objects(subject, RDFS.subClassOf)),
            "superproperties": sorted(state.ns.compact(str(o)) for o in graph.objects(subject, RDFS.subPropertyOf)),
        })
    return terms


@router.get("/ontology", summary="The ontology (Turtle, JSON-LD, RDF/XML or HTML)")
async def ontology(request: Request):
    return await _vocabulary_document(request, _state(request).ontology, "ontology", "Ontology")


@router.get("/shapes", summary="The SHACL shapes (Turtle, JSON-LD, RDF/XML or HTML)")
async def shapes(request: Request):
    return await _vocabulary_document(request, _state(request).shapes, "shapes", "SHACL shapes")


@router.get("/.well-known/void", summary="VoID description of the dataset")
async def void(request: Request):
    state = _state(request)
    media = _choose(request, [negotiation.HTML, "application/rdf+xml", "application/ld+json", "text/turtle"])
    if media == negotiation.HTML:  # a browser: the Turtle, readable
        return await _document(request, state, "void", media, lambda: pages.render(
            request, "turtle.html", title="VoID description of the dataset", turtle=state.void.serialize(format="turtle")))
    fmt = negotiation.RDFLIB_FORMATS[media]
    return await _document(request, state, "void", media, lambda: state.void.serialize(format=fmt, encoding="utf-8"))


DUMPS = {"graph.nq.gz": ox.RdfFormat.N_QUADS, "graph.trig.gz": ox.RdfFormat.TRIG}


@router.get("/dumps/{name}", summary="The whole dataset, gzipped (graph.nq.gz or graph.trig.gz)")
async def dump(request: Request, name: str = FastApiPath(..., examples=["graph.nq.gz", "graph.trig.gz"])):
    state = _state(request)
    if name not in DUMPS:
        raise Problem(404, f"no dump {name}; available: {', '.join(DUMPS)}")
    path = state.settings.data_dir / "dumps" / f"{state.info.version}-{name}"
    if not path.is_file():
        await asyncio.to_thread(_write_dump, state.store, DUMPS[name], path, state.prefixes)
    return FileResponse(path, media_type="application/gzip", filename=name, headers={"Cache-Control": CACHE_CONTROL})


def _write_dump(store: ox.Store, fmt: ox.RdfFormat, path: Path, prefixes: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    data = store.dump(format=fmt, **({"prefixes": prefixes} if fmt == ox.RdfFormat.TRIG else {}))
    with gzip.open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
