"""A worker follows the data directory: a new graph version is opened and started before it is
served, every request is answered by one version from start to end, the old engine is closed
once its last request ends, and a store that cannot be served leaves the old one serving
(api/state.py `Versions`, graph/engine/following.py `Follower`). In-process; the same with
real `kg serve` processes and builds is tests/e2e/test_versions.py."""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from api.app import create_app
from api.config import ServiceConfig
from graph.build import to_oxigraph
from graph.engine.following import Follower
from graph.engine.memory import MemoryEngine
from graph.errors import KgError
from graph.loading import load_files
from graph.store import POINTER
from tests.support.paths import BASE

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
NEWCOMER = f"{BASE}/id/person/newcomer"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


class Spied(MemoryEngine):
    """A MemoryEngine that says when it is started and closed, and whose queries can be held."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events: list[str] = []
        self.hold: asyncio.Event | None = None

    async def start(self) -> None:
        self.events.append("started")

    async def run(self, job):
        if self.hold is not None:
            await self.hold.wait()
        return await super().run(job)

    async def close(self) -> None:
        self.events.append("closed")


@pytest.fixture(scope="module")
def quads(built) -> list[ox.Quad]:
    return list(to_oxigraph(built[1].compiled.dataset))


def version(quads, name: str, *, newcomer: bool = False, base: str = BASE) -> Spied:
    extra = [ox.Quad(ox.NamedNode(NEWCOMER), RDFS_LABEL, ox.Literal("Zhanar Newcomer"), ox.NamedNode(f"{BASE}/graph/test"))]
    return Spied(quads + (extra if newcomer else []), base_iri=base, version=name)


def count(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


async def serving(first: Spied, newer, scenario):
    """Run `scenario(client, versions)` against the application over `first`, following `newer`."""
    front = create_app(ServiceConfig(BASE, reload_interval=0.02), lambda: first, newer)
    async with front.app.router.lifespan_context(front.app):
        transport = httpx.ASGITransport(app=front)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            return await scenario(client, front.app.state.versions)


async def until_version(client: httpx.AsyncClient, name: str) -> None:
    for _ in range(200):
        if (await client.get("/health")).json()["version"] == name:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"version {name} never served")


def test_a_new_version_is_started_before_it_serves_and_the_old_one_closed_after_its_last_request(quads):
    old, new = version(quads, "v1"), version(quads, "v2", newcomer=True)
    offered: list[Spied] = []

    async def scenario(client, versions):
        search = (await client.get("/search", params={"q": "newcomer"})).json()["results"]  # the index of v1, built
        etag_before = (await client.get("/id/person/colin-knox")).headers["etag"]
        old.hold = asyncio.Event()
        in_flight = asyncio.create_task(client.get("/sparql", params={"query": COUNT},
                                                   headers={"Accept": "application/sparql-results+json"}))
        await asyncio.sleep(0.05)
        offered.append(new)
        await until_version(client, "v2")
        assert new.events == ["started"] and old.events == ["started"]  # started before serving; v1 still in use
        answer = await client.get("/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
        entity = await client.get("/id/person/colin-knox")
        found = (await client.get("/search", params={"q": "newcomer"})).json()["results"]
        old.hold.set()
        held = await in_flight
        for _ in range(100):
            if old.events[-1] == "closed":
                break
            await asyncio.sleep(0.01)
        return search, etag_before, answer, entity, found, held, versions

    newer = lambda: offered.pop() if offered else None  # noqa: E731
    search, etag_before, answer, entity, found, held, versions = asyncio.run(serving(old, newer, scenario))
    assert held.headers["kg-graph-version"] == "v1" and count(held) == old.info.triples  # in flight: the old version, whole
    assert answer.headers["kg-graph-version"] == "v2" and count(answer) == new.info.triples == old.info.triples + 1
    assert entity.headers["kg-graph-version"] == "v2" and entity.headers["etag"] != etag_before
    assert search == [] and [hit["id"] for hit in found] == [NEWCOMER]  # the search index follows the version
    assert old.events == ["started", "closed"] and new.events == ["started", "closed"]  # (closed at shutdown)
    assert versions.retired == []


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_store_that_cannot_be_served_leaves_the_old_version_serving_with_one_line(quads):
    old = version(quads, "v1")
    elsewhere = version(quads, "v3", base="http://elsewhere.test")
    offers: list = [elsewhere, KgError("the store data/stores/x named by data/current.json is missing")]

    async def scenario(client, versions):
        for _ in range(30):
            await asyncio.sleep(0.02)
            response = await client.get("/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
            assert response.headers["kg-graph-version"] == "v1" and count(response) == old.info.triples
        return (await client.get("/health")).json()

    def newer():
        if not offers:
            return None
        offer = offers.pop()
        if isinstance(offer, Exception):
            raise offer
        return offer

    logger, seen = logging.getLogger("kg.versions"), Lines()  # the service configures the root logger itself
    logger.addHandler(seen)
    try:
        health = asyncio.run(serving(old, newer, scenario))
    finally:
        logger.removeHandler(seen)
    assert health["version"] == "v1" and health["status"] == "ready"
    lines = seen.lines
    assert len(lines) == 2 and all(line.startswith("still serving version v1: ") for line in lines), lines
    assert "is missing" in lines[0] and "built for base IRI http://elsewhere.test" in lines[1]
    assert elsewhere.events == ["closed"]  # never started, and its store released


def tiny(folder: Path, n: int) -> Path:
    path = folder / f"tiny{n}.nt"
    path.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> <http://example.org/o> .\n" for i in range(n)))
    return path


def test_the_follower_opens_another_store_once_per_change_of_current_json(tmp_path):
    data = tmp_path / "data"
    load_files(data, [tiny(tmp_path, 1)])
    follower = Follower(data)
    first = follower.open()
    assert follower.newer() is None  # nothing changed: a stat, nothing opened
    load_files(data, [tiny(tmp_path, 2)])
    second = follower.newer()
    assert second is not None and second.info.triples == 2 and second.opened.folder != first.opened.folder
    assert follower.newer() is None
    pointer = json.loads((data / POINTER).read_text())
    (data / POINTER).write_text(json.dumps({**pointer, "path": "stores/gone"}))  # a store deleted under it
    with pytest.raises(KgError, match="missing"):
        follower.newer()
    assert follower.newer() is None  # tried again only when current.json changes again
    load_files(data, [tiny(tmp_path, 3)])
    third = follower.newer()
    assert third is not None and third.info.triples == 3
    for engine in (first, second, third):
        asyncio.run(engine.close())


def test_an_old_version_is_freed_once_closed_nothing_keeps_its_store_open(tmp_path):
    data = tmp_path / "data"
    load_files(data, [tiny(tmp_path, 1)])
    follower, opened = Follower(data), []

    def remembered(engine):
        if engine is not None:
            opened.append(weakref.ref(engine))
        return engine

    front = create_app(ServiceConfig(BASE, reload_interval=0.02), lambda: remembered(follower.open()),
                       lambda: remembered(follower.newer()))

    async def scenario():
        async with front.app.router.lifespan_context(front.app):
            transport = httpx.ASGITransport(app=front)
            async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
                for n in (2, 3, 4):
                    await asyncio.to_thread(load_files, data, [tiny(tmp_path, n)])
                    for _ in range(200):
                        response = await client.get("/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
                        if count(response) == n:
                            break
                        await asyncio.sleep(0.01)
                await asyncio.sleep(0.1)
                return [ref() is not None for ref in opened]  # without a garbage collection: freed when dropped

    assert asyncio.run(scenario()) == [False, False, False, True]
