"""The SPARQL 1.1 Protocol at /sparql: read the request, let the admission policy check it, hand
it to the engine, return its bytes. No graph logic here: that is graph.policy and graph.engine.

This endpoint is a plain ASGI application, called by api.app.Front (inside Starlette's error and
CORS middleware) before FastAPI's router: it is the service's hot path, and per request the
router costs more than evaluating a cheap query (bench/RESULTS.md). It reads the ASGI scope
directly and answers with two ASGI messages; the rarer answers (problems, HTML pages) are
Starlette responses. Its OpenAPI description, which FastAPI cannot derive from a plain ASGI app,
is `OPENAPI` below.

A GET's answer is cacheable: the graph version is read-only, so the answer is a function of the
version, the query, the dataset parameters, the negotiated type and the result limit, and its
weak `ETag` names them (weak: equivalent answers, not always the same bytes, as with blank
nodes or RAND()). A client or cache sending it back gets 304 before the query runs. A POST's
answer carries no validators (not cacheable by default, RFC 9110 §9.3.3).
"""

from __future__ import annotations

import json

from fastapi import FastAPI
from starlette.requests import Request

from api import negotiation, pages
from api.documents import CACHE_CONTROL, NOT_MODIFIED_VARY, entity_tag, not_modified
from api.editor import downloads, editor_page
from api.forms import parse_form, read_body
from api.problems import Problem, engine_problem, problem_response
from api.state import ServiceState
from graph.engine import QueryJob
from graph.errors import (
    EngineFailed,
    EngineUnavailable,
    KgError,
    QueryCrashed,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooLarge,
    UpdateRefused,
    WrongResultFormat,
)
from graph.formats import GRAPH, SOLUTIONS
from graph.policy import UPDATE_REFUSED
from graph.service_description import graph_kinds, service_description

FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"


class SparqlEndpoint:
    """ASGI app for /sparql. `app` is the FastAPI application whose state and templates it uses."""

    def __init__(self, app: FastAPI):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        scope["app"] = self.app  # what Starlette sets, for the templates' Request
        headers = dict(scope["headers"])  # ASGI header names are lower-case bytes
        try:
            response = await self._respond(scope, receive, headers)
        except (EngineUnavailable, EngineFailed) as exc:  # the service description's reads
            problem = engine_problem(exc)
            response = problem_response(problem.status, problem.detail, "/sparql", problem.headers)
        except Problem as exc:
            response = problem_response(exc.status, exc.detail, "/sparql", exc.headers)
        await response(scope, receive, send)

    async def _respond(self, scope, receive, headers: dict[bytes, bytes]):
        state: ServiceState = scope["kg"]  # the version this request is served by (api.app.Front)
        method = scope["method"]
        url = parse_form(scope["query_string"], "the query string")
        if method in ("GET", "HEAD"):
            if "update" in url:
                raise Problem(403, UPDATE_REFUSED)
            queries = url.get("query", [])
            if len(queries) > 1:
                raise Problem(400, "more than one `query` parameter")
            if not queries:
                return await self._description(scope, receive, state, url, headers)
            return await self._run(scope, receive, state, headers, queries[0], url, url)
        if method != "POST":
            raise Problem(405, f"method {method} is not allowed on /sparql", headers={"Allow": ALLOWED_METHODS})
        media, charset = _content_type(headers.get(b"content-type", b"").decode("latin-1"))
        if media == UPDATE_TYPE or (media == FORM_TYPE and "update" in url):
            raise Problem(403, UPDATE_REFUSED)
        if media not in (FORM_TYPE, QUERY_TYPE):
            raise Problem(415, f"unsupported request body type {media or 'none'}: use {FORM_TYPE} or {QUERY_TYPE}")
        if charset not in ("utf-8", "utf8"):
            raise Problem(415, f"unsupported charset {charset}: requests must be UTF-8")
        body = await read_body(receive, headers, state.config.max_request_bytes, state.config.read_timeout)
        if media == QUERY_TYPE:
            return await self._run(scope, receive, state, headers, _decode(body, "the query"), url, url)
        form = parse_form(body, "the form")
        if "update" in form:
            raise Problem(403, UPDATE_REFUSED)
        queries = form.get("query", [])
        if len(queries) != 1:
            raise Problem(400, "a form POST needs exactly one `query` parameter" if queries else "missing `query` parameter")
        if "format" not in form and "format" in url:
            form["format"] = url["format"]
        return await self._run(scope, receive, state, headers, queries[0], form, url)

    async def _run(self, scope, receive, state: ServiceState, headers, query: str, params: dict, url: dict):
        """`params`: where the dataset and format parameters are (the form, or the URL)."""
        config = state.config
        if len(query.encode()) > config.max_request_bytes:
            raise Problem(413, f"query longer than {config.max_request_bytes} bytes")
        default_graphs = tuple(params.get("default-graph-uri", ()))
        named_graphs = tuple(params.get("named-graph-uri", ()))
        try:
            analysis = config.policy.admit(query, state.prefixes, state.graphs, default_graphs, named_graphs)
        except UpdateRefused as exc:
            raise Problem(403, str(exc)) from None
        except QueryRefused as exc:
            raise Problem(400, str(exc)) from None
        form = GRAPH if analysis.form in ("CONSTRUCT", "DESCRIBE") else SOLUTIONS
        media = _negotiate(headers, form, _single(params, "format"))
        html = media == negotiation.HTML
        cache: dict[str, str] = {}
        if scope["method"] != "POST":  # a GET's answer is a function of these and the version: cacheable (a POST's is not)
            cache, unchanged = _validated(headers, entity_tag(
                state.info.version, config.result_limit, media, default_graphs, named_graphs, query, weak=True))
            if unchanged is not None:  # the client has it: 304, and the query does not run
                return unchanged
        job = QueryJob(
            query=query,
            fmt=("turtle" if form == GRAPH else "json") if html else negotiation.format_name(media, form),
            limit=config.result_limit,
            base_iri=f"{state.base}/sparql",  # relative IRIs resolve against the endpoint, as Fuseki and Oxigraph do
            default_graphs=default_graphs or None,
            named_graphs=named_graphs or None,
        )
        try:
            outcome = await state.engine.run(job)
        except QuerySyntaxError as exc:
            raise Problem(400, str(exc)) from None
        except QueryTimeout as exc:
            raise Problem(503, str(exc), headers={"Retry-After": "1"}) from None
        except WrongResultFormat as exc:
            raise Problem(406, str(exc)) from None
        except QueryTooLarge as exc:
            raise Problem(503, str(exc)) from None
        except (EngineUnavailable, EngineFailed) as exc:  # ours, not the query's
            raise engine_problem(exc) from None
        except QueryCrashed as exc:  # ours too: the guard lets through no query known to crash the engine
            raise Problem(500, str(exc)) from None
        except KgError as exc:
            raise Problem(400, str(exc)) from None
        result = outcome.result
        truncated = {"KG-Results-Truncated": f"limit={config.result_limit}"} if result.truncated else {}
        if result.truncated and self.app.state.metrics is not None:
            self.app.state.metrics.results_cut()
        if html:
            return pages.render(
                Request(scope, receive),
                "results.html",
                query=query,
                kind=outcome.form,
                result=json.loads(result.body) if outcome.form != "graph" else None,
                graph_text=result.body.decode() if outcome.form == "graph" else None,
                truncated=result.truncated,
                limit=config.result_limit,
                downloads=downloads()[outcome.form],
                headers={"Vary": "Accept", **truncated, **cache},
            )
        content_type = negotiation.content_type(media)
        return BytesResponse(result.body, content_type.encode(), _raw({**truncated, **cache}), headers)

    async def _description(self, scope, receive, state: ServiceState, url: dict, headers):
        accept = headers.get(b"accept", b"").decode("latin-1") or None
        media = negotiation.choose(DESCRIPTION_TYPES, accept, _single(url, "format"))
        if media == negotiation.HTML:
            return editor_page(Request(scope, receive), None)
        cache, unchanged = _validated(headers, entity_tag(state.info.version, "service-description", media))  # as api.documents
        if unchanged is not None:
            return unchanged
        rdflib_format = negotiation.rdflib_name(media)
        body = await state.documents.obtain(("service-description", media), lambda: service_description(
            state.base, state.info, graph_kinds(state.engine)).serialize(format=rdflib_format, encoding="utf-8"))
        return BytesResponse(body, media.encode(), _raw(cache), headers)


class BytesResponse:
    """A 200 with a body already in bytes, sent as two ASGI messages; with the body None, its 304:
    the same validators and Vary, no body, no content headers (RFC 9110 §15.4.5)."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, body: bytes | None, content_type: bytes, extra: list[tuple[bytes, bytes]], request_headers: dict[bytes, bytes]):
        # caches keep a copy per Origin too; to a request with an Origin, Starlette's CORS
        # middleware (api.app.Front) adds it itself
        vary = b"Accept" if b"origin" in request_headers else b"Accept, Origin"
        if body is None:  # Vary as the 200's, which is gzipped when large (api.documents.NOT_MODIFIED_VARY)
            self.status, self.body, self.headers = 304, b"", [(b"vary", vary + b", " + NOT_MODIFIED_VARY.encode()), *extra]
        else:
            self.status, self.body = 200, body
            self.headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), (b"vary", vary), *extra]

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else self.body})


def _validated(headers: dict[bytes, bytes], etag: str) -> tuple[dict[str, str], BytesResponse | None]:
    """The caching headers of an answer named `etag`, and its 304 when the client already has it
    (api.documents.not_modified), else None."""
    cache = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if_none_match = headers.get(b"if-none-match")
    if if_none_match is None or not not_modified(if_none_match.decode("latin-1"), etag):
        return cache, None
    return cache, BytesResponse(None, b"", _raw(cache), headers)


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """Headers as ASGI sends them: lower-case names, bytes."""
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _content_type(value: str) -> tuple[str, str]:
    media, _, parameters = value.partition(";")
    charset = "utf-8"
    for parameter in parameters.split(";"):
        key, _, val = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip('"').lower()
    return media.strip().lower(), charset


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, f"{what} is not valid UTF-8 (byte {exc.start})") from None


# the service description: rdflib writes it; to a browser, the query page (on a tie, */*, too)
DESCRIPTION_TYPES = ("text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples", negotiation.HTML)


def _negotiate(headers: dict[bytes, bytes], form: str, fmt: str | None) -> str:
    """Results go to a browser as a page only when it names HTML (not for */*), or format=html."""
    offered = negotiation.GRAPH_TYPES if form == GRAPH else negotiation.SOLUTION_TYPES
    accept = headers.get(b"accept", b"").decode("latin-1") or None
    if fmt or negotiation.names_html(accept):
        offered = (*offered, negotiation.HTML)
    return negotiation.choose(offered, accept, fmt, form)


# -- OpenAPI: FastAPI describes its own routes; this one is described by hand ----------------------

QUERY_EXAMPLE = "SELECT ?name WHERE { ?person a kgo:Person ; rdfs:label ?name } ORDER BY ?name"
_RESULT_TYPES = {m: {} for m in (*negotiation.SOLUTION_TYPES, *negotiation.GRAPH_TYPES, negotiation.HTML)}
_PROBLEM = {"application/problem+json": {"schema": {"type": "object"}}}
_ERRORS = {
    "400": {"description": "syntax error (with the parser's message and position), SERVICE not allowed, query nested too deep", "content": _PROBLEM},
    "403": {"description": "SPARQL Update is refused", "content": _PROBLEM},
    "406": {"description": "no acceptable result format", "content": _PROBLEM},
    "408": {"description": "the request body did not arrive within the read time limit", "content": _PROBLEM},
    "413": {"description": "request body (or the query in it) too large", "content": _PROBLEM},
    "414": {"description": "query string too long: send the query in a POST body", "content": _PROBLEM},
    "503": {"description": "the query passed the time limit and was stopped", "content": _PROBLEM},
}
_GRAPH_PARAMETERS = [
    {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "description": "graphs whose merge is the default graph (default: the union of all graphs)"},
    {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "description": "graphs GRAPH may range over (default: all)"},
    {"name": "format", "in": "query", "schema": {"type": "string", "enum": negotiation.FORMAT_NAMES},
     "description": "result format, overriding Accept (for links typed by hand)"},
]
OPENAPI = {
    "get": {
        "tags": ["SPARQL"],
        "operationId": "sparql_get",
        "summary": "SPARQL query by GET, or the service description",
        "description": "With `query`: runs it (SPARQL 1.1 Protocol). Without: the SPARQL 1.1 Service Description "
        "(Turtle, JSON-LD, RDF/XML by Accept) or, to a browser, a query page.",
        "parameters": [
            {"name": "query", "in": "query", "schema": {"type": "string"}, "example": QUERY_EXAMPLE,
             "description": "the SPARQL query; without it, the service description"},
            *_GRAPH_PARAMETERS,
        ],
        "responses": {"200": {"description": "the results, or the service description (with `ETag` and `Cache-Control`)",
                              "content": _RESULT_TYPES},
                      "304": {"description": "the client's copy (`If-None-Match`) is current: the query was not run"}, **_ERRORS},
    },
    "post": {
        "tags": ["SPARQL"],
        "operationId": "sparql_post",
        "summary": "SPARQL query by POST",
        "description": f"`{FORM_TYPE}` with `query` (and `default-graph-uri`, `named-graph-uri`), "
        f"or `{QUERY_TYPE}` with the query as the body and the graph parameters in the URL. "
        "Updates are refused with 403.",
        "parameters": _GRAPH_PARAMETERS,
        "requestBody": {
            "required": True,
            "content": {
                QUERY_TYPE: {"schema": {"type": "string"}, "example": QUERY_EXAMPLE},
                FORM_TYPE: {
                    "schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
                    "example": {"query": QUERY_EXAMPLE},
                },
            },
        },
        "responses": {
            "200": {"description": "the results", "content": _RESULT_TYPES},
            **_ERRORS,
            "415": {"description": "a body type other than the protocol's two", "content": _PROBLEM},
        },
    },
}
