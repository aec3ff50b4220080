"""The embedded store (Oxigraph): where it lives on disk, replacing it atomically, and holding it.

The store's default graph holds the union of its named graphs, written once at build or load
time (`replace_store`): SPARQL's default graph is then an RDF merge (a set), where Oxigraph's
on-the-fly union would repeat a triple once per graph that states it. The dumps are written
before it, so that they hold each quad once: the named graphs, and in the default graph only
what the sources put there (README, "The HTTP service").

A data directory holds `stores/<name>/` and `current.json`, which names the store in use and
describes it. A store's folder holds the Oxigraph database (`oxigraph/`), the downloadable dumps
made when it was written (`dumps/`), and a `lease` file. A build or load writes a new store
beside the old one and then replaces `current.json` in one `os.replace`: until then readers see
the old store, and a failed build leaves it untouched.

Every process that opens a store holds a shared lock on its `lease` for as long as it reads it
(`OpenedStore`); pruning deletes an old store only when it can take that lock exclusively, so a
store that a running `kg serve` still serves is never deleted under it, however many builds
come after.
"""

from __future__ import annotations

import errno
import fcntl
import gzip
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Callable

import pyoxigraph as ox

from graph.errors import KgError, StoreNotWritten
from graph.formats import BY_NAME
from graph.namespaces import default_prefixes

POINTER = "current.json"
KEEP_STORES = 2  # the current store and the one before it, and any other a process still holds
DATABASE = "oxigraph"  # the Oxigraph database, inside a store's folder
DUMPS = "dumps"  # the downloadable dumps, inside a store's folder
LEASE = "lease"
DUMP_FORMATS = {"graph.nq.gz": ox.RdfFormat.N_QUADS, "graph.trig.gz": ox.RdfFormat.TRIG}
CHECKSUMS = "SHA256SUMS"  # beside the dumps, in `sha256sum -c` form: a user can cite and check a version's files
DUMP_FILES = (*DUMP_FORMATS, CHECKSUMS)


@dataclass(frozen=True)
class StoreInfo:
    path: str  # the store's folder, relative to the data directory
    origin: str  # "curated" (kg build) or "loaded" (kg load)
    version: str  # digest of what it was built from
    base_iri: str | None
    triples: int  # in the default graph, the union of all graphs
    sources: list[str]


class NoStore(KgError):
    pass


def usable(data_dir: Path, info: StoreInfo) -> bool:
    """Whether the store `current.json` names is there, in this version's layout."""
    return (data_dir / info.path / LEASE).is_file()


def read_info(data_dir: Path) -> StoreInfo | None:
    pointer = data_dir / POINTER
    if not pointer.is_file():
        return None
    try:
        return StoreInfo(**json.loads(pointer.read_text()))
    except (ValueError, TypeError) as exc:
        raise KgError(f"{pointer} is unreadable ({exc}); rebuild with `kg build` or `kg load`") from exc


@dataclass
class OpenedStore:
    """One version of the graph, opened read-only and held (its lease locked) until `close()`:
    everything a process serves comes from this one store, whatever `current.json` says later."""

    store: ox.Store
    info: StoreInfo
    folder: Path
    _lease: IO[bytes] | None = field(default=None, repr=False)

    @property
    def database(self) -> Path:
        return self.folder / DATABASE

    def dump_file(self, name: str) -> Path | None:
        """The dump `name` (graph.nq.gz, graph.trig.gz, or their SHA256SUMS) written with the store, or None."""
        path = self.folder / DUMPS / name
        return path if name in DUMP_FILES and path.is_file() else None

    def close(self) -> None:
        if self._lease is not None:
            self._lease.close()  # releases the lock
            self._lease = None


def open_store(data_dir: Path) -> OpenedStore:
    """The current store, read-only, with its lease held."""
    info = read_info(data_dir)
    if info is None:
        raise NoStore(f"no store in {data_dir.resolve()}: run `kg build` (or `kg load FILE`) first, or set KG_DATA_DIR")
    folder = data_dir / info.path
    try:
        lease = (folder / LEASE).open("rb")
    except FileNotFoundError:
        if folder.is_dir():
            raise KgError(f"the store {folder} was written by an older version of kg; run `kg build` (or `kg load`) again") from None
        raise KgError(f"the store {folder} named by {data_dir / POINTER} is missing; rebuild with `kg build` or `kg load`") from None
    fcntl.flock(lease, fcntl.LOCK_SH)
    try:
        store = ox.Store.read_only(str(folder / DATABASE))
    except (OSError, RuntimeError) as exc:  # RocksDB's "Corruption: ..." is a RuntimeError
        lease.close()
        raise KgError(f"cannot open the store at {folder}: {exc}") from exc
    return OpenedStore(store, info, folder, lease)


def replace_store(
    data_dir: Path,
    fill: "Callable[[ox.Store], None]",
    *,
    origin: str,
    version: str,
    base_iri: str | None,
    sources: list[str],
) -> StoreInfo:
    """Create a new store, let `fill` write it, dump it, add the union of its named graphs to its
    default graph, then make it current. On any error nothing changes."""
    stores = data_dir / "stores"
    stores.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{origin}-{version[:12]}-", dir=stores))
    try:
        (path / LEASE).touch()
        store = ox.Store(str(path / DATABASE))
        fill(store)
        write_dumps(store, path / DUMPS, default_prefixes(base_iri))  # before the union: each quad once
        materialize_union(store)
        store.flush()
        store.optimize()
        triples = count_triples(store)
        del store
        ox.Store(str(path / DATABASE)).flush()  # opened once more, RocksDB drops the write-ahead log the build left (15 MB here)
        info = StoreInfo(str(path.relative_to(data_dir)), origin, version, base_iri, triples, sources)
        tmp_pointer = data_dir / f".{POINTER}.{os.getpid()}"
        tmp_pointer.write_text(json.dumps(asdict(info), indent=2) + "\n")
        os.replace(tmp_pointer, data_dir / POINTER)
    except BaseException as exc:
        shutil.rmtree(path, ignore_errors=True)
        if isinstance(exc, OSError):
            raise StoreNotWritten(f"could not write a new store in {stores}: {_reason(exc)}; "
                                  "it was removed and the store in use is unchanged") from exc
        raise
    _prune(stores, keep=path)
    return info


def _reason(exc: OSError) -> str:
    """The cause in a few words: RocksDB's errors reach us as OSError without an errno, the
    cause at the end of a long message."""
    text = str(exc)
    if exc.errno == errno.ENOSPC or "No space left on device" in text:
        return "no space left on device"
    if exc.errno == errno.EACCES or "Permission denied" in text:
        return "permission denied"
    return exc.strerror or text.rsplit(": ", 1)[-1]


def _prune(stores: Path, keep: Path) -> None:
    """Delete the stores older than the KEEP_STORES most recent, but for those a process holds."""
    others = sorted((p for p in stores.iterdir() if p.is_dir() and p != keep), key=lambda p: p.stat().st_mtime)
    for old in others[: max(0, len(others) - (KEEP_STORES - 1))]:
        try:
            lease = (old / LEASE).open("rb")
        except FileNotFoundError:  # a store from before leases, or a half-deleted one
            shutil.rmtree(old, ignore_errors=True)
            continue
        with lease:
            try:
                fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # still served: the next build will try again
            shutil.rmtree(old, ignore_errors=True)


def write_dumps(store: ox.Store, folder: Path, prefixes: dict[str, str]) -> None:
    """The downloadable dumps of the whole dataset, gzipped, made once with the store as its
    sources filled it, before `materialize_union`: a copy of every named graph's triples in the
    default graph would double the files and, loaded into a store that makes its default graph
    the union of the named ones, repeat each triple."""
    folder.mkdir(parents=True, exist_ok=True)
    sums = []
    for name, fmt in DUMP_FORMATS.items():
        with gzip.open(folder / name, "wb", compresslevel=6) as handle:
            store.dump(handle, format=fmt, **({"prefixes": prefixes} if fmt == ox.RdfFormat.TRIG else {}))
        sums.append(f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}\n")
    (folder / CHECKSUMS).write_text("".join(sums), encoding="ascii")


def dump_checksums(path: Path) -> dict[str, str]:
    """SHA256SUMS read back: dump name -> its SHA-256."""
    sums = {}
    for line in path.read_text(encoding="ascii").splitlines():
        digest, _, name = line.partition("  ")
        sums[name] = digest
    return sums


# what `kg load` reads, by file name (graph/formats.py has every format's extension)
LOADABLE = {"." + BY_NAME[name].ox.file_extension: BY_NAME[name].ox for name in ("ntriples", "nquads", "turtle", "trig")}


def rdf_format_for(path: Path) -> ox.RdfFormat:
    suffixes = [s for s in path.suffixes if s != ".gz"]
    fmt = LOADABLE.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        known = ", ".join(LOADABLE)
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

