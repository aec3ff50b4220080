"""An engine over a pyoxigraph store in this process: the service's own reads as SPARQL queries
on the store, with the engine's default prefixes. The embedded and in-memory engines are both."""

from __future__ import annotations

import pyoxigraph as ox

from graph.engine.base import Engine


class LocalEngine(Engine):
    store: ox.Store

    def select(self, sparql: str) -> list[ox.QuerySolution]:
        return list(self.store.query(sparql, prefixes=self.prefixes))

    def construct(self, sparql: str) -> list[ox.Triple]:
        return list(self.store.query(sparql, prefixes=self.prefixes))

    def ask(self, sparql: str) -> bool:
        return bool(self.store.query(sparql, prefixes=self.prefixes))
