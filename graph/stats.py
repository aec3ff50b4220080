"""`kg stats`: what is in a graph, as rows (the command line draws them)."""

from __future__ import annotations

from dataclasses import dataclass

from graph.engine.base import Engine
from graph.service_description import graph_kinds

PER_CLASS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?n) ?class
"""
PER_GRAPH = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX kgo: <%s/ontology#>
SELECT ?graph ?file ?quads ?facts WHERE {
  { SELECT ?graph (COUNT(*) AS ?quads) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph }
  OPTIONAL { SELECT ?graph (COUNT(?assertion) AS ?counted) WHERE { GRAPH ?graph { ?assertion a kgo:Assertion } } GROUP BY ?graph }
  OPTIONAL { GRAPH ?graph { ?graph dcterms:source/kgo:sourceFile ?file } }
  BIND(COALESCE(?counted, 0) AS ?facts)
} ORDER BY ?graph
"""
PER_GRAPH_PLAIN = "SELECT ?graph (COUNT(*) AS ?quads) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph"
QUADS = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


@dataclass(frozen=True)
class Stats:
    quads: int  # stored: the default graph (the union) and every named graph
    graphs: list[tuple[str, str, str, str, str]]  # named graph, asserted/derived, article file, quads, facts ("" where none)
    classes: list[tuple[str, str]]  # class, entities


def _text(term) -> str:
    return "" if term is None else term.value


def stats(engine: Engine) -> Stats:
    base = engine.info.base_iri
    kinds = {name: words.split(":")[0] for name, (_, words) in graph_kinds(engine).items()}
    graphs = [
        (_text(row["graph"]), kinds.get(_text(row["graph"]), ""), _text(row["file"]), _text(row["quads"]), _text(row["facts"])) if base
        else (_text(row["graph"]), "", "", _text(row["quads"]), "")
        for row in engine.select(PER_GRAPH % base if base else PER_GRAPH_PLAIN)
    ]
    classes = [(_text(row["class"]), _text(row["n"])) for row in engine.select(PER_CLASS)]
    [total] = engine.select(QUADS)
    return Stats(int(total["n"].value), graphs, classes)
