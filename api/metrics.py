"""Metrics for operators, in the Prometheus text format, written by `prometheus-client`.

What a request leaves: `kg_http_requests_total` by method, route (the route's template, such as
`/id/{path:path}`, so that entity IRIs do not each make a series) and status, and
`kg_http_request_duration_seconds` by route; answers cut at the result limit,
`kg_sparql_results_cut_total`. What is read when the metrics are asked for (a collector over the
version being served): the graph version and release (`kg_graph_info`, value 1), its triples,
queries stopped at the time limit, query processes started and stopped (a stopped one is
replaced at the next query), and the document cache's hits and misses. Counts of an engine start
again at zero with each graph version, which Prometheus's `rate()` takes as a counter reset.

Each HTTP worker counts its own requests: with KG_WORKERS above 1, a scrape of the service's
port reaches one of them (its `pid` label says which).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

CONTENT_TYPE = CONTENT_TYPE_LATEST  # the text exposition format, as the installed prometheus-client names it
METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"})
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ENGINE_COUNTS = {  # graph.engine.Engine.counters() -> metric name and help
    "queries_timed_out": ("kg_queries_timed_out", "SPARQL queries stopped at the time limit"),
    "processes_started": ("kg_query_processes_started", "query processes started (the first, and each one replacing a stopped one)"),
    "processes_stopped": ("kg_query_processes_stopped", "query processes stopped: killed for a query past its time or memory, or crashed"),
}


class Metrics:
    """The metrics of one HTTP worker, in a registry of its own (not the process-wide default:
    each application made in a process, a test's included, counts alone)."""

    def __init__(self, current_state: Callable[[], object | None]):
        self.registry = CollectorRegistry()
        pid = str(os.getpid())
        self.requests = Counter("kg_http_requests", "HTTP requests answered", ["method", "route", "status", "pid"],
                                registry=self.registry)
        self.latency = Histogram("kg_http_request_duration_seconds", "time from a request's arrival to its answer's end",
                                 ["route", "pid"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.cut = Counter("kg_sparql_results_cut", "SPARQL answers cut at the result limit (KG-Results-Truncated)",
                           ["pid"], registry=self.registry)
        self._pid = pid
        self._children: dict[tuple[str, str, int], tuple] = {}  # the labelled series, looked up once each (hot path)
        self.registry.register(_ServedVersion(current_state, pid))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in METHODS:  # a client's made-up method makes no series of its own
            method = "OTHER"
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (self.requests.labels(method, route, str(status), self._pid),
                                              self.latency.labels(route, self._pid))
        count, latency = children
        count.inc()
        latency.observe(seconds)

    def results_cut(self) -> None:
        self.cut.labels(self._pid).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def serve_on(self, host: str, port: int) -> None:
        """Answer scrapes on a port of their own (prometheus-client's server, in a thread)."""
        start_http_server(port, addr=host, registry=self.registry)


def route_of(scope) -> str:
    """The route a request went to, as its template: bounded, whatever the paths asked."""
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return route.path
    path = scope.get("path", "")
    if path in ("/sparql", "/metrics"):
        return path
    if path.startswith("/static/"):
        return "/static"
    return "(no route)"  # answered before routing (414, 431) or by no route (404)


class _ServedVersion:
    """What the version being served says of itself when metrics are asked for."""

    def __init__(self, current_state: Callable[[], object | None], pid: str):
        self.current_state = current_state
        self.pid = pid

    def collect(self):
        state = self.current_state()
        if state is None:  # before the service has started
            return
        info = state.info
        release = state.__dict__.get("published_version")  # only if already read: a scrape reads no graph
        graph = GaugeMetricFamily("kg_graph_info", "the graph version served (1)", labels=["version", "origin", "release", "pid"])
        graph.add_metric([info.version, info.origin, str(release["number"]) if release else "", self.pid], 1)
        yield graph
        triples = GaugeMetricFamily("kg_graph_triples", "triples in the default graph of the version served", labels=["pid"])
        triples.add_metric([self.pid], info.triples)
        yield triples
        counts = state.engine.counters()
        for key, (name, text) in ENGINE_COUNTS.items():
            family = CounterMetricFamily(name, text, labels=["pid"])
            family.add_metric([self.pid], counts.get(key, 0))
            yield family
        for name, value, text in (("kg_document_cache_hits", state.documents.hits, "documents served from the cache"),
                                  ("kg_document_cache_misses", state.documents.misses, "documents built because not cached")):
            family = CounterMetricFamily(name, text, labels=["pid"])
            family.add_metric([self.pid], value)
            yield family
