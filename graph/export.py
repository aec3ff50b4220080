"""Dumping the dataset in the RDF formats users download."""

from __future__ import annotations

import pyoxigraph as ox

from graph.query import default_prefixes
from graph.store import open_store, sorted_nquads
from kg.settings import Settings


def export_dataset(settings: Settings, fmt: str) -> bytes:
    store, info = open_store(settings.data_dir)
    if fmt == "nq":
        return sorted_nquads(store)
    prefixes = default_prefixes(info)
    if fmt == "trig":
        return store.dump(format=ox.RdfFormat.TRIG, prefixes=prefixes)
    if fmt == "ttl":  # Turtle has no graphs: the default graph, which is the union of them all
        return store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=prefixes)
    if fmt == "jsonld":
        return store.dump(format=ox.RdfFormat.JSON_LD)
    raise ValueError(f"unknown export format {fmt}")
