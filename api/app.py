"""The ASGI application: the request log and size cap around everything, /sparql straight to its
endpoint, everything else through FastAPI (routers, error handling, CORS).

`create_app(config, open_engine, newer)` makes it: the configuration is a plain object and the
engine is made by `open_engine()` when the application starts (in the worker process that serves
it), then replaced by the engine `newer()` returns when the data directory names another store
(api/state.py: `Versions`), so that this layer reads no environment and knows no engine but
through graph.engine.Engine.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from api import editor, linked_data, pages, reconcile, sameas, search
from api.cache import DocumentCache
from api.config import SERVICE_VERSION, ServiceConfig
from api.error_pages import ProblemPages, problems_as_pages, wants_pages
from api.logs import AccessLog, flush_periodically, log_to_stderr
from api.metrics import CONTENT_TYPE as METRICS_TYPE
from api.metrics import Metrics, route_of
from api.problems import Problem, engine_problem, problem_response
from api.sparql import OPENAPI as SPARQL_OPENAPI
from api.sparql import SparqlEndpoint
from api.state import ServiceState, Versions, service_state, started
from api.timeline import timeline_svg
from graph.engine import Engine
from graph.errors import EngineFailed, EngineUnavailable, KgError

DESCRIPTION = """
A read-only knowledge graph of public administration and civil-service reform in Kazakhstan.

* **SPARQL 1.1 Protocol** at `/sparql` (GET, POST form, POST `application/sparql-query`).
* **Linked Data**: every entity IRI `/id/{kind}/{slug}` as JSON-LD, Turtle, N-Triples or HTML.
* **Search** by name at `/search`; **VoID** at `/.well-known/void`; dumps under `/dumps/`.

Errors are RFC 9457 problem documents (`application/problem+json`).
"""

# one CORS policy for the FastAPI routes and the /sparql endpoint alike
CORS = {
    "allow_origins": ["*"],
    "allow_methods": ["GET", "HEAD", "POST", "OPTIONS"],
    "allow_headers": ["*"],
    "expose_headers": ["ETag", "KG-Results-Truncated", "KG-Graph-Version", "Content-Type"],
}


async def internal_error(request: Request, exc: Exception):
    """The last resort, for every route: a problem document, never a traceback to the client."""
    logging.getLogger("kg").exception("unhandled error on %s", request.url.path)
    return problem_response(500, f"internal error ({type(exc).__name__}); the request was not completed", str(request.url.path))


class Front:
    """The service's ASGI entry point.

    One log line per request (method, path, status, duration) and the query-string size cap (414) for
    every request, each served by one graph version, pinned when it arrives (`scope["kg"]`) and
    named in a `KG-Graph-Version` header on its answer; then /sparql to the SPARQL endpoint
    directly, inside Starlette's own error middleware (FastAPI's router costs more per request
    than a cheap query: bench/RESULTS.md), the rest to FastAPI. A /sparql request that carries an
    Origin (a browser's cross-origin call, or a preflight) goes through Starlette's CORS
    middleware too, with the policy of every other route; one without skips its ~5 us (the
    endpoint sends `Vary: Accept, Origin` itself).
    `app` is the FastAPI application, for `app.state` and the OpenAPI document.
    """

    def __init__(self, app: FastAPI, sparql, max_query_string: int, max_headers: int, access: AccessLog,
                 metrics: Metrics | None = None, metrics_here: bool = False):
        self.app = app
        self.metrics = metrics  # None: KG_METRICS=off
        self.metrics_here = metrics_here  # /metrics answered on this port
        self.max_headers = max_headers
        self.endpoint = sparql
        self.routes = compressed(ProblemPages(app))
        endpoint = compressed(ProblemPages(sparql))
        self.sparql = ServerErrorMiddleware(endpoint, handler=internal_error)
        self.sparql_cross_origin = ServerErrorMiddleware(CORSMiddleware(endpoint, **CORS), handler=internal_error)
        self.max_query_string = max_query_string
        self.access = access

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 0
        versions: Versions | None = getattr(self.app.state, "versions", None)  # None until the lifespan has run
        state = scope["kg"] = versions.pin() if versions is not None else None

        async def send_and_record(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if state is not None:
                    message = {**message, "headers": [*message["headers"], state.version_header]}
            await send(message)

        own_problem = problems_as_pages(send_and_record, scope) if wants_pages(scope) else send_and_record
        try:
            if len(scope["query_string"]) > self.max_query_string:
                response = problem_response(414, f"query string longer than {self.max_query_string} bytes (send a long query in a POST body)")
                await response(scope, receive, own_problem)
            elif sum(len(name) + len(value) for name, value in scope["headers"]) > self.max_headers:
                response = problem_response(431, f"request headers larger than {self.max_headers} bytes in all")
                await response(scope, receive, own_problem)
            elif scope["path"] == "/metrics" and self.metrics_here:
                await self._metrics(scope, receive, send_and_record)
            elif scope["path"] == "/sparql":
                cross_origin = any(name == b"origin" for name, _ in scope["headers"])
                await (self.sparql_cross_origin if cross_origin else self.sparql)(scope, receive, send_and_record)
            elif scope["method"] == "HEAD":  # HEAD wherever GET is allowed: the GET's headers, no body
                await self.routes({**scope, "method": "GET"}, receive, _without_body(send_and_record))
            else:
                await self.routes(scope, receive, send_and_record)
        except asyncio.CancelledError:  # the server is stopping and gave up waiting for this request
            if status:
                raise
            response = problem_response(503, "the service is shutting down; try again", headers={"Retry-After": "1"})
            await response(scope, receive, own_problem)  # an answer, not a dropped connection or a 500
        finally:
            if state is not None:
                state.release()
            seconds = time.perf_counter() - start
            self.access.record(scope["method"], scope["path"], status, seconds)
            if self.metrics is not None:
                self.metrics.observe(scope["method"], route_of(scope), status, seconds)

    async def _metrics(self, scope, receive, send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            response = problem_response(405, "/metrics answers GET", headers={"Allow": "GET, HEAD"})
        else:
            body = await asyncio.to_thread(self.metrics.exposition)
            response = Response(b"" if scope["method"] == "HEAD" else body, media_type=METRICS_TYPE,
                                headers={"Cache-Control": "no-store"})
        await response(scope, receive, send)


STATIC = Path(__file__).parent / "static"  # the pages' own files: no asset is ever fetched from elsewhere
FAVICON = (STATIC / "favicon.svg").read_bytes()  # browsers ask /favicon.ico: an SVG serves both
GZIP_MINIMUM_BYTES = 1024  # smaller answers (most lookups) are sent as they are: compressing them costs more than it saves
CONNECTED_WAIT = 3.0  # seconds the home page waits for the most connected entities before it says they are being counted
GZIP_LEVEL = 6  # zlib's default: most of level 9's saving for a fraction of its time


def compressed(app):
    """gzip for clients that accept it (Starlette's middleware; already compressed dumps excluded)."""
    return GZipMiddleware(app, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)


def _without_body(send):
    async def send_headers_only(message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_headers_only


def create_app(config: ServiceConfig, open_engine: Callable[[], Engine],
               newer: Callable[[], Engine | None] | None = None) -> Front:
    """The service over the engine `open_engine()` makes at start-up; with `newer` (blocking:
    the engine of another graph version when there is one, else None), asked every
    `config.reload_interval` seconds, over each new version in turn. Every engine is closed
    once no request uses it, or at shutdown."""
    log_handler = log_to_stderr()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = await started(await asyncio.to_thread(open_engine), config.base_iri)
        documents = DocumentCache(config.document_cache_mb * 1024 * 1024)
        versions = app.state.versions = Versions(ServiceState(config, engine, documents), newer)
        versions.current.warm_in_background()
        if config.metrics.isdigit():
            app.state.metrics.serve_on(config.metrics_host, int(config.metrics))
        del engine, documents  # this frame lives as long as the service: it must not hold the first version
        tasks = [asyncio.create_task(flush_periodically(log_handler))]
        if newer is not None and config.reload_interval > 0:
            tasks.append(asyncio.create_task(versions.follow(config.reload_interval)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await versions.close()
            log_handler.flush()

    app = FastAPI(
        title="Public administration knowledge graph",
        version=SERVICE_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below with their scripts from /static, not from a CDN
        redoc_url=None,
    )
    app.include_router(linked_data.router)
    app.include_router(search.router)
    app.include_router(sameas.router)
    app.include_router(reconcile.router)
    app.include_router(editor.router)

    @app.get(
        "/health",
        tags=["Operations"],
        summary="Readiness, graph version and size",
        responses={200: {"content": {"application/json": {"example": {
            "status": "ready", "graph": "curated", "version": "a093588188e18d00", "triples": 12942,
            "release": {"number": 2, "issued": "2026-12-07T09:30:00Z", "iri": "https://example.org/kg/id/version/2"}}}}}},
    )
    async def health(request: Request):
        state = service_state(request)
        info = state.info
        body = {"status": "ready", "graph": info.origin, "version": info.version, "triples": info.triples}
        reason = await state.engine.ready()
        if reason is not None:
            return JSONResponse({**body, "status": "unavailable", "reason": reason}, status_code=503)
        published = await asyncio.to_thread(lambda: state.published_version)  # None: records changed since the last publish
        return {**body, "release": {k: published[k] for k in ("number", "issued", "iri")} if published else None}

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui():
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title}: API",
                                   swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css", swagger_favicon_url="/favicon.svg")

    @app.get("/redoc", include_in_schema=False)
    async def redoc():
        return get_redoc_html(openapi_url=app.openapi_url, title=f"{app.title}: API", redoc_js_url="/static/vendor/redoc/redoc.standalone.js",
                              redoc_favicon_url="/favicon.svg", with_google_fonts=False)

    @app.get("/favicon.ico", include_in_schema=False)
    @app.get("/favicon.svg", include_in_schema=False)
    async def favicon():
        return Response(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def home(request: Request):
        state: ServiceState = service_state(request)
        overview = await asyncio.to_thread(lambda: state.overview)
        try:  # counted once per version (read ahead when it starts): the page does not wait long for it
            connected = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(state.connected())), CONNECTED_WAIT)
        except TimeoutError:
            connected = None
        except KgError as exc:  # the count failed (said once in the log): the page goes without it, the next visit counts again
            logging.getLogger("kg").warning("the most connected entities could not be counted: %s", exc)
            connected = None
        return pages.render(request, "home.html", info=state.info, examples=pages.example_queries(state.base),
                            release=await asyncio.to_thread(lambda: state.published_version), **overview, connected=connected,
                            picture=timeline_svg(overview["dated"], f"Timeline of the {len(overview['dated'])} dated events"))

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem):
        return problem_response(exc.status, exc.detail, str(request.url.path), exc.headers)

    @app.exception_handler(EngineUnavailable)
    @app.exception_handler(EngineFailed)
    async def on_engine_trouble(request: Request, exc: EngineUnavailable | EngineFailed):
        problem = engine_problem(exc)
        return problem_response(problem.status, problem.detail, str(request.url.path), problem.headers)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"nothing at {request.url.path}"
        return problem_response(exc.status_code, detail, str(request.url.path), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return problem_response(400, f"invalid request: {where}: {first.get('msg', 'invalid value')}", str(request.url.path))

    app.add_exception_handler(Exception, internal_error)
    app.add_middleware(CORSMiddleware, **CORS)

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema["paths"] = {"/sparql": SPARQL_OPENAPI, **schema.get("paths", {})}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    metrics = None if config.metrics == "off" else Metrics(lambda: versions_of(app))
    app.state.metrics = metrics
    return Front(app, SparqlEndpoint(app), max_query_string=config.max_request_bytes, max_headers=config.max_header_bytes,
                 access=AccessLog(log_handler), metrics=metrics, metrics_here=config.metrics == "on")


def versions_of(app: FastAPI):
    """The version a worker serves now (None before it has started)."""
    versions = getattr(app.state, "versions", None)
    return versions.current if versions is not None else None
