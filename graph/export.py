"""Dumping the dataset in the RDF formats users download."""

from __future__ import annotations

import pyoxigraph as ox

from graph.namespaces import Namespaces, STANDARD_PREFIXES
from graph.store import open_store, sorted_nquads
from kg.settings import Settings


def export_dataset(settings: Settings, fmt: str) -> bytes:
    store, info = open_store(settings.data_dir)
    if fmt == "nq":
        return sorted_nquads(store)
    prefixes = Namespaces(info.base_iri).prefixes() if info.base_iri else dict(STANDARD_PREFIXES)
    if fmt == "trig":
        return store.dump(format=ox.RdfFormat.TRIG, prefixes=prefixes)
    if fmt == "ttl":  # Turtle has no graphs: the default graph, which is the union of them all
        return store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=prefixes)
    if fmt == "jsonld":
        return store.dump(format=ox.RdfFormat.JSON_LD)
    raise ValueError(f"unknown export format {fmt}")
