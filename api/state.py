"""What one HTTP worker holds while it runs: the store (read-only), indexes, and its query processes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox
from rdflib import Graph

from api.cache import DocumentCache
from api.workers import QueryPool, malloc_library
from graph.entity import Profiles
from graph.namespaces import Namespaces
from graph.query import default_prefixes
from graph.reconcile import ReconcileVocabulary, Reconciler
from graph.search import SearchIndex
from graph.service_description import void_description
from graph.store import StoreInfo, open_store
from graph.vocabulary import load_ontology, load_shapes
from kg.settings import Settings

SEARCH_EXCLUDED = {
    "http://www.w3.org/2002/07/owl#Class",
    "http://www.w3.org/2002/07/owl#ObjectProperty",
    "http://www.w3.org/2002/07/owl#DatatypeProperty",
    "http://www.w3.org/2002/07/owl#AnnotationProperty",
    "http://www.w3.org/2002/07/owl#Ontology",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
    "http://www.w3.org/2004/02/skos/core#ConceptScheme",
}


@dataclass
class ServiceState:
    settings: Settings
    store: ox.Store
    info: StoreInfo
    pool: QueryPool
    documents: DocumentCache
    _building: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def base(self) -> str:
        return self.settings.base_iri

    @property
    def ns(self) -> Namespaces:
        return Namespaces(self.base)

    @cached_property
    def prefixes(self) -> dict[str, str]:
        return default_prefixes(self.info)

    @cached_property
    def profiles(self) -> Profiles:
        return Profiles(self.store, self.base)

    # The search index and the reconciler read every name and type of the store (seconds at 10^6
    # triples): built on first use, once, by whichever thread asks first; endpoints use them from
    # a worker thread (asyncio.to_thread), so that the event loop serves other requests meanwhile.

    @property
    def search_index(self) -> SearchIndex:
        return self._once("_search_index", self._build_search_index)

    @property
    def reconciler(self) -> Reconciler:
        return self._once("_reconciler", lambda: Reconciler(self.store, self.search_index, self.ns))

    def _build_search_index(self) -> SearchIndex:
        ns = self.ns
        excluded = SEARCH_EXCLUDED | {str(ns.kgo.Assertion), str(ns.kgo.StatedQuantity), str(ns.kgo.Stance), str(ns.kgo.Qualifier)}
        return SearchIndex.from_store(self.store, self.prefixes, excluded)

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
        return void_description(self.base, self.info, self.store)

    @property
    def context_url(self) -> str:
        return f"{self.base}/context.jsonld"


async def open_state(settings: Settings) -> ServiceState:
    store, info = open_store(settings.data_dir)
    if info.base_iri and info.base_iri != settings.base_iri:
        from graph.errors import KgError

        raise KgError(
            f"the store was built for base IRI {info.base_iri}, not KG_BASE_IRI={settings.base_iri}: run `kg build` again"
        )
    pool = QueryPool(
        settings.data_dir, settings.query_threads, settings.query_timeout, default_prefixes(info), malloc_library(settings.query_malloc)
    )
    await pool.start()
    documents = DocumentCache(settings.document_cache_mb * 1024 * 1024)
    return ServiceState(settings, store, info, pool, documents)  # search index and document profiles: built on first use
