"""RFC 9457 problem details: every error the service gives has this body."""

from __future__ import annotations

import json
from http import HTTPStatus

from fastapi.responses import JSONResponse

from graph.errors import EngineFailed, EngineUnavailable

PROBLEM_TYPE = "application/problem+json"


class Problem(Exception):
    """Raise anywhere in a handler; the app turns it into a problem response."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def engine_problem(exc: EngineUnavailable | EngineFailed) -> Problem:
    """The engine's trouble, not the request's: 503 (try again soon) when it cannot answer, 502
    when it answered with an error of its own."""
    if isinstance(exc, EngineUnavailable):
        return Problem(503, str(exc), {"Retry-After": "1"})
    return Problem(502, str(exc))


def problem_document(status: int, detail: str, instance: str | None = None) -> dict:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    return body


def problem_response(status: int, detail: str, instance: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem_document(status, detail, instance), status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def problem_bytes(status: int, detail: str, headers: dict[str, str] | None = None) -> bytes:
    """A whole HTTP/1.1 response carrying the problem, for a connection that answers and closes
    before any application sees the request."""
    body = json.dumps(problem_document(status, detail)).encode()
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"content-type: {PROBLEM_TYPE}",
             f"content-length: {len(body)}", "connection: close", *(f"{name}: {value}" for name, value in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
