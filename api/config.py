"""What the HTTP service is told when it is made (kg/settings.py reads it from the environment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

from graph.policy import QueryPolicy

try:
    SERVICE_VERSION = version("kz-civil-service-kg")  # pyproject.toml's, the one place it is written
except PackageNotFoundError:  # a checkout that was never installed
    SERVICE_VERSION = "0.0.0"


@dataclass(frozen=True)
class ServiceConfig:
    base_iri: str  # the public base IRI, without a trailing slash
    result_limit: int = 10_000  # rows (or triples) per SPARQL response
    max_request_bytes: int = 1_000_000  # largest body or query string
    max_header_bytes: int = 8192  # the request's headers, names and values, all together (Oxigraph's bound too)
    read_timeout: float = 10.0  # seconds a request's headers, then its body, may take to arrive
    max_connections: int = 512  # open at once, per HTTP worker (kg/connection.py enforces it)
    document_cache_mb: int = 64  # per HTTP worker
    reload_interval: float = 1.0  # seconds between two looks for a new graph version (kg serve); 0: never
    time_limit: float = 10.0  # seconds a search or a reconciliation batch may take (queries: the engine's own)
    policy: QueryPolicy = field(default_factory=QueryPolicy)  # what a query may be
    metrics: str = "on"  # /metrics: "on" (on the service's port), "off", or a port of its own
    metrics_host: str = "127.0.0.1"  # the address a metrics port binds (the service's)
