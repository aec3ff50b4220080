"""The embedded engine: the Oxigraph store on local disk, one version held for the engine's life.

User queries go to killable query processes (graph/engine/pool.py) when a pool is configured
(the service), or are evaluated in a thread of this process (the command line). The service's
own reads use the store directly; `triples()` is an index lookup instead of a CONSTRUCT.

Two lanes, each a query process of its own with KG_QUERY_THREADS threads: queries of a shape
none of whose recent runs took a quarter of a second (graph.engine.pool.QueryCosts) go to the
fast lane, every other query to the general one. However many slow queries hold the general
lane's threads, and however often one of them is killed at its time limit (which stops every
query in that process), a query that takes milliseconds is answered by the fast lane in
milliseconds. A query of a shape never seen goes to the general lane; once it has run in less
than a quarter of a second, its kind takes the fast lane; a run past it sends it back. With
`PoolConfig.lanes` 1 (KG_QUERY_LANES=1), one process serves both: half the memory, and cheap
queries wait for a free thread among the slow ones.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyoxigraph as ox

from graph.config import PoolConfig
from graph.engine.base import GraphInfo, Term
from graph.engine.evaluate import QueryJob, QueryOutcome, evaluate
from graph.engine.local import LocalEngine
from graph.engine.pool import QueryCosts, QueryPool
from graph.namespaces import default_prefixes
from graph.sparql_guard import query_shape
from graph.store import OpenedStore, graph_names, open_store

DEFAULT_GRAPH = ox.DefaultGraph()


class EmbeddedEngine(LocalEngine):
    def __init__(self, opened: OpenedStore, pool: PoolConfig | None = None, costs: QueryCosts | None = None):
        self.opened = opened
        self.store = opened.store
        info = opened.info
        self.info = GraphInfo(info.origin, info.version, info.base_iri, info.triples, tuple(graph_names(self.store)))
        self.prefixes = default_prefixes(info.base_iri)
        self._lanes: tuple[QueryPool, QueryPool] | None = None  # (fast, general): one pool twice with one lane
        self._pools: tuple[QueryPool, ...] = ()  # each pool once
        if pool is not None:
            self.costs = costs if costs is not None else QueryCosts()  # shared with the engines of later versions (graph/engine/following.py)
            general = QueryPool(opened.database, pool, self.prefixes, self.costs)
            fast = QueryPool(opened.database, pool, self.prefixes, self.costs) if pool.lanes > 1 else general
            self._lanes = (fast, general)
            self._pools = (general, fast) if fast is not general else (general,)

    @classmethod
    def open(cls, data_dir: Path, pool: PoolConfig | None = None) -> EmbeddedEngine:
        """The current store of `data_dir`; with `pool`, user queries run in a killable process.
        (`kg serve` opens it through graph.engine.following.Follower, which follows later versions.)"""
        return cls(open_store(data_dir), pool)

    async def start(self) -> None:
        await asyncio.gather(*(pool.start() for pool in self._pools))

    async def ready(self) -> str | None:
        reasons = [reason for reason in await asyncio.gather(*(pool.ready() for pool in self._pools)) if reason]
        return reasons[0] if reasons else None

    async def run(self, job: QueryJob) -> QueryOutcome:
        if self._lanes is None:
            return await asyncio.to_thread(evaluate, self.store, job, self.prefixes)
        shape = query_shape(job.query)
        fast, general = self._lanes
        return await (fast if self.costs.fast(shape) else general).run(job, shape)

    def triples(self, subject: Term | None = None, predicate: ox.NamedNode | None = None,
                object: Term | None = None, limit: int | None = None, graph: str | None = None) -> list[ox.Triple]:
        quads = self.store.quads_for_pattern(subject, predicate, object, DEFAULT_GRAPH if graph is None else ox.NamedNode(graph))
        if limit is None:
            return [quad.triple for quad in quads]
        found = sorted((quad.triple for quad in quads), key=lambda t: (t.subject.value, t.predicate.value))
        return found[:limit]  # the first in the order of the base class's CONSTRUCT

    def counters(self) -> dict[str, int]:
        """Its query processes' counts (graph.engine.pool.QueryPool.counts), both lanes together."""
        total: dict[str, int] = {}
        for pool in self._pools:
            for name, n in pool.counts.items():
                total[name] = total.get(name, 0) + n
        return total

    def dump_file(self, name: str) -> Path | None:
        return self.opened.dump_file(name)

    async def close(self) -> None:
        await asyncio.gather(*(pool.close() for pool in self._pools))
        self.opened.close()
