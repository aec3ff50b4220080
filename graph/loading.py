"""`kg load`: any RDF dataset into a store of its own, with a progress bar over the bytes read."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pyoxigraph as ox
from rich.progress import Progress, wrap_file

from graph.errors import KgError
from graph.store import StoreInfo, bulk_load, materialize_union, rdf_format_for, replace_store


def _version(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        digest.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


def load_files(data_dir: Path, files: list[Path], base_iri: str | None = None) -> StoreInfo:
    formats = [(path, rdf_format_for(path)) for path in files]  # fail on a bad name before any work

    def fill(store: ox.Store) -> None:
        with Progress(transient=True) as progress:
            for path, fmt in formats:
                opener = gzip.open if path.suffix == ".gz" else open
                with opener(path, "rb") as raw:
                    total = path.stat().st_size if path.suffix != ".gz" else None
                    with wrap_file(raw, total=total or 0, description=path.name) as stream:
                        bulk_load(store, stream, fmt, path.name, base_iri)
                progress.refresh()
        materialize_union(store)

    if not files:
        raise KgError("no files to load")
    return replace_store(
        data_dir, fill, kind="loaded", version=_version(files), base_iri=None, sources=[str(p) for p in files]
    )
