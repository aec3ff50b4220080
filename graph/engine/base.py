"""The engine seam: everything the service and the command line read goes through an `Engine`.

Like httpx's transports, an engine is a small base class with a few methods to implement:

- `run(job)`: a user's query, answered as bytes in the negotiated format, cut at the job's
  limit (the SPARQL endpoint, `kg query`);
- `select(sparql)`, `construct(sparql)`, `ask(sparql)`: the service's own reads (entity
  documents, search and reconciliation names, VoID, `/sameas`), run in threads;
- `triples(s, p, o)`: the triples of a pattern, which the base class asks as a CONSTRUCT and an
  engine that can do better (the embedded store's index lookup) overrides.

Nothing here needs more than the SPARQL 1.1 Protocol can give, so a remote engine is one more
subclass. `info` says which version of which graph the engine serves: it is fixed for the
engine's life, so ETags, /health and every answer describe one graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph.engine.evaluate import QueryJob, QueryOutcome

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class GraphInfo:
    """Which graph an engine serves."""

    origin: str  # "curated" (kg build) or "loaded" (kg load)
    version: str  # digest of what it was built from: the ETags' source
    base_iri: str | None  # the IRIs it mints; None for a graph made by `kg load`
    triples: int  # in the default graph (the union of the named graphs)
    graphs: tuple[str, ...]  # the names of its named graphs, sorted


class Engine:
    info: GraphInfo
    prefixes: dict[str, str]  # those a query may use undeclared

    async def start(self) -> None:
        """Get ready to answer (start processes, open connections)."""

    async def ready(self) -> str | None:
        """None when the engine can answer; else why it cannot (then /health says not ready)."""
        return None

    async def run(self, job: QueryJob) -> QueryOutcome:
        raise NotImplementedError

    def select(self, sparql: str) -> list[ox.QuerySolution]:
        raise NotImplementedError

    def construct(self, sparql: str) -> list[ox.Triple]:
        raise NotImplementedError

    def ask(self, sparql: str) -> bool:
        raise NotImplementedError

    def triples(self, subject: Term | None = None, predicate: ox.NamedNode | None = None,
                object: Term | None = None, limit: int | None = None, graph: str | None = None) -> list[ox.Triple]:
        """The triples of the default graph (or of the named `graph`) that match; with a `limit`,
        the first ones in the order of their subjects' and predicates' IRIs, so that every engine
        cuts a long list alike. A CONSTRUCT, unless an engine does better."""
        if isinstance(subject, ox.BlankNode) or isinstance(object, ox.BlankNode):
            return []  # a blank node cannot be named in a query
        s, p, o = (str(term) if term is not None else var for term, var in ((subject, "?s"), (predicate, "?p"), (object, "?o")))
        cut = f" ORDER BY {' '.join(v for v in (s, p) if v.startswith('?'))} LIMIT {limit}" if limit is not None else ""
        if cut.startswith(" ORDER BY  "):  # subject and predicate both given: nothing to order by
            cut = f" LIMIT {limit}"
        pattern = f"{s} {p} {o}" if graph is None else f"GRAPH <{graph}> {{ {s} {p} {o} }}"
        return self.construct(f"CONSTRUCT {{ {s} {p} {o} }} WHERE {{ {pattern} }}{cut}")

    def counters(self) -> dict[str, int]:
        """Counts since the engine started (queries timed out, query processes started and
        stopped): plain numbers, which the service exports as metrics. None by default."""
        return {}

    def dump_file(self, name: str) -> Path | None:
        """The dump `name` (graph.nq.gz, graph.trig.gz) of this graph version, or None."""
        return None

    async def close(self) -> None:
        """Stop what `start` started; the engine answers nothing more."""
