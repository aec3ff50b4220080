"""The rendered documents the service has built, kept in memory up to a size.

A graph version is read-only, so a document (an entity page, the ontology, VoID...) built once
is right for as long as that version is served: a reverse proxy would keep it too (its ETag
names the version). Each version has a cache of its own (api/state.py), dropped with it. Least
recently used documents go first when the cap is reached.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable


class DocumentCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self._bodies: OrderedDict[Hashable, bytes] = OrderedDict()
        self.hits = 0  # documents served from here
        self.misses = 0  # documents built (or found missing) because they were not here

    def get(self, key: Hashable) -> bytes | None:
        body = self._bodies.get(key)
        if body is not None:
            self._bodies.move_to_end(key)
        return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        previous = self._bodies.pop(key, None)
        if previous is not None:
            self.size -= len(previous)
        self._bodies[key] = body
        self.size += len(body)
        while self.size > self.max_bytes:
            _, evicted = self._bodies.popitem(last=False)
            self.size -= len(evicted)

    async def obtain(self, key: Hashable, build: Callable[[], bytes | None]) -> bytes | None:
        """The document `key`, built by `build()` in a thread the first time (None: there is
        no such document, and nothing is kept)."""
        body = self.get(key)
        if body is not None:
            self.hits += 1
        else:
            self.misses += 1
            body = await asyncio.to_thread(build)
            if body is not None:
                self.put(key, body)
        return body

    def __len__(self) -> int:
        return len(self._bodies)
