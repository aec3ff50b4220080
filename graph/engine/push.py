"""Publishing a built version into a SPARQL engine (`kg push`), so that a half-loaded version is
never served.

1. Staging: each graph of the version (and the default graph, the union of them all) is
   written into a graph named for the version, `urn:x-kg:version:<version>:<graph>`, with
   SPARQL 1.1 Update `INSERT DATA` in chunks (a chunk is a request; none touches what is
   served). What earlier pushes left (one that did not finish, the union before the one
   served) is dropped first.
2. Checking: the staged graphs hold what the store holds, graph by graph (their triple counts).
3. Switching, in one SPARQL Update request, which Oxigraph and Virtuoso each apply as one
   transaction: the served graphs of the previous version are dropped, each staged named graph
   is moved to its own name (`MOVE`), and the control graph (graph.engine.remote.CONTROL) made
   to name the new version, its graphs, its size and its union, which stays in its
   version-named graph: the default graph of every query is the union of the version the
   replica serves, so a replica that has not yet seen the switch (it looks every
   KG_RELOAD_INTERVAL) still answers from the previous version's union; the named graphs are
   the new ones for all at once.

Only the SPARQL protocols are used, so any engine that takes SPARQL 1.1 Update will do.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpx
import pyoxigraph as ox

from graph.config import EndpointConfig
from graph.engine.remote import (BASE, CONTROL, HAS_GRAPH, ORIGIN, SERVES, TRIPLES, UNION, _select, client_for, failed,
                                 read_layout, served_version, unreachable)
from graph.errors import EngineUnavailable, KgError
from graph.store import OpenedStore, graph_names

STAGED = "urn:x-kg:version:"
CHUNK_TRIPLES = 2000  # triples per INSERT DATA request, at first
UPDATE_SECONDS = 600.0  # a chunk or the switch may take this long


@dataclass(frozen=True)
class Pushed:
    version: str
    previous: str | None  # the version the engine served before; None: none (or one loaded by hand)
    triples: int  # in the union
    graphs: int
    seconds: float
    switched: bool  # False: the engine already served this version, nothing was sent
    refused: tuple[ox.Quad, ...] = ()  # what the engine would not hold, left out with `skip_refused`


def staged_name(version: str, graph: str | None) -> str:
    return f"{STAGED}{version}:{graph if graph is not None else 'union'}"


def push(opened: OpenedStore, config: EndpointConfig, chunk: int = CHUNK_TRIPLES, skip_refused: bool = False) -> Pushed:
    """Stage the store's version in the engine, check it, and switch the engine to it. A triple
    the engine refuses to hold (Virtuoso 7.2 refuses every xsd:duration literal) stops the push,
    nothing switched, unless `skip_refused`: then the version is served without it, and the
    result lists it."""
    start = time.perf_counter()
    version, info = opened.info.version, opened.info
    store = opened.store
    graphs = graph_names(store)
    with client_for(config) as client:
        previous = served_version(config, client)
        if previous == version:
            return Pushed(version, previous, info.triples, len(graphs), time.perf_counter() - start, False)
        old = read_layout(config, client) if previous is not None else None
        old_graphs = old.info.graphs if old is not None else ()
        leftovers = [row["g"].value for row in _select(config, client, f"""SELECT DISTINCT ?g WHERE {{
            GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGED}")) }}""") if old is None or row["g"].value != old.union]
        _update(config, client, "".join(f"DROP SILENT GRAPH <{g}> ;\n" for g in leftovers) or None)
        expected: dict[str, int] = {}
        refused: list[ox.Quad] = []
        for graph in [*graphs, None]:
            name = staged_name(version, graph)
            target = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
            triples = (quad.triple for quad in store.quads_for_pattern(None, None, None, target))
            kept, left_out = _stage(config, client, name, triples, chunk)
            if left_out and not skip_refused:
                _update(config, client, f"DROP SILENT GRAPH <{name}>")
                refusal, triple = left_out[0]
                raise KgError(f"the engine refuses to hold {triple} (in <{graph or 'the default graph'}>): {refusal}; "
                              "nothing was switched (push with --skip-refused to serve the version without what it refuses)")
            expected[name] = kept
            refused += [ox.Quad(t.subject, t.predicate, t.object, target) for _, t in left_out]
        _check(config, client, expected)
        held = expected[staged_name(version, None)]
        _update(config, client, switch_request(version, info.origin, info.base_iri, held, graphs, old_graphs))
    return Pushed(version, previous, held, len(graphs), time.perf_counter() - start, True, tuple(refused))


def switch_request(version: str, origin: str, base_iri: str | None, triples: int, graphs: list[str],
                   old_graphs: Iterable[str]) -> str:
    """The one update that makes the staged `version` the one served."""
    node = f"<urn:x-kg:version:{version}>"
    described = [f"{node} <{ORIGIN}> {_literal(origin)} ; <{TRIPLES}> {triples} ; <{UNION}> <{staged_name(version, None)}> ."]
    described += [f"{node} <{BASE}> {_literal(base_iri)} ."] if base_iri else []
    described += [f"{node} <{HAS_GRAPH}> <{g}> ." for g in graphs]
    steps = [f"DROP SILENT GRAPH <{g}>" for g in old_graphs if g not in graphs]
    steps += [f"MOVE SILENT <{staged_name(version, g)}> TO <{g}>" for g in graphs]
    steps += [f"DROP SILENT GRAPH <{CONTROL}>",
              f"INSERT DATA {{ GRAPH <{CONTROL}> {{ <{CONTROL}> <{SERVES}> {node} .\n{chr(10).join(described)} }} }}"]
    return " ;\n".join(steps)


def _stage(config: EndpointConfig, client: httpx.Client, name: str, triples: Iterator[ox.Triple],
           chunk: int) -> tuple[int, list[tuple[str, ox.Triple]]]:
    """Write `triples` into the graph `name`, `chunk` at a time: (how many the engine holds, and
    the ones it refused with its reason). A chunk the engine refuses is sent again in halves,
    down to single triples: Virtuoso compiles an INSERT DATA into SQL of at most 10,000 lines,
    and refuses a whole chunk for one literal it cannot store."""
    count, refused = 0, []
    while batch := list(itertools.islice(triples, chunk)):
        refused += _insert(config, client, name, batch)
        count += len(batch)
    return count - len(refused), refused


def _insert(config: EndpointConfig, client: httpx.Client, name: str, batch: list[ox.Triple]) -> list[tuple[str, ox.Triple]]:
    body = ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES).decode()
    try:
        _update(config, client, f"INSERT DATA {{ GRAPH <{name}> {{\n{body}}} }}")
    except EngineUnavailable:
        raise
    except KgError as exc:
        if len(batch) == 1:
            return [(str(exc).split(": ", 1)[-1].split(" SPARQL query:")[0], batch[0])]
        half = len(batch) // 2
        return _insert(config, client, name, batch[:half]) + _insert(config, client, name, batch[half:])
    return []


def _check(config: EndpointConfig, client: httpx.Client, expected: dict[str, int]) -> None:
    values = " ".join(f"<{name}>" for name in expected)
    rows = _select(config, client, f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g")
    found = {row["g"].value: int(row["n"].value) for row in rows}
    wrong = [(name, n, found.get(name, 0)) for name, n in expected.items() if found.get(name, 0) != n]
    if wrong:
        name, n, got = wrong[0]
        raise KgError(f"the engine holds {got} triples in the staged graph <{name}>, not {n}: nothing was switched "
                      f"(the engine serves what it served before)")


def _update(config: EndpointConfig, client: httpx.Client, update: str | None) -> None:
    if update is None:
        return
    url = config.update_url or config.url
    try:
        response = client.post(url, data={"update": update}, timeout=httpx.Timeout(UPDATE_SECONDS, connect=3.0))
    except httpx.HTTPError as exc:
        raise unreachable(config, exc) from None
    if response.status_code not in (200, 204):
        error = failed(config, response, response.content)
        raise type(error)(str(error).replace("refused the query", f"refused the update sent to {url}"))


def _literal(text: str) -> str:
    return ox.Literal(text).__str__()
