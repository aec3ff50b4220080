"""The remote engine: a SPARQL 1.1 query endpoint (Oxigraph's server, Virtuoso, ...) read over
the SPARQL protocol with httpx, behind the same seam as the embedded store.

Nothing reaches the engine that the service would not run itself: the admission policy
(graph.policy) has already refused updates, SERVICE outside the allow-list, FROM graphs the
dataset does not hold and engine pragmas; here the query is parsed once more, by Oxigraph's
parser on an empty store, so that a syntax error is the same message over every engine, and
sent with an explicit dataset, so that the engine's other graphs (a version being pushed,
Virtuoso's system graphs) are never seen. The time limit is a deadline on the request: past it,
the connection is closed (which is how a client cancels an HTTP request; Virtuoso is also told
the limit in its `timeout` parameter) and the query is answered QueryTimeout. Results are read
as a stream and the connection closed once the result cap is passed, so a huge result is never
read whole. The engine's answer is parsed with Oxigraph's parsers and written by the same code
as the embedded engine's (graph/results.py): the same bytes, whichever engine.

Two layouts (`read_layout`):
- pushed by `kg push` (graph/engine/push.py): a control graph names the version served, its
  graphs, and the graph that holds their union, which becomes the default graph of every query;
- as `kg export --format nq` writes it, loaded by hand: the engine's own default graph holds the
  union and every named graph is the graph's. Its version is a digest of its graph names and
  size, read once: a change is seen after a restart (kg push is the way to publish).

`RemoteSource` follows the endpoint as graph.engine.following.Follower follows a data
directory: it reads the control graph's version every KG_RELOAD_INTERVAL seconds, and while the
engine cannot be reached it serves an `UnreachableEngine`, which answers 503, until it can.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, TypeVar

import httpx
import pyoxigraph as ox

from graph.config import EndpointConfig
from graph.engine.base import Engine, GraphInfo
from graph.engine.evaluate import QueryJob, QueryOutcome, syntax_error_message, used_prefixes
from graph.errors import EngineFailed, EngineUnavailable, KgError, QuerySyntaxError, QueryTimeout, WrongResultFormat
from graph.formats import BY_NAME, GRAPH
from graph.namespaces import default_prefixes
from graph.results import Serialized, serialize_boolean, serialize_solutions, serialize_solutions_fast, serialize_triples
from graph.sparql_guard import analyse

CONTROL = "urn:x-kg:control"  # the graph (and the node) where `kg push` says which version is served
SERVES = "urn:x-kg:serves"
ORIGIN, BASE, TRIPLES, HAS_GRAPH, UNION = (f"urn:x-kg:{name}" for name in ("origin", "base", "triples", "graph", "union"))
USER_THREADS = 64  # user queries waiting on the engine at once, per HTTP worker (each holds a thread while it waits)
CONNECT_SECONDS = 3.0
RETRY_PAUSE = 0.1  # seconds between attempts to reach an engine that refused a connection
SOLUTIONS_TYPE = "application/sparql-results+json"
XML_TYPE = "application/sparql-results+xml"
NONE = "urn:x-kg:none"  # a graph no engine holds: names an empty side of a dataset
VIRTUOSO_BNODE = (b"<bnode>nodeID://", b"<bnode>")  # its blank node labels are not valid ones
GRAPH_TYPES = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"
RDF_BY_TYPE = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
               "text/turtle": ox.RdfFormat.TURTLE, "application/rdf+xml": ox.RdfFormat.RDF_XML}
T = TypeVar("T")
_DECLARED = re.compile(r"(?i:\bPREFIX)\s+([A-Za-z][\w.-]*)?:")  # a prefix the query declares itself is its own
MESSAGE_BYTES = 300  # of an engine's error message, quoted in ours
WHOLE_BYTES = 4 * 1024 * 1024  # an answer up to this size is read whole and handed to Oxigraph's parser and writer at once


class Layout(NamedTuple):
    """What the endpoint serves, and how to ask for exactly that."""

    info: GraphInfo
    union: str | None  # the graph holding the default graph's triples; None: the engine's own default graph


def client_for(config: EndpointConfig, *, asynchronous: bool = False) -> httpx.Client | httpx.AsyncClient:
    auth: httpx.Auth | None = None
    if config.user and config.password is not None:
        auth = (httpx.DigestAuth if config.auth == "digest" else httpx.BasicAuth)(config.user, config.password)
    limits = httpx.Limits(max_connections=USER_THREADS + 8, max_keepalive_connections=32)
    kind = httpx.AsyncClient if asynchronous else httpx.Client
    return kind(auth=auth, limits=limits, timeout=httpx.Timeout(config.read_timeout, connect=CONNECT_SECONDS),
                headers={"User-Agent": "kg-service"})


def unreachable(config: EndpointConfig, exc: Exception) -> EngineUnavailable:
    return EngineUnavailable(f"the SPARQL engine at {config.url} cannot be reached ({type(exc).__name__}: {exc or 'no answer'})")


def failed(config: EndpointConfig, response: httpx.Response, body: bytes) -> KgError:
    """The engine's error answer as ours: 4xx (the engine refused the query) is the query's
    fault, anything else the engine's."""
    message = " ".join(body[:MESSAGE_BYTES].decode("utf-8", "replace").split()) or response.reason_phrase
    if response.status_code in (401, 403):
        return EngineFailed(f"the SPARQL engine at {config.url} refused our credentials ({response.status_code}): set KG_SPARQL_USER and KG_SPARQL_PASSWORD")
    if 400 <= response.status_code < 500:
        return KgError(f"the SPARQL engine refused the query ({response.status_code}): {message}")
    return EngineFailed(f"the SPARQL engine failed ({response.status_code}): {message}")


def read_layout(config: EndpointConfig, client: httpx.Client) -> Layout:
    """The version the endpoint serves (blocking; EngineUnavailable when it cannot be reached)."""
    rows = _select(config, client, f"""SELECT ?v ?origin ?base ?triples ?union ?g WHERE {{ GRAPH <{CONTROL}> {{
        <{CONTROL}> <{SERVES}> ?v . ?v <{ORIGIN}> ?origin ; <{TRIPLES}> ?triples ; <{UNION}> ?union ; <{HAS_GRAPH}> ?g
        OPTIONAL {{ ?v <{BASE}> ?base }} }} }}""")
    if rows:
        first = rows[0]
        graphs = tuple(sorted({row["g"].value for row in rows}))
        base = first["base"].value if first["base"] is not None else None
        version = first["v"].value.rsplit(":", 1)[-1]
        info = GraphInfo(first["origin"].value, version, base, int(first["triples"].value), graphs)
        return Layout(info, first["union"].value)
    graphs = tuple(sorted(row["g"].value for row in _select(config, client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")))
    [count] = _select(config, client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    triples = int(count["n"].value)
    curated = config.base_iri is not None and f"{config.base_iri}/ontology" in graphs
    digest = hashlib.sha256(repr((graphs, triples)).encode()).hexdigest()[:16]
    info = GraphInfo("curated" if curated else "loaded", digest, config.base_iri if curated else None, triples, graphs)
    return Layout(info, None)


def served_version(config: EndpointConfig, client: httpx.Client) -> str | None:
    """The version the control graph names (one small query), or None when there is none."""
    rows = _select(config, client, f"SELECT ?v WHERE {{ GRAPH <{CONTROL}> {{ <{CONTROL}> <{SERVES}> ?v }} }}")
    return rows[0]["v"].value.rsplit(":", 1)[-1] if rows else None


def _select(config: EndpointConfig, client: httpx.Client, query: str, params: list[tuple[str, str]] = ()) -> list[ox.QuerySolution]:
    body = _send(config, client, query, SOLUTIONS_TYPE, params)
    return list(ox.parse_query_results(body, ox.QueryResultsFormat.JSON))


def _send(config: EndpointConfig, client: httpx.Client, query: str, accept: str, params, timeout: float | None = None) -> bytes:
    try:
        response = client.post(config.url, data={"query": query, **_grouped(params)}, headers={"Accept": accept},
                                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
    except httpx.TimeoutException as exc:
        if isinstance(exc, httpx.ConnectTimeout):
            raise unreachable(config, exc) from None
        raise EngineFailed(f"the SPARQL engine at {config.url} did not answer within {config.read_timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise unreachable(config, exc) from None
    if response.status_code != 200:
        raise failed(config, response, response.content)
    return response.content


def _grouped(params) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    return grouped


class _Stream(io.RawIOBase):
    """A response body as a file for Oxigraph's parsers, read as they need it, up to a deadline."""

    def __init__(self, chunks: Iterator[bytes], deadline: float):
        self.chunks = chunks
        self.deadline = deadline
        self.left = b""
        self.late = False

    def readable(self) -> bool:
        return True

    def whole(self, most: int) -> bytes | None:
        """The rest of the body when it ends within `most` bytes; None when it does not (what was
        read is kept, to be read as a stream)."""
        parts, size = [self.left], len(self.left)
        while size <= most and (chunk := self._next()):
            parts.append(chunk)
            size += len(chunk)
        self.left = b"".join(parts)
        if size <= most:
            body, self.left = self.left, b""
            return body
        return None

    def readinto(self, buffer) -> int:
        if not self.left:
            self.left = self._next()
            if not self.left:
                return 0
        n = min(len(buffer), len(self.left))
        buffer[:n], self.left = self.left[:n], self.left[n:]
        return n

    def _next(self) -> bytes:
        """The next chunk, b"" at the end; OSError past the deadline."""
        while True:
            if time.monotonic() > self.deadline:
                self.late = True
                raise OSError("past the time limit")
            try:
                chunk = next(self.chunks, None)
            except httpx.TimeoutException:
                self.late = True
                raise OSError("no answer within the time limit") from None
            if chunk is None or chunk:
                return chunk or b""


def _replaced(chunks: Iterator[bytes], old: bytes, new: bytes) -> Iterator[bytes]:
    """`chunks` with `old` replaced by `new`, where it straddles two chunks too."""
    keep = len(old) - 1
    tail = b""
    for chunk in chunks:
        data = (tail + chunk).replace(old, new)
        tail, ready = data[-keep:], data[:-keep]
        if ready:
            yield ready
    if tail:
        yield tail


class RemoteEngine(Engine):
    def __init__(self, config: EndpointConfig, layout: Layout, product: str = ""):
        self.config = config
        self.info = layout.info
        self.union = layout.union
        self.product = product  # the engine's Server header, e.g. "Virtuoso/07.20.3229 (Linux) ..."
        # Virtuoso's JSON results write a stored true as "1" and blank nodes as nodeID://...: its XML
        # is read instead, with those labels mended; it merges a query's FROM with the protocol's
        # dataset instead of the one overriding the other; and it takes a time limit of its own
        self.virtuoso = "virtuoso" in product.lower()
        self.results_type = XML_TYPE if self.virtuoso else SOLUTIONS_TYPE
        self.prefixes = default_prefixes(layout.info.base_iri)
        self.client = client_for(config)
        self.threads = ThreadPoolExecutor(USER_THREADS, thread_name_prefix="kg-remote")
        self.parser = ox.Store()  # empty: parses a query the way the embedded engine does, runs nothing
        self.counts = {"queries_timed_out": 0}
        self.down_since: float | None = None  # when the engine was first found unreachable, since it last answered
        # the dataset every query is asked over, unless it names its own: the version's graphs only
        self.dataset: list[tuple[str, str]] = [] if layout.union is None else [
            ("default-graph-uri", layout.union), *(("named-graph-uri", g) for g in layout.info.graphs)]

    # the service's own reads: whole answers, parsed
    def select(self, sparql: str) -> list[ox.QuerySolution]:
        return list(self._solutions(self._mended(self._read(sparql, self.results_type))))

    def ask(self, sparql: str) -> bool:
        return bool(self._solutions(self._read(sparql, self.results_type)))

    def construct(self, sparql: str) -> list[ox.Triple]:
        response = self._exchange(lambda: self.client.post(self.config.url, data={"query": self._text(sparql), **_grouped(self.dataset)},
                                                           headers={"Accept": GRAPH_TYPES}), time.monotonic() + self.config.read_timeout)
        if response.status_code != 200:
            raise failed(self.config, response, response.content)
        return list(ox.parse(response.content, format=self._rdf_format(response)))

    def _read(self, sparql: str, accept: str) -> bytes:
        return self._exchange(lambda: _send(self.config, self.client, self._text(sparql), accept, self.dataset),
                              time.monotonic() + self.config.read_timeout)

    def _exchange(self, send: Callable[[], T], deadline: float) -> T:
        """`send()`, sent again while the engine cannot be reached, for up to `retry_seconds` from
        when it was first found so (an engine restarting: the request waits instead of failing),
        never past `deadline`; past that time, one attempt, and EngineUnavailable at once."""
        while True:
            try:
                answer = send()
            except (httpx.NetworkError, httpx.RemoteProtocolError, EngineUnavailable) as exc:  # refused, reset, closed
                now = time.monotonic()
                self.down_since = self.down_since or now
                if now + RETRY_PAUSE >= min(deadline, self.down_since + self.config.retry_seconds):
                    raise exc if isinstance(exc, EngineUnavailable) else unreachable(self.config, exc) from None
                time.sleep(RETRY_PAUSE)
                continue
            self.down_since = None
            return answer

    def waiting(self) -> bool:
        """Whether the engine is unreachable since less than `retry_seconds`: requests wait for it."""
        down_since = self.down_since
        return down_since is not None and time.monotonic() - down_since < self.config.retry_seconds

    # users' queries: streamed, cut at the limit and the deadline
    async def run(self, job: QueryJob) -> QueryOutcome:
        return await asyncio.get_running_loop().run_in_executor(self.threads, self._run, job)

    def _run(self, job: QueryJob) -> QueryOutcome:
        deadline = time.monotonic() + self.config.timeout
        prefixes = used_prefixes(job.query, self.prefixes)
        declared = set(_DECLARED.findall(job.query))
        undeclared = {name: iri for name, iri in prefixes.items() if name not in declared}
        try:
            self.parser.query(job.query, prefixes=prefixes, base_iri=job.base_iri)  # parsed, not evaluated
        except SyntaxError as exc:
            raise QuerySyntaxError(syntax_error_message(str(exc))) from exc
        analysis = analyse(job.query, self.prefixes)
        graph_form = analysis.form in ("CONSTRUCT", "DESCRIBE")
        known = BY_NAME.get(job.fmt)
        if known is None or (known.form == GRAPH) != graph_form:
            raise WrongResultFormat(f"{'a graph result' if graph_form else 'query results'} cannot be written as {job.fmt}")
        params = self.dataset_for(job, analysis.from_graphs, analysis.from_named_graphs)
        if self.virtuoso:  # its own limit, in milliseconds, a second past ours: it stops its work soon after we stop
            # waiting, and never hands us within our limit the partial "anytime" answer it gives at its own
            params.append(("timeout", str(int((self.config.timeout + 1) * 1000))))
        text = self._text(job.query, undeclared, job.base_iri)
        timeout = httpx.Timeout(self.config.timeout, connect=CONNECT_SECONDS)
        request = self.client.build_request("POST", self.config.url, data={"query": text, **_grouped(params)},
                                            headers={"Accept": GRAPH_TYPES if graph_form else self.results_type},
                                            extensions={"timeout": timeout.as_dict()})
        try:
            response = self._exchange(lambda: self.client.send(request, stream=True), deadline)
        except httpx.TimeoutException:
            raise self._timed_out() from None
        except httpx.HTTPError as exc:
            raise unreachable(self.config, exc) from None
        try:
            if response.status_code != 200:
                raise failed(self.config, response, response.read()[:MESSAGE_BYTES])
            if response.headers.get("x-sql-state", "").startswith("S1T"):  # Virtuoso's "anytime" answer: a partial result
                raise self._timed_out()
            chunks = response.iter_bytes()
            stream = _Stream(_replaced(chunks, *VIRTUOSO_BNODE) if self.virtuoso else chunks, deadline)
            try:
                return self._outcome(job, response, stream, graph_form)
            except (OSError, SyntaxError, httpx.HTTPError) as exc:
                if stream.late or isinstance(exc, httpx.TimeoutException):
                    raise self._timed_out() from None
                raise EngineFailed(f"the SPARQL engine's answer could not be read: {exc}") from None
        finally:
            response.close()  # before the end of a long answer: the connection is dropped, the engine stops sending

    def _outcome(self, job: QueryJob, response: httpx.Response, stream: _Stream, graph_form: bool) -> QueryOutcome:
        whole = stream.whole(WHOLE_BYTES)  # most answers: parsed and written by Oxigraph at once
        body = io.BytesIO(whole) if whole is not None else io.BufferedReader(stream)
        if graph_form:
            triples = ox.parse(body, format=self._rdf_format(response))
            return QueryOutcome("graph", serialize_triples(triples, job.fmt, job.limit, self.prefixes))
        result = self._solutions(body)
        if isinstance(result, ox.QueryBoolean):
            return QueryOutcome("boolean", serialize_boolean(bool(result), job.fmt))
        cut = "x-sparql-maxrows" in response.headers  # Virtuoso cut it at its ResultSetMaxRows
        # written by Oxigraph's serialiser, as the embedded engine writes them, so that the bytes
        # are the same whichever engine; a long answer is read as a stream up to the cap first
        if whole is not None:
            written = serialize_solutions_fast(result, job.fmt, job.limit)
            assert written is not None  # from at most WHOLE_BYTES of answer: far below the byte cap
        else:
            first = serialize_solutions(result, "json", job.limit)
            written = serialize_solutions_fast(ox.parse_query_results(first.body, ox.QueryResultsFormat.JSON), job.fmt, job.limit)
            assert written is not None  # at most `limit` rows: far below the byte cap
            written = Serialized(written.body, first.rows, first.truncated)
        return QueryOutcome("solutions", Serialized(written.body, written.rows, written.truncated or cut))

    def _timed_out(self) -> QueryTimeout:
        self.counts["queries_timed_out"] += 1
        return QueryTimeout(f"the query ran past the time limit of {self.config.timeout:g} s")

    def dataset_for(self, job: QueryJob, from_graphs: list[str], from_named: list[str]) -> list[tuple[str, str]]:
        """The protocol's dataset parameters: the job's, completed with this version's graphs. A
        query with FROM or FROM NAMED (the policy has checked them) is sent with none, its own
        dataset standing; to Virtuoso, which merges the two, with an empty graph for the side the
        query leaves empty, so that no graph of another version is in it."""
        if from_graphs or from_named:
            if not self.virtuoso:
                return []
            return [("named-graph-uri", NONE)] if not from_named else [("default-graph-uri", NONE)] if not from_graphs else []
        if job.default_graphs is None and job.named_graphs is None:
            return list(self.dataset)
        default = list(job.default_graphs) if job.default_graphs is not None else ([self.union] if self.union else [])
        named = list(job.named_graphs) if job.named_graphs is not None else list(self.info.graphs)
        return [*(("default-graph-uri", g) for g in default or [NONE]), *(("named-graph-uri", g) for g in named or [NONE])]

    def _text(self, sparql: str, prefixes: dict[str, str] | None = None, base_iri: str | None = None) -> str:
        """The query with the prologue the embedded engine would have been handed as arguments."""
        prefixes = used_prefixes(sparql, self.prefixes) if prefixes is None else prefixes
        lines = [f"BASE <{base_iri}>"] if base_iri else []
        lines += [f"PREFIX {name}: <{iri}>" for name, iri in prefixes.items()]
        return "\n".join([*lines, sparql]) if lines else sparql

    def _solutions(self, body) -> ox.QuerySolutions | ox.QueryBoolean:
        return ox.parse_query_results(body, ox.QueryResultsFormat.XML if self.virtuoso else ox.QueryResultsFormat.JSON)

    def _mended(self, body: bytes) -> bytes:
        return body.replace(*VIRTUOSO_BNODE) if self.virtuoso else body

    def _rdf_format(self, response: httpx.Response) -> ox.RdfFormat:
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        found = RDF_BY_TYPE.get(media)
        if found is None:
            raise EngineFailed(f"the SPARQL engine answered a graph query with {media or 'no media type'}, which is not RDF")
        return found

    async def ready(self) -> str | None:
        """None when the engine answers, or has stopped answering since less than `retry_seconds`
        (a restart: requests wait for it, and the balancer keeps this replica in); else why not."""
        try:
            await asyncio.get_running_loop().run_in_executor(self.threads, self._ping)
        except EngineUnavailable as exc:
            return None if self.waiting() else str(exc)
        except KgError as exc:
            return str(exc)
        return None

    def _ping(self) -> None:
        self._exchange(lambda: _send(self.config, self.client, "ASK {}", SOLUTIONS_TYPE, (), timeout=CONNECT_SECONDS), time.monotonic())

    def counters(self) -> dict[str, int]:
        return dict(self.counts)

    async def close(self) -> None:
        self.threads.shutdown(wait=False, cancel_futures=True)
        self.client.close()


class UnreachableEngine(Engine):
    """What the service serves while the endpoint cannot be reached: every read is 503 with the
    reason, /health says not ready, and `RemoteSource.newer()` replaces it once the engine answers."""

    def __init__(self, reason: EngineUnavailable, base_iri: str | None):
        self.reason = reason
        self.info = GraphInfo("unavailable", "none", None, 0, ())
        self.prefixes = default_prefixes(base_iri)

    async def ready(self) -> str | None:
        return str(self.reason)

    async def run(self, job: QueryJob) -> QueryOutcome:
        raise self.reason

    def select(self, sparql: str) -> list[ox.QuerySolution]:
        raise self.reason

    def construct(self, sparql: str) -> list[ox.Triple]:
        raise self.reason

    def ask(self, sparql: str) -> bool:
        raise self.reason


class RemoteSource:
    """The engine of what the endpoint serves now, and of the next version when it serves
    another (a `kg push`), for `kg serve` (api/state.py: Versions)."""

    def __init__(self, config: EndpointConfig):
        self.config = config
        self.client = client_for(config)
        self.version: str | None = None

    def open(self) -> Engine:
        """The engine of the version served now, or an UnreachableEngine (blocking)."""
        try:
            return self._open()
        except EngineUnavailable as exc:
            self.version = None
            return UnreachableEngine(exc, self.config.base_iri)

    def newer(self) -> Engine | None:
        """The engine of another version, or of the engine come back; else None (blocking)."""
        try:
            if self.version is not None and served_version(self.config, self.client) in (self.version, None):
                return None
            return self._open()
        except EngineUnavailable:
            return None  # the version in service answers 503 meanwhile, and /health says why

    def _open(self) -> RemoteEngine:
        product = self._product()
        layout = read_layout(self.config, self.client)
        self.version = layout.info.version if layout.union is not None else "plain"
        return RemoteEngine(self.config, layout, product)

    def _product(self) -> str:
        try:
            return self.client.get(self.config.url, params={"query": "ASK {}"}, headers={"Accept": SOLUTIONS_TYPE},
                                   timeout=CONNECT_SECONDS).headers.get("server", "")
        except httpx.HTTPError as exc:
            raise unreachable(self.config, exc) from None
