"""What one HTTP worker holds while it runs: its engine (one graph version for the worker's life),
the documents it has built, and the indexes built from the engine on first use."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from fastapi import Request
from rdflib import Graph

from api.cache import DocumentCache
from api.config import ServiceConfig
from api.problems import Problem
from graph.engine import Engine, GraphInfo
from graph.entity import Profiles
from graph.kinds import search_excluded
from graph.namespaces import Namespaces
from graph.reconcile import ReconcileVocabulary, Reconciler
from graph.search import SearchIndex
from graph.service_description import void_description
from graph.vocabulary import load_ontology, load_shapes

T = TypeVar("T")
NAME_THREADS = 2  # threads for search and reconciliation: the default pool stays free for documents

@dataclass
class ServiceState:
    config: ServiceConfig
    engine: Engine
    documents: DocumentCache
    _building: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def info(self) -> GraphInfo:
        return self.engine.info

    @property
    def base(self) -> str:
        return self.config.base_iri

    @cached_property
    def ns(self) -> Namespaces:
        return Namespaces(self.base)

    @property
    def prefixes(self) -> dict[str, str]:
        return self.engine.prefixes

    @cached_property
    def graphs(self) -> frozenset[str]:
        return frozenset(self.info.graphs)

    @cached_property
    def profiles(self) -> Profiles:
        return Profiles(self.engine, self.base)

    # The search index and the reconciler read every name and type of the graph (seconds at 10^6
    # triples): built on first use, once, by whichever thread asks first; endpoints use them from
    # a worker thread (asyncio.to_thread), so that the event loop serves other requests meanwhile.

    @property
    def search_index(self) -> SearchIndex:
        return self._once("_search_index", self._build_search_index)

    @property
    def reconciler(self) -> Reconciler:
        return self._once("_reconciler", lambda: Reconciler(self.engine, self.search_index, self.ns))

    def _build_search_index(self) -> SearchIndex:
        return SearchIndex.from_engine(self.engine, search_excluded(str(self.ns.kgo)))

    def _once(self, name: str, build):
        value = self.__dict__.get(name)
        if value is None:
            with self._building:
                value = self.__dict__.get(name)
                if value is None:
                    value = self.__dict__[name] = build()
        return value

    @cached_property
    def reconcile_vocabulary(self) -> ReconcileVocabulary:
        return ReconcileVocabulary(self.ontology, self.ns, self.prefixes)

    @cached_property
    def ontology(self) -> Graph:
        return load_ontology(self.ns)

    @cached_property
    def shapes(self) -> Graph:
        return load_shapes(self.ns)

    @cached_property
    def void(self) -> Graph:
        return void_description(self.base, self.engine)

    @property
    def context_url(self) -> str:
        return f"{self.base}/context.jsonld"

    @cached_property
    def _name_threads(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(NAME_THREADS, thread_name_prefix="names")

    async def by_name(self, work: Callable[[], T], what: str) -> T:
        """Search or reconciliation work, in threads of its own and within the time limit: a
        batch that takes too long is answered 503 (its thread finishes it and drops it), and
        however many are running, /sparql, documents and pages keep theirs."""
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self._name_threads, work), self.config.time_limit)
        except TimeoutError:
            raise Problem(503, f"{what} ran past the time limit of {self.config.time_limit:g} s", {"Retry-After": "1"}) from None

    def close(self) -> None:
        if "_name_threads" in self.__dict__:
            self._name_threads.shutdown(wait=False, cancel_futures=True)


def service_state(request: Request) -> ServiceState:
    """The worker's state, for a route (FastAPI dependency or direct call)."""
    return request.app.state.kg
