"""The embedded store (Oxigraph): where it lives on disk, and replacing it atomically.

The store's default graph holds the union of its named graphs, written once at build or load
time: SPARQL's default graph is then an RDF merge (a set), where Oxigraph's on-the-fly union
would repeat a triple once per graph that states it.

A data directory holds `stores/<name>/` (Oxigraph databases) and `current.json`, which names the
store in use and describes it. A build or load writes a new store beside the old one and then
replaces `current.json` in one `os.replace`: until then readers see the old store, and a failed
build leaves it untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Callable

import pyoxigraph as ox

from graph.errors import KgError

POINTER = "current.json"
KEEP_STORES = 2  # the current store and the one before it (a reader may still have it open)


@dataclass(frozen=True)
class StoreInfo:
    path: str  # relative to the data directory
    kind: str  # "curated" (kg build) or "loaded" (kg load)
    version: str  # digest of what it was built from
    base_iri: str | None
    triples: int  # in the default graph, the union of all graphs
    sources: list[str]


class NoStore(KgError):
    pass


def read_info(data_dir: Path) -> StoreInfo | None:
    pointer = data_dir / POINTER
    if not pointer.is_file():
        return None
    try:
        return StoreInfo(**json.loads(pointer.read_text()))
    except (ValueError, TypeError) as exc:
        raise KgError(f"{pointer} is unreadable ({exc}); rebuild with `kg build` or `kg load`") from exc


def open_store(data_dir: Path, read_only: bool = True) -> tuple[ox.Store, StoreInfo]:
    info = read_info(data_dir)
    if info is None:
        raise NoStore(f"no store in {data_dir.resolve()}: run `kg build` (or `kg load FILE`) first, or set KG_DATA_DIR")
    path = data_dir / info.path
    try:
        store = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except OSError as exc:
        raise KgError(f"cannot open the store at {path}: {exc}") from exc
    return store, info


def replace_store(
    data_dir: Path,
    fill: "Callable[[ox.Store], None]",
    *,
    kind: str,
    version: str,
    base_iri: str | None,
    sources: list[str],
) -> StoreInfo:
    """Create a new store, let `fill` write it, then make it current. On any error nothing changes."""
    stores = data_dir / "stores"
    stores.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{kind}-{version[:12]}-", dir=stores))
    try:
        store = ox.Store(str(path))
        fill(store)
        store.flush()
        store.optimize()
        triples = count_triples(store)
        del store
        info = StoreInfo(str(path.relative_to(data_dir)), kind, version, base_iri, triples, sources)
        tmp_pointer = data_dir / f".{POINTER}.{os.getpid()}"
        tmp_pointer.write_text(json.dumps(asdict(info), indent=2) + "\n")
        os.replace(tmp_pointer, data_dir / POINTER)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    _prune(stores, keep=path)
    return info


def _prune(stores: Path, keep: Path) -> None:
    others = sorted((p for p in stores.iterdir() if p.is_dir() and p != keep), key=lambda p: p.stat().st_mtime)
    for old in others[: max(0, len(others) - (KEEP_STORES - 1))]:
        shutil.rmtree(old, ignore_errors=True)


RDF_FORMATS = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
}


def rdf_format_for(path: Path) -> ox.RdfFormat:
    suffixes = [s for s in path.suffixes if s != ".gz"]
    fmt = RDF_FORMATS.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        known = ", ".join(RDF_FORMATS)
        raise KgError(f"{path}: unknown RDF format (file name must end in {known}, optionally .gz)")
    return fmt


def bulk_load(store: ox.Store, stream: IO[bytes], fmt: ox.RdfFormat, name: str, base_iri: str | None = None) -> None:
    try:
        store.bulk_load(stream, fmt, base_iri=base_iri)
    except SyntaxError as exc:
        raise KgError(f"{name}: not valid {fmt.name}: {exc}") from exc


def count_triples(store: ox.Store) -> int:
    """Triples in the default graph (the union of all graphs)."""
    [solution] = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(solution["n"].value)


def materialize_union(store: ox.Store) -> None:
    """Copy every triple of every named graph into the default graph (once: it is a set)."""
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")


def sorted_nquads(store: ox.Store) -> bytes:
    """The whole dataset as N-Quads, one quad per line, sorted: byte-identical for equal datasets."""
    data = store.dump(format=ox.RdfFormat.N_QUADS)
    lines = sorted(set(data.splitlines()))
    return b"\n".join(lines) + (b"\n" if lines else b"")


def graph_names(store: ox.Store) -> list[str]:
    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))

