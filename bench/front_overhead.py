#!/usr/bin/env python3
"""What the request path around the engine costs on /sparql: the fast path (`api.app.Front`
sending /sparql straight to its endpoint, inside Starlette's error middleware; a request without
an Origin, as here, skips the CORS middleware) against the same endpoint routed through FastAPI
(its middleware stack, CORS included, and router), in-process.

The engine is a stub that answers at once, so only the request path is timed: one ASGI call per
request, no socket, on the event loop, median of `--reps` runs of `--requests` requests each.

    .venv/bin/python bench/front_overhead.py [--requests 20000] [--reps 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from api.app import create_app
from api.config import ServiceConfig
from graph.engine import Engine, GraphInfo, QueryJob, QueryOutcome
from graph.results import Serialized

ANSWER = QueryOutcome("boolean", Serialized(b'{"head":{},"boolean":true}', 1, False))
QUERY = b"query=ASK%20%7B%20%3Chttp%3A%2F%2Fexample.org%2Fa%3E%20%3Fp%20%3Fo%20%7D"


class Instant(Engine):
    """An engine that answers every query at once: the request path is all that is timed."""

    def __init__(self) -> None:
        self.info = GraphInfo("loaded", "bench", None, 0, ())
        self.prefixes = {}

    async def run(self, job: QueryJob) -> QueryOutcome:
        return ANSWER


async def measure(app, path: str, requests: int) -> float:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": QUERY,
             "headers": [(b"host", b"127.0.0.1"), (b"accept", b"application/sparql-results+json")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000)}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses = []

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    start = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), receive, send)
    elapsed = time.perf_counter() - start
    assert set(statuses) == {200}, set(statuses)
    return elapsed / requests * 1e6


async def main(requests: int, reps: int) -> None:
    front = create_app(ServiceConfig("http://127.0.0.1:8000"), Instant)
    front.app.router.add_route("/sparql-routed", front.endpoint, methods=["GET"])  # the same endpoint, routed
    front.access.record = lambda *args: None  # no log lines: both paths alike
    async with front.app.router.lifespan_context(front.app):
        fast, routed = [], []
        for _ in range(reps):
            fast.append(await measure(front, "/sparql", requests))
            routed.append(await measure(front, "/sparql-routed", requests))
    print(f"per request, median of {reps} x {requests}: fast path {statistics.median(fast):.1f} us, "
          f"through FastAPI {statistics.median(routed):.1f} us ({statistics.median(routed) / statistics.median(fast):.2f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.reps))
