"""The embedded engine: the Oxigraph store on local disk, one version held for the engine's life.

User queries go to the killable query pool (graph/engine/pool.py) when one is configured (the
service), or are evaluated in a thread of this process (the command line). The service's own
reads use the store directly; `triples()` is an index lookup instead of a CONSTRUCT.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyoxigraph as ox

from graph.config import PoolConfig
from graph.engine.base import GraphInfo, Term
from graph.engine.evaluate import QueryJob, QueryOutcome, evaluate
from graph.engine.local import LocalEngine
from graph.engine.pool import QueryPool
from graph.namespaces import default_prefixes
from graph.store import OpenedStore, graph_names, open_store

DEFAULT_GRAPH = ox.DefaultGraph()


class EmbeddedEngine(LocalEngine):
    def __init__(self, opened: OpenedStore, pool: PoolConfig | None = None):
        self.opened = opened
        self.store = opened.store
        info = opened.info
        self.info = GraphInfo(info.origin, info.version, info.base_iri, info.triples, tuple(graph_names(self.store)))
        self.prefixes = default_prefixes(info.base_iri)
        self._pool = QueryPool(opened.database, pool, self.prefixes) if pool is not None else None

    @classmethod
    def open(cls, data_dir: Path, pool: PoolConfig | None = None) -> EmbeddedEngine:
        """The current store of `data_dir`; with `pool`, user queries run in a killable process."""
        return cls(open_store(data_dir), pool)

    async def start(self) -> None:
        if self._pool is not None:
            await self._pool.start()

    async def run(self, job: QueryJob) -> QueryOutcome:
        if self._pool is not None:
            return await self._pool.run(job)
        return await asyncio.to_thread(evaluate, self.store, job, self.prefixes)


    def triples(self, subject: Term | None = None, predicate: ox.NamedNode | None = None,
                object: Term | None = None, limit: int | None = None) -> list[ox.Triple]:
        quads = self.store.quads_for_pattern(subject, predicate, object, DEFAULT_GRAPH)
        if limit is None:
            return [quad.triple for quad in quads]
        found = sorted((quad.triple for quad in quads), key=lambda t: (t.subject.value, t.predicate.value))
        return found[:limit]  # the first in the order of the base class's CONSTRUCT

    def dump_file(self, name: str) -> Path | None:
        return self.opened.dump_file(name)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
        self.opened.close()
