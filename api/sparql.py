"""The SPARQL 1.1 Protocol at /sparql: read the request, check it, hand it to a query process,
return its bytes. No graph logic here: that is graph.sparql_guard, graph.evaluate and the pool."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api import negotiation, pages
from api.problems import Problem
from api.state import ServiceState
from api.workers import QueryCrashed, QueryTimeout
from graph.errors import KgError, QuerySyntaxError
from graph.evaluate import QueryJob, WrongResultFormat
from graph.service_description import service_description
from graph.sparql_guard import analyse

router = APIRouter(tags=["SPARQL"])

MAX_DEPTH = 200  # the engine crashes (segfault) on queries nested a few thousand deep
UPDATE_REFUSED = "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, ...) is not accepted"

QUERY_EXAMPLE = "SELECT ?name WHERE { ?person a kgo:Person ; rdfs:label ?name } ORDER BY ?name"


def _state(request: Request) -> ServiceState:
    return request.app.state.kg


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"request body larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"request body larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, f"{what} is not valid UTF-8 (byte {exc.start})") from None


@router.get(
    "/sparql",
    summary="SPARQL query by GET, or the service description",
    description="With `query`: runs it (SPARQL 1.1 Protocol). Without: the SPARQL 1.1 Service Description "
    "(Turtle, JSON-LD, RDF/XML by Accept) or, to a browser, a query page.",
    responses={200: {"content": {m: {} for m in (*negotiation.SOLUTIONS, *negotiation.GRAPHS, "text/html")}}},
    # parameters are read from the request directly (a hot path); they are documented here
    openapi_extra={"parameters": [
        {"name": "query", "in": "query", "schema": {"type": "string"}, "example": QUERY_EXAMPLE,
         "description": "the SPARQL query; without it, the service description"},
        {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
         "description": "graphs whose merge is the default graph (default: the union of all graphs)"},
        {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
         "description": "graphs GRAPH may range over (default: all)"},
        {"name": "format", "in": "query", "schema": {"type": "string", "enum": sorted(negotiation.FORMAT_PARAMETER)},
         "description": "result format, overriding Accept (for links typed by hand)"},
    ]},
)
async def sparql_get(request: Request):
    state = _state(request)
    params = request.query_params
    if "update" in params:
        raise Problem(403, UPDATE_REFUSED)
    queries = params.getlist("query")
    if len(queries) > 1:
        raise Problem(400, "more than one `query` parameter")
    if not queries:
        return _description(request, state, params.get("format"))
    return await run(
        request, state, queries[0], params.getlist("default-graph-uri"), params.getlist("named-graph-uri"), params.get("format")
    )


@router.post(
    "/sparql",
    summary="SPARQL query by POST",
    description="`application/x-www-form-urlencoded` with `query` (and `default-graph-uri`, `named-graph-uri`), "
    "or `application/sparql-query` with the query as the body and the graph parameters in the URL. "
    "Updates are refused with 403.",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/sparql-query": {"example": QUERY_EXAMPLE},
                "application/x-www-form-urlencoded": {"example": "query=" + QUERY_EXAMPLE},
            }
        }
    },
)
async def sparql_post(request: Request):
    state = _state(request)
    content_type = request.headers.get("content-type", "")
    media, _, parameters = content_type.partition(";")
    media = media.strip().lower()
    charset = next((p.split("=", 1)[1].strip().strip('"').lower() for p in parameters.split(";") if p.strip().lower().startswith("charset=")), "utf-8")
    if media == "application/sparql-update" or (media == "application/x-www-form-urlencoded" and "update" in request.query_params):
        raise Problem(403, UPDATE_REFUSED)
    if media not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        shown = media or "none"
        raise Problem(415, f"unsupported request body type {shown}: use application/x-www-form-urlencoded or application/sparql-query")
    if charset not in ("utf-8", "utf8"):
        raise Problem(415, f"unsupported charset {charset}: requests must be UTF-8")
    body = await _body(request, state.settings.max_request_bytes)
    url = request.query_params
    if media == "application/sparql-query":
        return await run(
            request, state, _decode(body, "the query"), url.getlist("default-graph-uri"), url.getlist("named-graph-uri"), url.get("format")
        )
    form = parse_qs(_decode(body, "the form"), keep_blank_values=True)
    if "update" in form:
        raise Problem(403, UPDATE_REFUSED)
    queries = form.get("query", [])
    if len(queries) != 1:
        raise Problem(400, "a form POST needs exactly one `query` parameter" if queries else "missing `query` parameter")
    fmt = (form.get("format") or [None])[0] or url.get("format")
    return await run(request, state, queries[0], form.get("default-graph-uri", []), form.get("named-graph-uri", []), fmt)


def _negotiate(request: Request, form: str | None, fmt: str | None) -> str:
    graph = form in ("CONSTRUCT", "DESCRIBE")
    offered = negotiation.GRAPHS if graph else negotiation.SOLUTIONS
    if fmt:
        media = negotiation.from_format_parameter(fmt, graph)
        if media is None:
            raise Problem(406, f"format={fmt} is not available for this query; use one of: {', '.join(offered)}")
        return media
    media = negotiation.best([*offered, negotiation.HTML] if _prefers_html(request) else list(offered), request.headers.get("accept"))
    if media is None:
        raise Problem(406, f"none of the accepted types can carry this result; available: {', '.join(offered)}")
    return media


def _prefers_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept


async def run(request: Request, state: ServiceState, query: str, default_graphs: list[str], named_graphs: list[str], fmt: str | None):
    settings = state.settings
    if len(query.encode()) > settings.max_request_bytes:
        raise Problem(413, f"query longer than {settings.max_request_bytes} bytes")
    analysis = analyse(query, state.prefixes)
    if analysis.is_update:
        raise Problem(403, UPDATE_REFUSED)
    if analysis.max_depth > MAX_DEPTH:
        raise Problem(400, f"query nested {analysis.max_depth} levels deep; the limit is {MAX_DEPTH}")
    refused = [e for e in analysis.service_endpoints if e not in settings.service_allowlist]
    if refused:
        allowed = ", ".join(settings.service_allowlist) or "none (KG_SERVICE_ALLOWLIST is empty)"
        raise Problem(400, f"SERVICE {refused[0]} is not allowed; endpoints allowed: {allowed}")
    media = _negotiate(request, analysis.form, fmt)
    html = media == negotiation.HTML
    graph = analysis.form in ("CONSTRUCT", "DESCRIBE")
    internal = ("turtle" if graph else "json") if html else (negotiation.GRAPHS if graph else negotiation.SOLUTIONS)[media]
    job = QueryJob(
        query=query,
        fmt=internal,
        limit=settings.result_limit,
        default_graphs=tuple(default_graphs) or None,
        named_graphs=tuple(named_graphs) or None,
    )
    try:
        outcome = await state.pool.run(job)
    except QuerySyntaxError as exc:
        raise Problem(400, str(exc)) from None
    except QueryTimeout as exc:
        raise Problem(503, str(exc), headers={"Retry-After": "1"}) from None
    except QueryCrashed as exc:
        raise Problem(400, str(exc)) from None
    except WrongResultFormat as exc:
        raise Problem(406, str(exc)) from None
    except KgError as exc:
        raise Problem(400, str(exc)) from None
    result = outcome.result
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["KG-Results-Truncated"] = f"limit={settings.result_limit}"
    if html:
        return pages.render(
            request,
            "results.html",
            query=query,
            kind=outcome.kind,
            result=json.loads(result.body) if outcome.kind != "graph" else None,
            graph_text=result.body.decode() if outcome.kind == "graph" else None,
            truncated=result.truncated,
            limit=settings.result_limit,
            headers=headers,
        )
    content_type = media if media.startswith("application/") else f"{media}; charset=utf-8"
    return Response(result.body, media_type=content_type, headers=headers)


def _description(request: Request, state: ServiceState, fmt: str | None):
    offered = list(negotiation.RDFLIB_FORMATS) + [negotiation.HTML]
    media = negotiation.from_format_parameter(fmt, graph=True) if fmt else negotiation.best(offered, request.headers.get("accept"))
    if media is None or (media not in negotiation.RDFLIB_FORMATS and media != negotiation.HTML):
        raise Problem(406, f"the service description is available as {', '.join(offered)}")
    if media == negotiation.HTML:
        return pages.render(request, "sparql.html", examples=pages.example_queries(), prefixes=state.prefixes)
    graph = service_description(state.base, state.info, state.store)
    body = graph.serialize(format=negotiation.RDFLIB_FORMATS[media], encoding="utf-8")
    return Response(body, media_type=media, headers={"Vary": "Accept"})
