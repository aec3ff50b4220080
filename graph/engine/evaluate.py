"""Evaluating one SPARQL query into result bytes: what a query process does for each request."""

from __future__ import annotations

import re

from typing import NamedTuple

import pyoxigraph as ox

from graph.errors import KgError, QuerySyntaxError, WrongResultFormat
from graph.formats import BY_NAME, GRAPH, SOLUTIONS
from graph.results import (
    Serialized,
    serialize_boolean,
    serialize_solutions,
    serialize_solutions_fast,
    serialize_triples,
)


class QueryJob(NamedTuple):  # a plain tuple: it crosses a process boundary on every request
    query: str
    fmt: str  # a solutions format (json, xml, csv, tsv) or a graph format (turtle, ntriples, jsonld, rdfxml)
    limit: int
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None  # None: the store's default graph (the union)
    named_graphs: tuple[str, ...] | None = None  # None: every named graph


class QueryOutcome(NamedTuple):
    form: str  # of the result: "solutions", "boolean" or "graph"
    result: Serialized


_POSITION = re.compile(r"^error at (\d+):(\d+)(?:-\d+:\d+)?: ")


def syntax_error_message(parser_message: str) -> str:
    """The parser's message with its position in words: "SPARQL syntax error at line 4, column 2:
    expected one of ..." (pyoxigraph says "error at 4:2: ...")."""
    found = _POSITION.match(parser_message)
    if found is None:
        return f"SPARQL syntax error: {parser_message}"
    return f"SPARQL syntax error at line {found[1]}, column {found[2]}: {parser_message[found.end():]}"


def evaluate(store: ox.Store, job: QueryJob, prefixes: dict[str, str]) -> QueryOutcome:
    """`prefixes`: those a query may use undeclared (graph.namespaces.default_prefixes)."""
    kwargs: dict = {"prefixes": used_prefixes(job.query, prefixes), "base_iri": job.base_iri}
    if job.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    try:
        result = store.query(job.query, **kwargs)
    except SyntaxError as exc:
        raise QuerySyntaxError(syntax_error_message(str(exc))) from exc
    except (OSError, ValueError) as exc:
        raise KgError(f"the query could not be evaluated: {exc}") from exc
    try:
        if isinstance(result, ox.QueryBoolean):
            return QueryOutcome("boolean", serialize_boolean(bool(result), _solutions_format(job.fmt)))
        if isinstance(result, ox.QuerySolutions):
            fmt = _solutions_format(job.fmt)
            serialized = serialize_solutions_fast(result, fmt, job.limit)
            if serialized is None:  # too large to write whole: evaluate again, write up to the limit
                serialized = serialize_solutions(store.query(job.query, **kwargs), fmt, job.limit)
            return QueryOutcome("solutions", serialized)
        if not _is(job.fmt, GRAPH):
            raise WrongResultFormat(f"a graph result cannot be written as {job.fmt}")
        return QueryOutcome("graph", serialize_triples(result, job.fmt, job.limit, prefixes))
    except (OSError, ValueError) as exc:  # evaluation is lazy: errors surface while iterating
        raise KgError(f"the query could not be evaluated: {exc}") from exc


def used_prefixes(query: str, prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes whose `name:` occurs in the text: a prefixed name can use no other, and
    Oxigraph takes ~0.5 us per prefix handed to it (all of ours: ~6% of a point lookup)."""
    return {name: iri for name, iri in prefixes.items() if name + ":" in query}


def _is(fmt: str, form: str) -> bool:
    known = BY_NAME.get(fmt)
    return known is not None and known.form == form


def _solutions_format(fmt: str) -> str:
    if not _is(fmt, SOLUTIONS):
        raise WrongResultFormat(f"query results cannot be written as {fmt}")
    return fmt
