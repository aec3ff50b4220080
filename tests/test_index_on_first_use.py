"""The search index is built on first use, once, and without holding up the other requests."""

from __future__ import annotations

import asyncio
import time

import httpx

import graph.search
from api.app import create_app
from api.config import ServiceConfig
from graph.engine.embedded import EmbeddedEngine
from tests.support.paths import BASE


def test_the_first_search_builds_the_index_once_while_other_requests_are_answered(data_dir, monkeypatch):
    real_build = graph.search.SearchIndex.from_engine.__func__
    builds = []

    def slow_build(cls, *args, **kwargs):
        builds.append(time.monotonic())
        time.sleep(1.0)  # as reading every name of a large store does
        return real_build(cls, *args, **kwargs)

    monkeypatch.setattr(graph.search.SearchIndex, "from_engine", classmethod(slow_build))
    front = create_app(ServiceConfig(BASE), lambda: EmbeddedEngine.open(data_dir))

    async def scenario():
        async with front.app.router.lifespan_context(front.app):
            transport = httpx.ASGITransport(app=front)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                started = time.monotonic()
                searches = [asyncio.create_task(client.get("/search", params={"q": "knox"})) for _ in range(3)]
                await asyncio.sleep(0.2)  # the index is being built
                health = await client.get("/health")
                health_seconds = time.monotonic() - started
                return health, health_seconds, await asyncio.gather(*searches)

    health, health_seconds, searches = asyncio.run(scenario())
    assert health.status_code == 200 and health_seconds < 0.8  # the build takes over 1 s
    assert all(r.status_code == 200 and r.json()["results"][0]["label"] == "Colin Knox" for r in searches)
    assert len(builds) == 1
