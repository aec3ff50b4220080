"""Running SPARQL against the store, and turning results into bytes or a terminal table."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Union

import pyoxigraph as ox

from graph.errors import KgError, QuerySyntaxError
from graph.namespaces import STANDARD_PREFIXES, Namespaces
from graph.results import OX_FORMATS
from graph.store import StoreInfo, open_store
from kg.settings import Settings

QueryResult = Union[ox.QuerySolutions, ox.QueryBoolean, ox.QueryTriples]



def default_prefixes(info: StoreInfo) -> dict[str, str]:
    """Prefixes a query may use without declaring them (as on Wikidata's query service)."""
    if info.base_iri:
        return Namespaces(info.base_iri).prefixes()
    return dict(STANDARD_PREFIXES)


@dataclass
class QueryEngine:
    store: ox.Store
    info: StoreInfo

    def run(self, sparql: str) -> QueryResult:
        """Evaluate against the store's default graph, which holds the union of all graphs."""
        try:
            return self.store.query(sparql, prefixes=default_prefixes(self.info))
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise KgError(f"query failed: {exc}") from exc


@contextmanager
def opened(settings: Settings) -> Iterator[QueryEngine]:
    store, info = open_store(settings.data_dir)
    yield QueryEngine(store, info)


def term_text(term: object) -> str:
    """A term as a person reads it: IRIs and literals by value, blank nodes as _:id."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return getattr(term, "value", str(term))


def serialize_result(result: QueryResult, fmt: str) -> bytes:
    if isinstance(result, ox.QueryTriples):
        rdf = {"json": ox.RdfFormat.JSON_LD, "csv": ox.RdfFormat.N_TRIPLES, "tsv": ox.RdfFormat.N_TRIPLES}[fmt]
        return result.serialize(format=rdf)
    return result.serialize(format=OX_FORMATS[fmt])


def print_table(result: QueryResult) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if isinstance(result, ox.QueryBoolean):
        console.print("true" if bool(result) else "false")
        return
    if isinstance(result, ox.QueryTriples):
        for triple in result:
            console.print(str(triple), highlight=False, soft_wrap=True)
        return
    variables = [v.value for v in result.variables]
    table = Table(*variables, show_lines=False)
    rows = 0
    for solution in result:
        table.add_row(*(term_text(solution[v]) for v in variables))
        rows += 1
    console.print(table)
    console.print(f"{rows} row{'s' if rows != 1 else ''}")
