"""Query processes: each user query runs in a child process that can be killed at its time limit.

pyoxigraph has no timeout or cancel, so the only way to stop a runaway query and free its CPU
is to stop the process evaluating it. Each HTTP worker keeps a small pool of query processes
(each with the store open read-only); a query that passes its time limit has its process
killed and replaced. A process that dies while evaluating (a query that crashes the engine)
is replaced too, and only that request fails.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from graph.errors import KgError
from graph.evaluate import QueryJob, QueryOutcome, WrongResultFormat, evaluate
from graph.query import QuerySyntaxError

_CONTEXT = multiprocessing.get_context("spawn")


class QueryTimeout(KgError):
    pass


class QueryCrashed(KgError):
    pass


def _serve(conn: Connection, data_dir: str) -> None:
    """The loop of a query process: receive a job, send back ("ok", outcome) or (kind, message)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent decides
    from graph.store import open_store

    store, _ = open_store(Path(data_dir))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", evaluate(store, job))
        except QuerySyntaxError as exc:
            reply = ("syntax", str(exc))
        except WrongResultFormat as exc:
            reply = ("format", str(exc))
        except KgError as exc:
            reply = ("error", str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the client, the process lives on
            reply = ("error", f"the query could not be evaluated: {type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Process:
    process: multiprocessing.Process
    conn: Connection

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    def __init__(self, data_dir: Path, max_processes: int, timeout: float, prestart: int = 1):
        self.data_dir = str(data_dir)
        self.max_processes = max(1, max_processes)
        self.timeout = timeout
        self.prestart = min(prestart, self.max_processes)
        self._idle: asyncio.Queue[_Process] = asyncio.Queue()
        self._count = 0
        self._spawn_lock = asyncio.Lock()

    def _spawn_blocking(self) -> _Process:
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=_serve, args=(child, self.data_dir), daemon=True, name="kg-query")
        process.start()
        child.close()
        return _Process(process, parent)

    async def start(self) -> None:
        for _ in range(self.prestart):
            self._count += 1
            self._idle.put_nowait(await asyncio.to_thread(self._spawn_blocking))

    async def close(self) -> None:
        while not self._idle.empty():
            proc = self._idle.get_nowait()
            await asyncio.to_thread(proc.kill)
        self._count = 0

    async def _acquire(self) -> _Process:
        if self._idle.empty() and self._count < self.max_processes:
            self._count += 1
            try:
                return await asyncio.to_thread(self._spawn_blocking)
            except BaseException:
                self._count -= 1
                raise
        return await self._idle.get()

    async def _discard(self, proc: _Process) -> None:
        self._count -= 1
        await asyncio.to_thread(proc.kill)

    async def run(self, job: QueryJob) -> QueryOutcome:
        proc = await self._acquire()
        loop = asyncio.get_running_loop()
        readable = loop.create_future()
        fd = proc.conn.fileno()
        # the pipe is read with blocking calls once data is there; uvloop's add_reader makes the
        # descriptor non-blocking, so it is set back before each send and receive
        os.set_blocking(fd, True)
        try:
            proc.conn.send(job)
            loop.add_reader(fd, lambda: readable.done() or readable.set_result(None))
            await asyncio.wait_for(readable, self.timeout)
            loop.remove_reader(fd)
            os.set_blocking(fd, True)
            reply = proc.conn.recv()
        except asyncio.TimeoutError:
            loop.remove_reader(fd)
            await self._discard(proc)
            raise QueryTimeout(f"the query ran past the time limit of {self.timeout:g} s and was stopped") from None
        except (EOFError, OSError, BrokenPipeError):
            loop.remove_reader(fd)
            await self._discard(proc)
            raise QueryCrashed("the query stopped the process evaluating it; it was not answered") from None
        except BaseException:  # the client went away: the process may be mid-query, so replace it
            loop.remove_reader(fd)
            await self._discard(proc)
            raise
        self._idle.put_nowait(proc)
        kind, payload = reply
        if kind == "ok":
            return payload
        raise {"syntax": QuerySyntaxError, "format": WrongResultFormat}.get(kind, KgError)(payload)

