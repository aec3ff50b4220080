"""Dumping the dataset in the RDF formats users download."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from graph.namespaces import default_prefixes
from graph.store import open_store, sorted_nquads


def export_dataset(data_dir: Path, fmt: str) -> bytes:
    """`fmt`: nq (sorted), trig, ttl (the default graph, the union) or jsonld (kg export's choices)."""
    opened = open_store(data_dir)
    try:
        store = opened.store
        if fmt == "nq":
            return sorted_nquads(store)
        prefixes = default_prefixes(opened.info.base_iri)
        if fmt == "trig":
            return store.dump(format=ox.RdfFormat.TRIG, prefixes=prefixes)
        if fmt == "ttl":  # Turtle has no graphs: the default graph, which is the union of them all
            return store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=prefixes)
        if fmt == "jsonld":
            return store.dump(format=ox.RdfFormat.JSON_LD)
        raise ValueError(f"unknown export format {fmt}")
    finally:
        opened.close()
