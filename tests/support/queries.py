"""Running a query in a test the way the service runs it (a QueryJob through the engine), read back as rows."""

from __future__ import annotations

import asyncio
import json

from graph.engine import Engine, QueryJob


def term_text(term: dict) -> str:
    """A SPARQL JSON term as a person reads it: IRIs and literals by value, blank nodes as _:id."""
    return f"_:{term['value']}" if term["type"] == "bnode" else term["value"]


def rows(engine: Engine, sparql: str) -> list[dict[str, str]]:
    outcome = asyncio.run(engine.run(QueryJob(sparql, "json", limit=1_000_000)))
    bindings = json.loads(outcome.result.body)["results"]["bindings"]
    return [{name: term_text(term) for name, term in row.items()} for row in bindings]
