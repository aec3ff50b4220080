"""What a query may be, decided before any engine sees it, the same for every engine and every
front end: read-only, nested no deeper and with no longer operator chains than the engine survives, SERVICE only to the endpoints
allowed, FROM / FROM NAMED and the protocol's dataset parameters only over the dataset's own
graphs (an engine such as Virtuoso would otherwise fetch a graph from the web), and no engine
pragma (Virtuoso's `define get:soft "replace"` fetches too).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from graph.errors import QueryRefused, UpdateRefused
from graph.sparql_guard import QueryAnalysis, analyse

MAX_DEPTH = 200  # Oxigraph crashes (segfault) on queries nested 2,200 braces or 4,800 parentheses
# deep; at least graph.sparql_guard.FAST_DEPTH, below which the guard reports a bound
MAX_OPERATORS = 1000  # Oxigraph crashes on flat chains of 6,600 UNIONs, 7,000 `+`, 9,600 `!` (graph.sparql_guard);
# at least graph.sparql_guard.FAST_OPERATORS, below which the guard reports a bound
UPDATE_REFUSED = "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, ...) is not accepted"


@dataclass(frozen=True)
class QueryPolicy:
    service_allowlist: tuple[str, ...] = ()
    max_depth: int = MAX_DEPTH
    max_operators: int = MAX_OPERATORS

    def admit(
        self,
        query: str,
        prefixes: dict[str, str],
        graphs: Collection[str],
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> QueryAnalysis:
        """The query's analysis, or QueryRefused (UpdateRefused for an update) saying why not.
        `graphs`: the names of the dataset's graphs; `default_graphs`, `named_graphs`: the
        protocol's default-graph-uri and named-graph-uri."""
        analysis = analyse(query, prefixes)
        if analysis.is_update:
            raise UpdateRefused(UPDATE_REFUSED)
        if analysis.pragmas:
            raise QueryRefused(f"engine pragmas are not accepted: `{analysis.pragmas[0]}`")
        if analysis.max_depth > self.max_depth:
            raise QueryRefused(f"query nested {analysis.max_depth} levels deep; the limit is {self.max_depth}")
        if analysis.operators > self.max_operators:
            raise QueryRefused(f"query with {analysis.operators} operators (! | / ^ && || + - * and UNION, "
                               f"path steps included); the limit is {self.max_operators}")
        refused = [e for e in analysis.service_endpoints if e not in self.service_allowlist]
        if refused:
            allowed = ", ".join(self.service_allowlist) or "none (KG_SERVICE_ALLOWLIST is empty)"
            raise QueryRefused(f"SERVICE {refused[0]} is not allowed; endpoints allowed: {allowed}")
        if analysis.from_graphs or analysis.from_named_graphs or default_graphs or named_graphs:
            for where, names in (("FROM", analysis.from_graphs), ("FROM NAMED", analysis.from_named_graphs),
                                 ("default-graph-uri", default_graphs), ("named-graph-uri", named_graphs)):
                unknown = next((name for name in names if name not in graphs), None)
                if unknown is not None:
                    raise QueryRefused(f"{where} <{unknown}>: this dataset has no such graph (its graphs are listed "
                                       "in the service description at /sparql)")
        return analysis
