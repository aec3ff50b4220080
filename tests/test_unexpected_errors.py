"""The last-resort handler: a fault in the service's own code is a 500 problem document, not a
traceback, on the FastAPI routes and on the /sparql endpoint alike."""

from __future__ import annotations

import asyncio

import httpx
from starlette.testclient import TestClient

from api.app import create_app
from api.config import ServiceConfig
from graph.engine import QueryJob, QueryOutcome
from tests.support.paths import BASE


def assert_problem_500(response: httpx.Response) -> None:
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 500 and "RuntimeError" in problem["detail"]
    assert "secret detail" not in response.text and "Traceback" not in response.text


def test_an_unexpected_exception_in_a_route_is_a_500_problem_document_naming_its_kind(memory_engine):
    front = create_app(ServiceConfig(BASE), lambda: memory_engine)

    @front.app.get("/broken")
    async def broken():
        raise RuntimeError("a bug, with a secret detail")

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=front, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/broken")

    assert_problem_500(asyncio.run(fetch()))


def test_an_unexpected_exception_under_the_sparql_endpoint_is_a_500_problem_document(memory_engine, monkeypatch):
    async def broken(job: QueryJob) -> QueryOutcome:
        raise RuntimeError("a bug, with a secret detail")

    with TestClient(create_app(ServiceConfig(BASE), lambda: memory_engine), raise_server_exceptions=False) as client:
        monkeypatch.setattr(memory_engine, "run", broken)
        response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert_problem_500(response)
