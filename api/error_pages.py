"""Problems as pages for people: an answer carrying a problem document (RFC 9457,
`application/problem+json`) to a client that names `text/html` in its Accept (a browser) is sent
as an HTML page instead, with the same status and headers (`Retry-After`...), the message, and for
/sparql the query in an editable form, so that a syntax error, a time-out or an unknown entity is
never raw JSON in a browser. Programs, which do not ask for HTML, keep the problem document."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from urllib.parse import parse_qs

from api.negotiation import names_html
from api.pages import TEMPLATES
from api.problems import PROBLEM_TYPE


def wants_pages(scope) -> bool:
    accept = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"accept"), None)
    return names_html(accept)


def problems_as_pages(send, scope):
    """`send`, with a problem answer replaced by its page (the rest passes through untouched)."""
    held: dict | None = None
    body: list[bytes] = []

    async def send_page_for_problem(message) -> None:
        nonlocal held
        if message["type"] == "http.response.start" and _is_problem(message["headers"]):
            held = message
            return
        if held is not None and message["type"] == "http.response.body":
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            page = _page(held["status"], b"".join(body), scope)
            headers = [(n, v) for n, v in held["headers"] if n not in (b"content-type", b"content-length")]
            headers += [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(page)).encode())]
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": page})
            return
        await send(message)

    return send_page_for_problem


def _is_problem(headers) -> bool:
    return any(name == b"content-type" and value.split(b";")[0].strip() == PROBLEM_TYPE.encode() for name, value in headers)


def _page(status: int, document: bytes, scope) -> bytes:
    try:
        detail = str(json.loads(document).get("detail") or "")
    except (ValueError, AttributeError):
        detail = document.decode("utf-8", "replace")
    state = scope.get("kg")
    query = None
    if scope["path"] == "/sparql":
        query = (parse_qs(scope.get("query_string", b"").decode("latin-1")).get("query") or [None])[0]
    return TEMPLATES.get_template("error.html").render(
        base=state.base if state is not None else "", status=status, phrase=_phrase(status), detail=detail,
        path=scope["path"], query=query, sparql=scope["path"] == "/sparql", at=_position(detail, query)).encode()


_AT = re.compile(r"at line (\d+), column (\d+)")


def _position(detail: str, query: str | None) -> dict | None:
    """Where in the query a syntax error is (graph.engine.evaluate words it "at line L, column
    C"): the line, split around the character marked. The parser's position is just past what
    it could not read ("{ ?s ?p }" fails at the column after "}"), so the mark is on the last
    character before that position that is not a space."""
    found = _AT.search(detail)
    if found is None or query is None:
        return None
    lines = query.splitlines() or [""]
    line, column = int(found[1]), int(found[2])
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1]
    at = min(column - 1, len(text)) - 1
    while at > 0 and text[at].isspace():
        at -= 1
    at = max(at, 0)
    return {"line": line, "column": column, "before": text[:at], "marked": text[at:at + 1] or " ", "after": text[at + 1:]}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class ProblemPages:
    """ASGI middleware: `problems_as_pages` for the requests of browsers."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and wants_pages(scope):
            send = problems_as_pages(send, scope)
        await self.app(scope, receive, send)
