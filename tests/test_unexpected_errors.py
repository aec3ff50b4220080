"""The last-resort handler: a fault in the service's own code is a 500 problem document, not a traceback."""

from __future__ import annotations

import asyncio

import httpx

from api.app import create_app
from kg.settings import Settings


def test_an_unexpected_exception_in_a_route_is_a_500_problem_document_naming_its_kind():
    front = create_app(Settings())

    @front.app.get("/broken")
    async def broken():
        raise RuntimeError("a bug, with a secret detail")

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=front, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/broken")

    response = asyncio.run(fetch())
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 500 and "RuntimeError" in problem["detail"]
    assert "secret detail" not in response.text and "Traceback" not in response.text
