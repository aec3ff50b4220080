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
    if fmt == "ttl":  # the union of all graphs: Turtle has no graphs
        triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        return triples.serialize(format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    if fmt == "jsonld":
        return store.dump(format=ox.RdfFormat.JSON_LD)
    raise ValueError(f"unknown export format {fmt}")
