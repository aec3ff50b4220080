"""An in-memory engine that speaks SPARQL only: the test double of the engine seam.

It holds a dataset in an in-memory Oxigraph store and answers every read with a SPARQL query,
`triples()` included (the base class's CONSTRUCT): what works over it needs nothing a remote
SPARQL endpoint lacks. User queries are evaluated in a thread; one that passes the time limit is
answered QueryTimeout, though its thread runs on (nothing can stop it: tests only).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pyoxigraph as ox

from graph.engine.base import GraphInfo
from graph.engine.evaluate import QueryJob, QueryOutcome, evaluate
from graph.engine.local import LocalEngine
from graph.errors import QueryTimeout
from graph.namespaces import default_prefixes
from graph.store import count_triples, graph_names, materialize_union


class MemoryEngine(LocalEngine):
    def __init__(self, quads: Iterable[ox.Quad], *, origin: str = "curated", version: str = "memory",
                 base_iri: str | None = None, timeout: float = 10.0):
        self.store = ox.Store()
        self.store.extend(quads)
        materialize_union(self.store)
        self.info = GraphInfo(origin, version, base_iri, count_triples(self.store), tuple(graph_names(self.store)))
        self.prefixes = default_prefixes(base_iri)
        self.timeout = timeout

    async def run(self, job: QueryJob) -> QueryOutcome:
        try:
            return await asyncio.wait_for(asyncio.to_thread(evaluate, self.store, job, self.prefixes), self.timeout)
        except TimeoutError:
            raise QueryTimeout(f"the query ran past the time limit of {self.timeout:g} s") from None
