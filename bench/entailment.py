#!/usr/bin/env python3
"""The build's phases on the curated records, and our entailment pass beside the `owlrl`
package's RDFS and OWL RL closures over the same asserted triples and ontology.

    .venv/bin/python bench/entailment.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import owlrl
from rdflib import Graph

from graph.build import add_entailment
from graph.compile import compile_records
from graph.config import Sources
from graph.links import read_links
from graph.namespaces import Namespaces
from graph.quotes import check_quotes
from graph.records import load_records
from graph.validate import validate
from graph.vocabulary import load_ontology, load_shapes

ROOT = Path(__file__).resolve().parent.parent


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    print(f"{label:<28} {time.perf_counter() - started:6.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args()
    sources = Sources(ROOT / "records", args.corpus)
    ns = Namespaces("http://kg.test")
    files = timed("load records", lambda: load_records(sources.records_dir))
    timed("check quotes", lambda: check_quotes(files, sources.corpus_dir))
    ontology = load_ontology(ns)
    compiled = timed("compile", lambda: compile_records(files, ns, ontology, read_links(sources.links_file)))
    asserted = compiled.union(without=frozenset({ns.ontology_graph}))
    entailed = timed("entail (graph/entailment.py)", lambda: add_entailment(compiled, ontology, ns))
    violations = timed("validate (SHACL)", lambda: validate(compiled, ontology, load_shapes(ns), ns))
    print(f"asserted triples {len(asserted)}, entailed {entailed}, violations {len(violations)}")
    for name, semantics in (("owlrl RDFS closure", owlrl.RDFS_Semantics), ("owlrl OWL RL closure", owlrl.OWLRL_Semantics)):
        graph = Graph()
        for triple in asserted:
            graph.add(triple)
        for triple in ontology:
            graph.add(triple)
        before = len(graph)
        timed(name, lambda: owlrl.DeductiveClosure(semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph))
        print(f"  added {len(graph) - before} triples")


if __name__ == "__main__":
    main()
