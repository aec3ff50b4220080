"""All configuration, read from environment variables with documented defaults, in one place.

| variable | default | meaning |
|---|---|---|
| KG_BASE_IRI | http://127.0.0.1:8000 | public base IRI: the graph's IRIs are minted under it and resolve there |
| KG_DATA_DIR | ./data | where stores live (`kg build` and `kg load` write there, `kg serve` reads) |
| KG_RECORDS_DIR | ./records | the curated records and their identity links; drafts go in its `drafts/` |
| KG_CORPUS_DIR | ./corpus | the articles the records quote, with their metadata table (index.tsv) |
| KG_HOST | 127.0.0.1 | address `kg serve` binds |
| KG_PORT | 8000 | port `kg serve` binds |
| KG_QUERY_TIMEOUT | 10 | seconds a SPARQL query may run before it is stopped |
| KG_RESULT_LIMIT | 10000 | rows (or triples) a SPARQL response holds at most |
| KG_WORKERS | 1 | HTTP worker processes of `kg serve` (each opens the store read-only and has its own query process) |
| KG_QUERY_LANES | 2 | query processes per HTTP worker: 2, a fast lane for queries known to take under 0.25 s beside the general one; 1, one for all (less memory) |
| KG_QUERY_THREADS | 4 | queries the (killable) query process of each HTTP worker evaluates at once; more wait for a free thread |
| KG_QUERY_MALLOC | auto | allocator of the query processes: `auto` (jemalloc when the system has it, e.g. Debian's libjemalloc2), `system`, or a path to a malloc library |
| KG_DOCUMENT_CACHE_MB | 64 | memory for documents already built (entity pages in each format, ontology, VoID...), per HTTP worker; 0 builds every request anew |
| KG_MAX_REQUEST_BYTES | 1000000 | largest request body (413 beyond) or request target (414 beyond; at most 65,535 bytes under `kg serve`) |
| KG_MAX_HEADER_BYTES | 8192 | request headers, all together; larger gets 431 |
| KG_READ_TIMEOUT | 10 | seconds a request's headers, then its body, may take to arrive; slower gets 408 |
| KG_MAX_CONNECTIONS | 512 | connections open at once to each HTTP worker of `kg serve`; one more gets 503 and is closed |
| KG_QUERY_MEMORY_MB | 2048 | resident memory a query process may reach; past it, the query running longest in it is stopped (503) |
| KG_SERVICE_ALLOWLIST | (empty) | space-separated SPARQL endpoints a query may name in SERVICE |
| KG_EXTRACTOR_URL | (empty) | an OpenAI-compatible endpoint (up to `/v1`: llama.cpp's server, vLLM, Ollama) `kg ingest` asks for the events and policies an article describes in prose; empty: never called, the rules alone |
| KG_EXTRACTOR_MODEL | default | the model name sent to that endpoint |
| KG_EXTRACTOR_TIMEOUT | 60 | seconds to wait for its answer (per read); past it, the draft is written from the rules alone, with a note |
| KG_METRICS | on | `/metrics` (Prometheus text format): `on`, on the service's port; `off`; or a port of its own (bound on KG_HOST; needs KG_WORKERS=1) |
| KG_SPARQL_ENDPOINT | (empty) | a SPARQL 1.1 query endpoint (Oxigraph's `/query`, Virtuoso's `/sparql`) to serve instead of the embedded store, holding the graph as `kg push` or `kg export --format nq` put it there; empty: the embedded store |
| KG_SPARQL_UPDATE_ENDPOINT | (empty) | where `kg push` sends SPARQL Update (Oxigraph's `/update`, Virtuoso's `/sparql-auth`); empty: `.../update` beside a KG_SPARQL_ENDPOINT ending in `/query` (Oxigraph, Fuseki), else KG_SPARQL_ENDPOINT |
| KG_SPARQL_USER | (empty) | user name for the endpoint (sent with KG_SPARQL_PASSWORD) |
| KG_SPARQL_PASSWORD | (empty) | password for the endpoint |
| KG_SPARQL_AUTH | basic | how the credentials are sent: `basic` or `digest` (Virtuoso's `/sparql-auth`) |
| KG_RELOAD_INTERVAL | 1 | seconds between two looks (a stat of `current.json`) of each HTTP worker for a new graph version, which it then serves without a restart; 0: never |

This module is the only reader of the environment: the layers below get what they need as small
frozen objects (graph.config.Sources and PoolConfig, graph.policy.QueryPolicy,
api.config.ServiceConfig).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from api.config import ServiceConfig
from graph.config import EndpointConfig, ModelEndpoint, PoolConfig, ReconcileConfig, Sources
from graph.errors import KgError
from graph.policy import QueryPolicy

JEMALLOC_PATHS = (
    "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
    "/usr/lib64/libjemalloc.so.2",
    "/usr/lib/libjemalloc.so.2",
)


def debug() -> bool:
    """KG_DEBUG: show the traceback of an internal error instead of one line."""
    return bool(os.environ.get("KG_DEBUG"))


def serve_workers_with(host: str, port: int, workers: int) -> None:
    """Hand the command line's --host, --port and --workers to the HTTP worker processes, which
    read their settings from the environment (uvicorn starts them from a factory's name)."""
    os.environ.update({"KG_HOST": host, "KG_PORT": str(port), "KG_WORKERS": str(workers)})


def malloc_library(setting: str) -> str | None:
    """The allocator library to preload into query processes, or None for the system's malloc.

    pyoxigraph, like Oxigraph's own server, allocates with the system's malloc; with jemalloc
    preloaded the aggregate query of the benchmark runs ~10-20% faster (bench/RESULTS.md, run 3).
    """
    if setting == "system":
        return None
    if setting == "auto":
        return next((path for path in JEMALLOC_PATHS if Path(path).is_file()), None)
    if not Path(setting).is_file():
        raise KgError(f"KG_QUERY_MALLOC={setting}: no such file (use auto, system or a library path)")
    return setting


_PARSE = {"base_iri": lambda raw: raw.rstrip("/"), "service_allowlist": lambda raw: tuple(raw.split()),
          "reconcile_services": lambda raw: tuple(raw.split())}
_PARSE_BY_TYPE = {"int": int, "float": float, "Path": Path, "Path | None": Path}
_KIND = {"int": "whole number", "float": "number"}


@dataclass(frozen=True)
class Settings:
    base_iri: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("data")
    records_dir: Path = Path("records")
    corpus_dir: Path | None = Path("corpus")
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 10.0
    result_limit: int = 10_000
    workers: int = 1
    query_threads: int = 4
    query_lanes: int = 2
    query_malloc: str = "auto"
    document_cache_mb: int = 64
    max_request_bytes: int = 1_000_000
    query_memory_mb: int = 2048
    max_header_bytes: int = 8192
    read_timeout: float = 10.0
    max_connections: int = 512
    service_allowlist: tuple[str, ...] = ()
    reload_interval: float = 1.0
    extractor_url: str = ""
    extractor_model: str = "default"
    extractor_timeout: float = 60.0
    metrics: str = "on"
    sparql_endpoint: str = ""
    sparql_update_endpoint: str = ""
    sparql_user: str = ""
    sparql_password: str = ""
    sparql_auth: str = "basic"
    sparql_retry_seconds: float = 5.0
    reconcile_services: tuple[str, ...] = ()
    reconcile_timeout: float = 10.0

    @classmethod
    def from_env(cls) -> "Settings":
        """Each field from the variable KG_<FIELD> (`base_iri` from KG_BASE_IRI...), else its
        default; an empty path is the default too."""
        values = {}
        for spec in fields(cls):
            name = f"KG_{spec.name.upper()}"
            raw = os.environ.get(name)
            if raw is None or (not raw and "Path" in spec.type):
                continue
            try:
                values[spec.name] = _PARSE.get(spec.name, _PARSE_BY_TYPE.get(spec.type, str))(raw)
            except ValueError:
                raise KgError(f"bad setting in the environment: {name}={raw!r} is not a {_KIND.get(spec.type, 'value')}") from None
        return cls(**values)

    def prose_model(self) -> ModelEndpoint | None:
        """The endpoint `kg ingest` may ask for prose descriptions; None when none is configured."""
        if not self.extractor_url:
            return None
        if not self.extractor_url.startswith(("http://", "https://")):
            raise KgError(f"KG_EXTRACTOR_URL={self.extractor_url!r}: an http(s) URL up to /v1 is needed")
        return ModelEndpoint(self.extractor_url, self.extractor_model, self.extractor_timeout)

    def reconcile(self) -> ReconcileConfig | None:
        """The reconciliation services `kg ingest` asks (KG_RECONCILE_SERVICES); None: none is."""
        if not self.reconcile_services:
            return None
        for url in self.reconcile_services:
            if not url.startswith(("http://", "https://")):
                raise KgError(f"KG_RECONCILE_SERVICES: {url!r} is not an http(s) URL")
        return ReconcileConfig(self.reconcile_services, self.reconcile_timeout, self.data_dir / "reconcile-cache.json")

    def sources(self, records_dir: Path | None = None) -> Sources:
        return Sources(records_dir or self.records_dir, self.corpus_dir)

    def pool(self) -> PoolConfig:
        if self.query_lanes not in (1, 2):
            raise KgError(f"KG_QUERY_LANES={self.query_lanes}: use 1 or 2")
        return PoolConfig(threads=self.query_threads, lanes=self.query_lanes, timeout=self.query_timeout,
                          malloc=malloc_library(self.query_malloc),
                          environment=dict(os.environ), memory_mb=self.query_memory_mb or None)

    def service(self) -> ServiceConfig:
        return ServiceConfig(
            base_iri=self.base_iri,
            result_limit=self.result_limit,
            max_request_bytes=self.max_request_bytes,
            max_header_bytes=self.max_header_bytes,
            read_timeout=self.read_timeout,
            max_connections=self.max_connections,
            document_cache_mb=self.document_cache_mb,
            time_limit=self.query_timeout,
            reload_interval=self.reload_interval,
            policy=QueryPolicy(service_allowlist=self.service_allowlist),
            metrics=self._metrics(),
            metrics_host=self.host,
        )

    def endpoint(self, url: str | None = None, update_url: str | None = None) -> EndpointConfig | None:
        """The SPARQL endpoint to serve (or `url`, for `kg push`); None for the embedded store."""
        url = url or self.sparql_endpoint
        if not url:
            return None
        for name, value in (("KG_SPARQL_ENDPOINT", url), ("KG_SPARQL_UPDATE_ENDPOINT", update_url or self.sparql_update_endpoint)):
            if value and not value.startswith(("http://", "https://")):
                raise KgError(f"{name}={value!r}: an http(s) URL is needed")
        if self.sparql_auth not in ("basic", "digest"):
            raise KgError(f"KG_SPARQL_AUTH={self.sparql_auth!r}: use basic or digest")
        update_url = update_url or self.sparql_update_endpoint or None
        if update_url is None and url.endswith("/query"):  # Oxigraph's and Fuseki's pair: .../query, .../update
            update_url = url.removesuffix("/query") + "/update"
        return EndpointConfig(url=url, user=self.sparql_user or None, password=self.sparql_password or None,
                              auth=self.sparql_auth, timeout=self.query_timeout, base_iri=self.base_iri,
                              update_url=update_url, retry_seconds=self.sparql_retry_seconds)

    def _metrics(self) -> str:
        value = self.metrics.strip().lower()
        if value in ("on", "off"):
            return value
        if not value.isdigit() or not 0 < int(value) < 65536:
            raise KgError(f"KG_METRICS={self.metrics!r}: use on, off, or a port number")
        if self.workers > 1:
            raise KgError(f"KG_METRICS={value}: a metrics port of its own needs KG_WORKERS=1 (with more workers, use on)")
        return value
