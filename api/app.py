"""The ASGI application: routers, error handling, CORS, limits and the request log."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import linked_data, pages, reconcile, sameas, search, sparql
from api.problems import Problem, problem_response
from api.state import open_state
from kg.settings import Settings

log = logging.getLogger("kg.access")

DESCRIPTION = """
A read-only knowledge graph of public administration and civil-service reform in Kazakhstan.

* **SPARQL 1.1 Protocol** at `/sparql` (GET, POST form, POST `application/sparql-query`).
* **Linked Data**: every entity IRI `/id/{kind}/{slug}` as JSON-LD, Turtle, N-Triples or HTML.
* **Search** by name at `/search`; **VoID** at `/.well-known/void`; dumps under `/dumps/`.

Errors are RFC 9457 problem documents (`application/problem+json`).
"""


class AccessLogAndLimits:
    """One log line per request (method, path, status, duration) and the query-string size cap."""

    def __init__(self, app, max_query_string: int):
        self.app = app
        self.max_query_string = max_query_string

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = {"code": 0}

        async def send_and_record(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            if len(scope.get("query_string", b"")) > self.max_query_string:
                response = problem_response(413, f"query string longer than {self.max_query_string} bytes")
                await response(scope, receive, send_and_record)
            else:
                await self.app(scope, receive, send_and_record)
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            log.info("%s %s %d %.1fms", scope["method"], scope["path"], status["code"], elapsed)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.kg = await open_state(settings)
        try:
            yield
        finally:
            await app.state.kg.pool.close()

    app = FastAPI(
        title="Public administration knowledge graph",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.include_router(sparql.router)
    app.include_router(linked_data.router)
    app.include_router(search.router)
    app.include_router(sameas.router)
    app.include_router(reconcile.router)

    @app.get(
        "/health",
        tags=["Operations"],
        summary="Readiness, graph version and size",
        responses={200: {"content": {"application/json": {"example": {
            "status": "ready", "graph": "curated", "version": "a093588188e18d00", "triples": 12942}}}}},
    )
    async def health(request: Request):
        state = request.app.state.kg
        return {"status": "ready", "graph": state.info.kind, "version": state.info.version, "triples": state.info.triples}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def home(request: Request):
        state = request.app.state.kg
        return pages.render(request, "home.html", info=state.info, examples=pages.example_queries())

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem):
        return problem_response(exc.status, exc.detail, str(request.url.path), exc.headers)

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

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception):
        logging.getLogger("kg").exception("unhandled error on %s", request.url.path)
        return problem_response(500, f"internal error ({type(exc).__name__}); the request was not completed", str(request.url.path))

    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["ETag", "KG-Results-Truncated", "Content-Type"],
    )
    app.add_middleware(AccessLogAndLimits, max_query_string=settings.max_request_bytes)
    return app
