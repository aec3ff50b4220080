"""The query process: user queries run in a child process that can be killed at their time limit.

pyoxigraph has no timeout or cancel, so the only way to stop a runaway query and free its CPU
is to stop the process evaluating it. Each HTTP worker has one query process, which holds the
store open read-only and evaluates several queries at once in threads (pyoxigraph releases
the GIL, and one process shares one set of store caches, which measured 1.3x the throughput of
two single-threaded processes on the benchmark's aggregate query).

When a query passes its time limit the process is killed, which stops every query in it: the
others are sent again to a new process (queries are read-only, so running one twice is
harmless) and keep their own deadlines. A process that dies by itself (a query that crashes the
engine) is replaced the same way; a query that was in flight during two crashes is answered
with an error instead of being tried a third time.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from graph.errors import KgError, QuerySyntaxError
from graph.evaluate import QueryJob, QueryOutcome, WrongResultFormat, evaluate

_CONTEXT = multiprocessing.get_context("spawn")
JEMALLOC_PATHS = (
    "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
    "/usr/lib64/libjemalloc.so.2",
    "/usr/lib/libjemalloc.so.2",
)


def malloc_library(setting: str) -> str | None:
    """The allocator library to preload into query processes, or None for the system's malloc.

    Oxigraph's own server is built with a faster allocator than the Python wheel uses; with
    jemalloc preloaded the aggregate query of the benchmark runs ~10-20% faster (bench/RESULTS.md).
    """
    if setting == "system":
        return None
    if setting == "auto":
        return next((path for path in JEMALLOC_PATHS if Path(path).is_file()), None)
    if not Path(setting).is_file():
        raise KgError(f"KG_QUERY_MALLOC={setting}: no such file (use auto, system or a library path)")
    return setting


class QueryTimeout(KgError):
    pass


class QueryCrashed(KgError):
    pass


def _serve(conn: Connection, data_dir: str, threads: int, prefixes: dict[str, str]) -> None:
    """The query process: receive (id, job), evaluate in a thread, send (id, reply).

    It imports only pyoxigraph and the evaluation code (no rdflib, no web framework), to stay small.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent decides
    from graph.store import open_store

    store, _ = open_store(Path(data_dir))
    send_lock = threading.Lock()

    def run(job_id: int, job: QueryJob) -> None:
        try:
            reply = ("ok", evaluate(store, job, prefixes))
        except QuerySyntaxError as exc:
            reply = ("syntax", str(exc))
        except WrongResultFormat as exc:
            reply = ("format", str(exc))
        except KgError as exc:
            reply = ("error", str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the client, the process lives on
            reply = ("error", f"the query could not be evaluated: {type(exc).__name__}: {exc}")
        with send_lock:
            try:
                conn.send((job_id, reply))
            except (BrokenPipeError, OSError):
                os._exit(0)

    with ThreadPoolExecutor(threads, thread_name_prefix="query") as pool:
        while True:
            try:
                job_id, job = conn.recv()
            except (EOFError, OSError):
                os._exit(0)
            pool.submit(run, job_id, job)


@dataclass
class _Pending:
    job: QueryJob
    future: asyncio.Future
    crashes: int = 0


@dataclass
class _Process:
    process: multiprocessing.Process
    conn: Connection
    pending: dict[int, _Pending] = field(default_factory=dict)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """One killable query process per HTTP worker, with `threads` queries evaluated at once."""

    def __init__(self, data_dir: Path, threads: int, timeout: float, prefixes: dict[str, str], malloc: str | None = None):
        self.data_dir = str(data_dir)
        self.prefixes = prefixes
        self.threads = max(1, threads)
        self.timeout = timeout
        if malloc:  # children inherit the environment; this process spawns nothing else
            os.environ["LD_PRELOAD"] = " ".join(p for p in (os.environ.get("LD_PRELOAD"), malloc) if p)
        self._ids = itertools.count()
        self._current: _Process | None = None
        self._starting: asyncio.Lock | None = None

    # -- the process ------------------------------------------------------------------------

    def _spawn_blocking(self) -> _Process:
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=_serve, args=(child, self.data_dir, self.threads, self.prefixes), daemon=True, name="kg-query")
        process.start()
        child.close()
        return _Process(process, parent)

    async def start(self) -> None:
        await self._process()

    async def _process(self) -> _Process:
        if self._current is not None:
            return self._current
        self._starting = self._starting or asyncio.Lock()
        async with self._starting:
            if self._current is None:
                proc = await asyncio.to_thread(self._spawn_blocking)
                os.set_blocking(proc.conn.fileno(), True)
                asyncio.get_running_loop().add_reader(proc.conn.fileno(), self._on_readable, proc)
                self._current = proc
        return self._current

    def _on_readable(self, proc: _Process) -> None:
        try:
            # uvloop makes a watched descriptor non-blocking; a message is read whole, so block
            os.set_blocking(proc.conn.fileno(), True)
            while proc.conn.poll():
                job_id, reply = proc.conn.recv()
                pending = proc.pending.pop(job_id, None)
                if pending is not None and not pending.future.done():
                    pending.future.set_result(reply)
        except (EOFError, OSError):
            self._retire(proc, crashed=True)

    def _retire(self, proc: _Process, crashed: bool, culprit: int | None = None) -> None:
        """Stop using `proc`; its other queries go to the next process."""
        if self._current is proc:
            self._current = None
        try:
            asyncio.get_running_loop().remove_reader(proc.conn.fileno())
        except (ValueError, OSError):
            pass
        orphans = {k: v for k, v in proc.pending.items() if k != culprit}
        proc.pending.clear()
        asyncio.get_running_loop().run_in_executor(None, proc.kill)
        for job_id, pending in orphans.items():
            if pending.future.done():
                continue
            pending.crashes += crashed
            if pending.crashes >= 2:
                pending.future.set_exception(QueryCrashed("the query stopped the process evaluating it twice; it was not answered"))
            else:
                asyncio.ensure_future(self._send(job_id, pending))

    async def _send(self, job_id: int, pending: _Pending) -> None:
        try:
            proc = await self._process()
            proc.pending[job_id] = pending
            os.set_blocking(proc.conn.fileno(), True)  # see _on_readable
            proc.conn.send((job_id, pending.job))
        except (OSError, BrokenPipeError, EOFError) as exc:
            if not pending.future.done():
                pending.future.set_exception(QueryCrashed(f"the query process could not be reached: {exc}"))

    async def close(self) -> None:
        if self._current is not None:
            proc, self._current = self._current, None
            try:
                asyncio.get_running_loop().remove_reader(proc.conn.fileno())
            except (ValueError, OSError):
                pass
            await asyncio.to_thread(proc.kill)

    # -- one query --------------------------------------------------------------------------

    async def run(self, job: QueryJob) -> QueryOutcome:
        loop = asyncio.get_running_loop()
        job_id = next(self._ids)
        pending = _Pending(job, loop.create_future())
        await self._send(job_id, pending)
        try:
            reply = await asyncio.wait_for(asyncio.shield(pending.future), self.timeout)
        except asyncio.TimeoutError:
            self._stop(job_id)
            raise QueryTimeout(f"the query ran past the time limit of {self.timeout:g} s and was stopped") from None
        except asyncio.CancelledError:  # the client went away: stop the query too
            self._stop(job_id)
            raise
        kind, payload = reply
        if kind == "ok":
            return payload
        raise {"syntax": QuerySyntaxError, "format": WrongResultFormat}.get(kind, KgError)(payload)

    def _stop(self, job_id: int) -> None:
        """Kill the process evaluating `job_id` (the only way to stop it); the others move on."""
        proc = self._current
        if proc is not None and job_id in proc.pending:
            self._retire(proc, crashed=False, culprit=job_id)
