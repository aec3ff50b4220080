#!/usr/bin/env python3
"""Oxigraph (pyoxigraph) against rdflib's own SPARQL engine, on the curated graph.

Runs every competency query (queries/competency/*.rq) on both engines over the same data (the
built store's default graph, the union of the article graphs) and prints the median time per
query and the ratio. Usage: `KG_DATA_DIR=... python bench/engines.py [--repeat 5]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import pyoxigraph as ox
import rdflib

import queries
from graph.namespaces import default_prefixes
from graph.store import open_store
from kg.settings import Settings


def timed(run, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    opened = open_store(Settings.from_env().data_dir)
    store, info = opened.store, opened.info
    prefixes = default_prefixes(info.base_iri)
    graph = rdflib.Dataset()
    graph.parse(data=store.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    header = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items())

    print(f"{info.triples} triples in the default graph, {len(store)} quads; median of {args.repeat} runs per query\n")
    print("| query | oxigraph ms | rdflib ms | rdflib / oxigraph |")
    print("|---|---|---|---|")
    ratios = []
    for path in sorted(queries.COMPETENCY.glob("*.rq")):
        text = queries.for_base(path.read_text(), info.base_iri)
        ox_s = timed(lambda text=text: list(store.query(text, prefixes=prefixes)), args.repeat)
        rdflib_s = timed(lambda text=text: list(graph.query(header + text)), args.repeat)
        ratios.append(rdflib_s / ox_s)
        print(f"| {path.stem} | {ox_s * 1000:.2f} | {rdflib_s * 1000:.1f} | {rdflib_s / ox_s:.0f}x |")
    print(f"\nmedian ratio {statistics.median(ratios):.0f}x, range {min(ratios):.0f}x-{max(ratios):.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
