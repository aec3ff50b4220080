"""Following a data directory: the engine of the store `current.json` names now, and of the next
one when a build or a load names another.

`kg serve` opens the current store when an HTTP worker starts (`open()`), then asks `newer()`
every KG_RELOAD_INTERVAL seconds. While `current.json` is unchanged that costs one stat: a build
or load writes a new file and renames it over the old one (graph/store.py), so a new version is
a new inode and modification time. When the file changed and names another store folder,
`newer()` opens that store (its lease held, as any reader does) and returns its engine, not
started: the caller starts it, switches to it, and closes the engine it replaces, which
releases the old store for a later build to prune. A store that cannot be opened (a folder
deleted or half deleted, a corrupt database) raises KgError once; the next attempt waits for
the next change of `current.json`, so a broken store costs one error, not one a second.

Every engine a follower opens shares one QueryCosts: what the queries of a shape cost is learnt
once per worker, and a new version's fast lane is in use from its first query.
"""

from __future__ import annotations

import os
from pathlib import Path

from graph.config import PoolConfig
from graph.engine.embedded import EmbeddedEngine
from graph.engine.pool import QueryCosts
from graph.store import POINTER, open_store, read_info

Stamp = tuple[int, int, int] | None  # current.json's inode, modification time and size; None: no file


class Follower:
    def __init__(self, data_dir: Path, pool: PoolConfig | None = None):
        self.data_dir = data_dir
        self.pool = pool
        self.costs = QueryCosts() if pool is not None else None
        self._seen: Stamp = None  # current.json as it was when last read
        self._folder: str | None = None  # the store last opened (relative to the data directory)

    def _stamp(self) -> Stamp:
        try:
            stat = os.stat(self.data_dir / POINTER)
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def open(self) -> EmbeddedEngine:
        """The engine of the store current now (blocking)."""
        self._seen = self._stamp()  # before reading: a swap after it is seen at the next look
        return self._open()

    def newer(self) -> EmbeddedEngine | None:
        """The engine of another store, when `current.json` names one since the last look; else
        None (blocking: it opens the store). Raises KgError when that store cannot be opened."""
        stamp = self._stamp()
        if stamp == self._seen:
            return None
        self._seen = stamp
        info = read_info(self.data_dir)
        if info is None or info.path == self._folder:
            return None
        return self._open()

    def _open(self) -> EmbeddedEngine:
        opened = open_store(self.data_dir)
        try:
            engine = EmbeddedEngine(opened, self.pool, self.costs)
        except BaseException:
            opened.close()
            raise
        self._folder = opened.info.path
        return engine
