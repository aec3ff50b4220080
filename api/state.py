"""What one HTTP worker holds while it runs: the graph versions it serves (`Versions`) and, for
each version, its engine, the documents built from it and the indexes read from it on first use
(`ServiceState`).

Every request is served by one version from its start to its end: `api.app.Front` pins the
current version when the request arrives and releases it when the answer is sent, and every
route reads that version from the request (`service_state`), so a query, its ETag and the
version header all come from one store. When the data directory names another store
(`newer()`, asked every `ServiceConfig.reload_interval` seconds from a task of its own, so no
request pays for the look), its engine is opened and started (its query processes up) before it
becomes current, in one assignment on the event loop; requests in flight finish on the old
version, which is closed (query processes stopped, store released for a later build to prune)
when the last of them ends. A store that cannot be served leaves the current version serving,
with one line in the log. Everything read from an engine belongs to its ServiceState and is
built again, on first use, for the next one; what depends on the base IRI only (namespaces,
ontology, shapes) and the threads for names are handed over.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from fastapi import Request
from rdflib import RDFS, Graph

from api.cache import DocumentCache
from api.config import ServiceConfig
from api.problems import Problem
from graph.engine import Engine, GraphInfo
from graph.entity import Profiles
from graph.errors import KgError
from graph.facets import Facets
from graph.kinds import search_excluded
from graph.namespaces import Namespaces
from graph.reconcile import ReconcileVocabulary, Reconciler
from graph.search import SearchIndex
from graph.overview import articles, class_counts, most_connected, timeline
from graph.service_description import published_versions, release, void_description
from graph.vocabulary import load_ontology, load_shapes

T = TypeVar("T")
NAME_THREADS = 2  # threads for search and reconciliation: the default pool stays free for documents
BASE_ONLY = ("ns", "ontology", "shapes")  # cached from the base IRI alone: handed to the next version
LOG = logging.getLogger("kg.versions")


def _name_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(NAME_THREADS, thread_name_prefix="names")


@dataclass(eq=False)
class ServiceState:
    """One graph version as a worker serves it."""

    config: ServiceConfig
    engine: Engine
    documents: DocumentCache
    names: ThreadPoolExecutor = field(default_factory=_name_threads, repr=False)  # the worker's, shared by its versions
    _building: threading.Lock = field(default_factory=threading.Lock, repr=False)  # guards _locks and _counting
    _locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _counting: Future | None = field(default=None, repr=False)  # the most connected entities, once asked for
    requests: int = 0  # in flight on this version
    _idle: asyncio.Event | None = field(default=None, repr=False)  # once retired: set when the last request ends

    def successor(self, engine: Engine) -> ServiceState:
        """The state of the next version, over `engine`: nothing read from this one's engine."""
        after = ServiceState(self.config, engine, DocumentCache(self.documents.max_bytes), self.names)
        after.__dict__.update({name: self.__dict__[name] for name in BASE_ONLY if name in self.__dict__})
        return after

    async def drained(self) -> None:
        """Return when no request is in flight on this version (it is no longer current: no new
        one comes)."""
        if self.requests:
            self._idle = asyncio.Event()
            await self._idle.wait()

    def release(self) -> None:
        """A request served by this version has ended."""
        self.requests -= 1
        if not self.requests and self._idle is not None:
            self._idle.set()

    @cached_property
    def version_header(self) -> tuple[bytes, bytes]:
        """The header every response carries: the version that answered it."""
        return b"kg-graph-version", self.info.version.encode()

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

    @property
    def facets(self) -> Facets:
        """The articles mentioning each entity and the events' dates: what lists filter and sort by."""
        return self._once("_facets", lambda: Facets.from_engine(self.engine))

    def _build_search_index(self) -> SearchIndex:
        return SearchIndex.from_engine(self.engine, search_excluded(str(self.ns.kgo)))

    def _once(self, name: str, build):
        """The value `build()` makes, made once (by whichever thread asks first, the others
        waiting for it): one lock per value, so that a slow one (the most connected entities)
        holds up no other."""
        value = self.__dict__.get(name)
        if value is None:
            with self._building:
                lock = self._locks.setdefault(name, threading.Lock())
            with lock:
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
    def property_names(self) -> tuple[dict[str, str], dict[str, str]]:
        """(document key -> property IRI, property IRI -> its English label in the ontology), for pages."""
        iris = {key: iri for iri, key in self.profiles.names.items()}
        labels = {str(s): str(o) for s, o in self.ontology.subject_objects(RDFS.label) if getattr(o, "language", None) in (None, "en")}
        return iris, labels

    @cached_property
    def overview(self) -> dict:
        """What the home page shows (graph/overview.py), read from the graph once per version."""
        dated, undated = timeline(self.engine, self.ns)
        return {"counts": class_counts(self.engine, self.ns), "articles": articles(self.engine, self.ns),
                "dated": dated, "undated": undated}

    def connected(self) -> Future:
        """The most connected entities (a future): one count of every link of the graph (a minute
        at 10^6 triples), started once per version in a thread of its own, by `warm` when the
        version starts serving or by the first page that asks; a page waits for it a little,
        never a thread."""
        with self._building:
            if self._counting is None:
                self._counting = Future()
                threading.Thread(target=self._count_links, name=f"links-{self.info.version}", daemon=True).start()
            return self._counting

    def _count_links(self) -> None:
        counting = self._counting
        try:
            counting.set_result(most_connected(self.engine, self.ns))
        except Exception as exc:  # noqa: BLE001 - handed to whoever waits for it; the next ask counts again
            with self._building:
                self._counting = None
            counting.set_exception(exc)

    def warm(self) -> None:
        """Read what pages and searches need from the graph (the search index, the lists'
        facets, the home page's overview, the entity documents' profiles, VoID, the most
        connected entities) before anyone asks, so that the first visitor of a large graph does
        not wait for it. Run in a thread of its own when a version starts serving; a version
        retired meanwhile stops it."""
        steps = (("search index", lambda: self.search_index), ("facets", lambda: self.facets), ("overview", lambda: self.overview),
                 ("entity profiles", lambda: self.property_names), ("VoID", lambda: self.void),
                 ("most connected", lambda: self.connected().result()))
        for name, step in steps:
            started = time.perf_counter()
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - a version closed while warming, or a failing query: asked again on use
                LOG.info("version %s: %s not read ahead (%s)", self.info.version, name, exc)
                return
            LOG.debug("version %s: %s read in %.1f s", self.info.version, name, time.perf_counter() - started)

    def warm_in_background(self) -> None:
        threading.Thread(target=self.warm, name=f"warm-{self.info.version}", daemon=True).start()

    @cached_property
    def published_version(self) -> dict | None:
        """The published version this graph is (number, IRI, issued: graph/versions.py), None for
        an unreleased build; read from the graph on first use (not under the lock the search
        index is built under: /health must not wait for it)."""
        return release(published_versions(self.engine, self.base), self.info.version)

    @cached_property
    def void(self) -> Graph:
        return void_description(self.base, self.engine)

    @property
    def context_url(self) -> str:
        return f"{self.base}/context.jsonld"

    async def by_name(self, work: Callable[[], T], what: str) -> T:
        """Search or reconciliation work, in threads of its own and within the time limit: a
        batch that takes too long is answered 503 (its thread finishes it and drops it), and
        however many are running, /sparql, documents and pages keep theirs."""
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self.names, work), self.config.time_limit)
        except TimeoutError:
            raise Problem(503, f"{what} ran past the time limit of {self.config.time_limit:g} s", {"Retry-After": "1"}) from None


async def started(engine: Engine, base_iri: str) -> Engine:
    """`engine`, started (its query processes up) once it is known to serve `base_iri`; closed,
    and KgError raised, when it cannot."""
    try:
        base = engine.info.base_iri
        if base and base != base_iri:
            raise KgError(f"the store was built for base IRI {base}, not KG_BASE_IRI={base_iri}: run `kg build` again")
        await engine.start()
    except BaseException:
        await engine.close()
        raise
    return engine


class Versions:
    """The graph versions a worker serves: `current`, which each new request gets and keeps to
    its end (`pin`), and the retired ones, each closed when its last request ends."""

    def __init__(self, current: ServiceState, newer: Callable[[], Engine | None] | None = None):
        self.current = current
        self.newer = newer  # blocking: the engine of another store when the data directory names one, else None
        self.retired: list[ServiceState] = []
        self._closing: set[asyncio.Task] = set()  # the loop keeps tasks only weakly: these are ours

    def pin(self) -> ServiceState:
        """The version that serves a request from now to its `release()`."""
        state = self.current
        state.requests += 1
        return state

    async def follow(self, interval: float) -> None:
        """Every `interval` seconds, serve the version the data directory names (for the life of
        the worker)."""
        while True:
            await asyncio.sleep(interval)
            await self.update()

    async def update(self) -> bool:
        """Switch to the store the data directory names now, if it is another and can be served;
        False when there is none or it cannot be (said in one line: the current one serves on)."""
        old = self.current
        try:
            engine = await asyncio.to_thread(self.newer)
            if engine is None:
                return False
            await started(engine, old.config.base_iri)
        except Exception as exc:  # noqa: BLE001 - whatever is wrong with the new store, the old one serves on
            reason = str(exc) if isinstance(exc, KgError) else f"{type(exc).__name__}: {exc}"
            LOG.warning("still serving version %s: the new store cannot be served: %s", old.info.version, reason)
            return False
        self.current = old.successor(engine)
        self.current.warm_in_background()
        self.retired.append(old)
        LOG.info("serving version %s (%d triples) in place of %s", engine.info.version, engine.info.triples, old.info.version)
        task = asyncio.get_running_loop().create_task(self._close_when_drained(old))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
        return True

    async def _close_when_drained(self, old: ServiceState) -> None:
        await old.drained()
        await old.engine.close()  # its query processes stopped, its store released
        self.retired.remove(old)

    async def close(self) -> None:
        """The worker stops: every version is closed, whatever is still in flight."""
        for task in self._closing:
            task.cancel()
        states, self.retired = [self.current, *self.retired], []
        await asyncio.gather(*(state.engine.close() for state in states), return_exceptions=True)
        self.current.names.shutdown(wait=False, cancel_futures=True)


def service_state(request: Request) -> ServiceState:
    """The version serving this request (pinned by api.app.Front when it arrived)."""
    return request.scope["kg"]
