"""`kg load`: any RDF dataset into a store of its own.

The caller may watch the bytes being read: `watch(stream, path, size)` returns a context
manager giving the stream to read (the command line wraps it in a progress bar); the graph
layer draws nothing itself.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, ContextManager

import pyoxigraph as ox

from graph.errors import KgError
from graph.store import StoreInfo, bulk_load, rdf_format_for, replace_store

Watch = Callable[[IO[bytes], Path, "int | None"], ContextManager[IO[bytes]]]


def _version(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        digest.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


def _unwatched(stream: IO[bytes], path: Path, size: int | None) -> ContextManager[IO[bytes]]:
    return contextlib.nullcontext(stream)


def load_files(data_dir: Path, files: list[Path], base_iri: str | None = None, watch: Watch = _unwatched) -> StoreInfo:
    if not files:
        raise KgError("no files to load")
    formats = [(path, rdf_format_for(path)) for path in files]  # fail on a bad name before any work

    def fill(store: ox.Store) -> None:
        for path, fmt in formats:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rb") as raw:
                size = path.stat().st_size if path.suffix != ".gz" else None
                with watch(raw, path, size) as stream:
                    bulk_load(store, stream, fmt, path.name, base_iri)

    return replace_store(
        data_dir, fill, origin="loaded", version=_version(files), base_iri=None, sources=[str(p) for p in files]
    )
