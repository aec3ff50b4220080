"""`kg stats`: what is in the store."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from graph.query import QueryEngine, opened, term_text
from kg.settings import Settings

PER_CLASS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?n) ?class
"""
PER_GRAPH = """
SELECT ?graph ?file (COUNT(*) AS ?quads) (COUNT(DISTINCT ?assertion) AS ?facts) WHERE {
  GRAPH ?graph { ?s ?p ?o OPTIONAL { ?graph dcterms:source/kgo:sourceFile ?file } }
  OPTIONAL { GRAPH ?graph { ?assertion a kgo:Assertion } FILTER(?s = ?assertion) }
} GROUP BY ?graph ?file ORDER BY ?graph
"""
PER_GRAPH_PLAIN = "SELECT ?graph (COUNT(*) AS ?quads) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph"


def _rows(engine: QueryEngine, sparql: str) -> list[list[str]]:
    result = engine.run(sparql)
    names = [v.value for v in result.variables]
    return [[term_text(solution[n]) for n in names] for solution in result]


def print_stats(settings: Settings) -> None:
    console = Console(width=None if sys.stdout.isatty() else 160)
    with opened(settings) as engine:
        info = engine.info
        console.print(f"store {settings.data_dir / info.path} ({info.kind}, version {info.version})")
        console.print(f"triples in the default graph (the union of all graphs): {info.triples}; quads stored: {len(engine.store)}")
        graphs = Table("named graph", "article", "quads", "facts", title="Graphs")
        for row in _rows(engine, PER_GRAPH if info.base_iri else PER_GRAPH_PLAIN):
            graphs.add_row(*(row + [""] * (4 - len(row))))
        console.print(graphs)
        classes = Table("class", "entities", title="Entities per class")
        for row in _rows(engine, PER_CLASS):
            classes.add_row(*row)
        console.print(classes)
