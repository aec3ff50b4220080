"""Small frozen objects that carry configuration into the graph layer.

The graph layer reads no environment: the command line (kg/settings.py) reads it once and hands
these down, the way httpx takes `Limits` and `Timeout` objects and Oxigraph's `serve()` takes
plain arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ontology
import shapes

LINKS_FILE_NAME = "links.tsv"  # the identity links, beside the article records


@dataclass(frozen=True)
class Sources:
    """What a build reads: the records (and their links table), the ontology, the shapes, and
    the articles the quotes are checked against (None: quotes are not checked)."""

    records_dir: Path
    corpus_dir: Path | None = None
    ontology_file: Path = ontology.FILE
    shapes_file: Path = shapes.FILE

    @property
    def links_file(self) -> Path:
        return self.records_dir / LINKS_FILE_NAME

    @property
    def drafts_dir(self) -> Path:
        return self.records_dir / "drafts"


@dataclass(frozen=True)
class PoolConfig:
    """The killable query process of the embedded engine (graph/engine/pool.py)."""

    threads: int = 4  # queries evaluated at once in each lane (graph/engine/embedded.py), one per thread
    lanes: int = 2  # 2: a fast lane for queries known to be quick, beside the general one; 1: one process for all
    timeout: float = 10.0  # seconds a query may run; then its process is killed
    malloc: str | None = None  # an allocator library to preload (jemalloc), or None for the system's
    environment: Mapping[str, str] | None = None  # the query process's environment; None: this process's
    memory_mb: int | None = None  # resident memory a query process may reach; past it, its longest-running query is stopped


@dataclass(frozen=True)
class ReconcileConfig:
    """W3C reconciliation services `kg ingest` asks for the identifiers of the people and
    organisations a draft adds (graph/reconcile_client.py); none: nothing is asked."""

    services: tuple[str, ...]  # their endpoints (the manifest at the URL itself)
    timeout: float = 10.0  # seconds per request
    cache: Path | None = None  # a JSON file of their answers


@dataclass(frozen=True)
class ModelEndpoint:
    """An OpenAI-compatible chat endpoint `kg ingest` may ask for prose descriptions
    (graph/ingest/extractor.py): `url` up to `/v1`, `/chat/completions` is added."""

    url: str
    model: str
    timeout: float = 60.0


@dataclass(frozen=True)
class EndpointConfig:
    """A SPARQL 1.1 endpoint the service reads through (graph/engine/remote.py) or `kg push`
    writes to (graph/engine/push.py)."""

    url: str  # the query endpoint: Oxigraph's /query, Virtuoso's /sparql
    user: str | None = None  # credentials, sent when both are given
    password: str | None = None
    auth: str = "basic"  # or "digest" (Virtuoso's /sparql-auth)
    timeout: float = 10.0  # seconds a user's query may take; then its request is abandoned
    read_timeout: float = 300.0  # seconds the service's own reads may take (building the search index...)
    retry_seconds: float = 5.0  # how long requests wait for an engine that stopped answering (a restart) before 503
    base_iri: str | None = None  # the service's base IRI: a graph exported from a curated build holds <base/ontology>
    update_url: str | None = None  # where `kg push` sends SPARQL Update (Oxigraph's /update); None: `url`
