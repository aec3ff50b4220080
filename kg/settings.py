"""All configuration, read from environment variables with documented defaults.

| variable | default | meaning |
|---|---|---|
| KG_BASE_IRI | http://127.0.0.1:8000 | public base IRI: the graph's IRIs are minted under it and resolve there |
| KG_DATA_DIR | ./data | where stores live (`kg build` and `kg load` write there, `kg serve` reads) |
| KG_CORPUS_DIR | ../shared/corpus beside the project, if present | the articles, for the quote check |
| KG_HOST | 127.0.0.1 | address `kg serve` binds |
| KG_PORT | 8000 | port `kg serve` binds |
| KG_QUERY_TIMEOUT | 10 | seconds a SPARQL query may run before it is stopped |
| KG_RESULT_LIMIT | 10000 | rows (or triples) a SPARQL response holds at most |
| KG_WORKERS | 1 | HTTP worker processes of `kg serve` (each opens the store read-only and has its own query process) |
| KG_QUERY_THREADS | 4 | queries the (killable) query process of each HTTP worker evaluates at once; more wait for a free thread |
| KG_QUERY_MALLOC | auto | allocator of the query processes: `auto` (jemalloc when the system has it, e.g. Debian's libjemalloc2), `system`, or a path to a malloc library |
| KG_DOCUMENT_CACHE_MB | 64 | memory for documents already built (entity pages in each format, ontology, VoID...), per HTTP worker; 0 builds every request anew |
| KG_MAX_REQUEST_BYTES | 1000000 | largest request body or query string; larger gets 413 |
| KG_SERVICE_ALLOWLIST | (empty) | space-separated SPARQL endpoints a query may name in SERVICE |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RECORDS_DIR = PROJECT_ROOT / "graph" / "records"
ONTOLOGY_FILE = PROJECT_ROOT / "ontology" / "kg.ttl"
SHAPES_FILE = PROJECT_ROOT / "shapes" / "kg-shapes.ttl"


def _default_corpus_dir() -> Path | None:
    candidate = PROJECT_ROOT.parent / "shared" / "corpus"
    return candidate if candidate.is_dir() else None


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


@dataclass(frozen=True)
class Settings:
    base_iri: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("data")
    corpus_dir: Path | None = field(default_factory=_default_corpus_dir)
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 10.0
    result_limit: int = 10_000
    workers: int = 1
    query_threads: int = 4
    query_malloc: str = "auto"
    document_cache_mb: int = 64
    max_request_bytes: int = 1_000_000
    service_allowlist: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        defaults = cls()
        return cls(
            base_iri=env.get("KG_BASE_IRI", defaults.base_iri).rstrip("/"),
            data_dir=_env_path("KG_DATA_DIR") or defaults.data_dir,
            corpus_dir=_env_path("KG_CORPUS_DIR") or defaults.corpus_dir,
            host=env.get("KG_HOST", defaults.host),
            port=int(env.get("KG_PORT", defaults.port)),
            query_timeout=float(env.get("KG_QUERY_TIMEOUT", defaults.query_timeout)),
            result_limit=int(env.get("KG_RESULT_LIMIT", defaults.result_limit)),
            workers=int(env.get("KG_WORKERS", defaults.workers)),
            query_threads=int(env.get("KG_QUERY_THREADS", defaults.query_threads)),
            query_malloc=env.get("KG_QUERY_MALLOC", defaults.query_malloc),
            document_cache_mb=int(env.get("KG_DOCUMENT_CACHE_MB", defaults.document_cache_mb)),
            max_request_bytes=int(env.get("KG_MAX_REQUEST_BYTES", defaults.max_request_bytes)),
            service_allowlist=tuple(env.get("KG_SERVICE_ALLOWLIST", "").split()),
        )
