"""The query pool of the embedded engine: user queries run in a child process that can be killed
at their time limit.

pyoxigraph has no timeout or cancel, so the only way to stop a runaway query and free its CPU
is to stop the process evaluating it. Each engine (one per HTTP worker) has one query
process (graph/engine/child.py), which holds the store open read-only and evaluates several queries at
once in threads (pyoxigraph releases the GIL, and one process shares one set of store caches,
which measured 1.3x the throughput of two single-threaded processes on the benchmark's
aggregate query). Each thread has a socket pair of its own and evaluates its jobs one at a
time; a job is sent to an idle thread, or queued behind a job younger than 2 ms (cheap queries
then follow each other without a round trip), or else waits here for the first thread free, so
a short query is never stuck behind a long one. A query of a shape none of whose recent runs
took 2 ms (`QueryCosts`) goes first to a thread holding only such queries, a few in a row:
a stream of cheap queries then keeps one or two threads busy instead of all of them (four
threads contending for the GIL over sub-millisecond jobs cost ~1.5x the CPU per job, and each
job sent to an idle thread a wake-up), while a query of any other shape still never waits
behind more than one. Jobs and answers are length-prefixed frames, read by an asyncio protocol.

When a query passes its time limit the process is killed, which stops every query in it: the
others are sent again to a new process (queries are read-only, so running one twice is
harmless) and keep their own deadlines. A process that dies by itself (a query that crashes the
engine) is replaced the same way; a query that was in flight during two crashes is answered
with an error instead of being tried a third time.

A new process opens the very database the engine opened (`database`), never "whatever is
current": a build or load beside a running service changes nothing it serves, even after a
query process is replaced.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import select
import socket
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from graph.config import PoolConfig
from graph.engine.child import frame, split_frames
from graph.engine.evaluate import QueryJob, QueryOutcome
from graph.errors import (
    EngineUnavailable,
    KgError,
    QueryCrashed,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooLarge,
    WrongResultFormat,
)
from graph.results import Serialized
from graph.sparql_guard import query_shape


@dataclass
class _Pending:
    job: QueryJob
    future: asyncio.Future
    shape: str = ""
    cheap: bool = False
    crashes: int = 0


PIPELINE_WINDOW = 0.002  # seconds: a job this young on a thread may have one more queued behind it;
# a query shape none of whose recent runs took this long is cheap...
CHEAP_DEPTH = 8  # ...and a thread holding only cheap jobs, the first younger than the window, takes this many
PEAK_DECAY = 0.9  # per run: after a 50 ms run, a shape is cheap again after ~35 quick ones
FAST_LANE = 0.25  # seconds: a shape none of whose recent runs took this long takes the engine's fast lane
START_TIMEOUT = 30.0  # seconds a new query process may take to open the store and say it is ready
MEMORY_CHECK = 0.1  # seconds between two looks at a query process's resident memory
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
BACKOFF = (0.5, 5.0)  # after a process failed to start, the wait before the next attempt: first, at most


class QueryCosts:
    """How long the queries of each shape (graph.sparql_guard.query_shape) took lately, from the
    start of their evaluation to their answer: a decaying peak per shape (an average would call
    cheap a search that mostly stops at its LIMIT at once and sometimes scans everything), for
    the `size` shapes run most recently."""

    def __init__(self, size: int = 1024):
        self.size = size
        self.peaks: dict[str, float] = {}

    def cheap(self, shape: str) -> bool:
        return self.peaks.get(shape, PIPELINE_WINDOW) < PIPELINE_WINDOW  # an unknown shape is not

    def fast(self, shape: str) -> bool:
        """Known to finish within a quarter of a second (an unknown shape is not)."""
        return self.peaks.get(shape, FAST_LANE) < FAST_LANE

    def observe(self, shape: str, seconds: float) -> None:
        peak = self.peaks.pop(shape, 0.0)  # and put back last: the most recent shape
        self.peaks[shape] = max(seconds, peak * PEAK_DECAY)
        if len(self.peaks) > self.size:
            del self.peaks[next(iter(self.peaks))]


class _Channel(asyncio.Protocol):
    """The HTTP worker's end of one socket to a query process: one of its threads."""

    def __init__(self, pool: "QueryPool"):
        self.pool = pool
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.process: "_Process | None" = None
        self.jobs: deque[int] = deque()  # sent and not answered, the first one evaluating
        self.costly = 0  # how many of them are not cheap
        self.since = 0.0  # when the first one started

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        process = self.process
        for job_id, *reply in split_frames(self.buffer):
            now = time.monotonic()
            started, self.since = self.since, now
            if self.jobs:
                self.jobs.popleft()
            if process is None:
                continue
            pending = process.pending.pop(job_id, None)
            if pending is not None:
                self.costly -= not pending.cheap
                process.costs.observe(pending.shape, now - started)
                if not pending.future.done():
                    pending.future.set_result(reply)
            process.refill(self)

    def connection_lost(self, exc) -> None:
        if self.process is not None:
            self.pool._retire(self.process, crashed=True)

    def takes_one_more(self, now: float, cheap: bool) -> bool:
        """Idle, or evaluating a job so young that it is likely cheap: then the next one is sent
        at once and waits in the socket (no round trip between two cheap queries), behind one
        job, or behind a few cheap ones if it is cheap too; behind an older job it waits in the
        HTTP worker for the first thread free instead."""
        if not self.jobs:
            return True
        room = CHEAP_DEPTH if cheap and not self.costly else 2
        return len(self.jobs) < room and now - self.since < PIPELINE_WINDOW


@dataclass
class _Process:
    """A query process. Each thread evaluates one job at a time; a cheap job goes to a thread
    holding only cheap ones if one has room, any job then to an idle thread, else behind a young
    job, else waits here, in order, for the first thread free: a short query is never queued
    behind a long one."""

    popen: subprocess.Popen
    channels: list[_Channel]
    costs: QueryCosts = field(default_factory=QueryCosts)  # the pool's, kept across processes
    pending: dict[int, _Pending] = field(default_factory=dict)  # sent or waiting
    waiting: deque[int] = field(default_factory=deque)

    def submit(self, job_id: int, pending: _Pending) -> None:
        self.pending[job_id] = pending
        now, cheap, channels = time.monotonic(), pending.cheap, self.channels
        channel = (
            (cheap and next((c for c in channels if c.jobs and not c.costly and c.takes_one_more(now, True)), None))
            or next((c for c in channels if not c.jobs), None)
            or next((c for c in channels if c.takes_one_more(now, cheap)), None)
        )
        if channel is None or self.waiting:
            self.waiting.append(job_id)
        else:
            self._send(channel, job_id, pending)

    def refill(self, channel: _Channel) -> None:
        now = time.monotonic()
        while self.waiting:
            pending = self.pending.get(self.waiting[0])
            if pending is None or pending.future.done():
                self.waiting.popleft()
                continue
            if not channel.takes_one_more(now, pending.cheap):
                return
            self._send(channel, self.waiting.popleft(), pending)

    def withdraw(self, job_id: int) -> bool:
        """Take back a job no thread has been sent; False when one has."""
        if job_id in self.waiting:
            self.waiting.remove(job_id)
            self.pending.pop(job_id, None)
            return True
        return False

    @staticmethod
    def _send(channel: _Channel, job_id: int, pending: _Pending) -> None:
        transport = channel.transport
        if transport is None or transport.is_closing():
            raise BrokenPipeError("the query process is gone")
        transport.write(frame((job_id, *pending.job)))
        if not channel.jobs:
            channel.since = time.monotonic()
        channel.jobs.append(job_id)
        channel.costly += not pending.cheap

    def disconnect(self) -> None:
        for channel in self.channels:
            channel.process = None  # its connection_lost must not retire the process again
            if channel.transport is not None:
                channel.transport.abort()

    def kill(self) -> None:
        """Blocking: kill and reap the process."""
        if self.popen.poll() is None:
            self.popen.kill()
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


class QueryPool:
    """One killable query process per HTTP worker, with `threads` queries evaluated at once."""

    def __init__(self, database: Path, config: PoolConfig, prefixes: dict[str, str], costs: QueryCosts | None = None):
        self.database = str(database)  # the database the engine opened: every process opens it
        self.prefixes = json.dumps(prefixes)
        self.threads = max(1, config.threads)
        self.timeout = config.timeout
        self.env = None if config.environment is None else dict(config.environment)
        if config.malloc:
            inherited = (self.env or {}).get("LD_PRELOAD")
            self.env = {**(self.env or {}), "LD_PRELOAD": " ".join(p for p in (inherited, config.malloc) if p)}
        self._ids = itertools.count()
        self.costs = costs or QueryCosts()  # shared with the engine's other lane
        self._current: _Process | None = None
        self._starting: asyncio.Lock | None = None
        self._retries: set[asyncio.Task] = set()  # the loop keeps tasks only weakly: these are ours
        self.memory_limit = config.memory_mb * 1024 * 1024 if config.memory_mb else None
        self._watchdog: asyncio.Task | None = None
        self.unavailable: str | None = None  # why the last process could not start, until one does
        self._backoff = 0.0
        self._retry_at = 0.0
        # since the pool started: query processes started and stopped (killed for a query past
        # its time or memory, crashed, or closed), queries stopped at the time limit
        self.counts = {"processes_started": 0, "processes_stopped": 0, "queries_timed_out": 0}

    # -- the process ------------------------------------------------------------------------

    def _spawn_blocking(self, sockets: list[socket.socket]) -> subprocess.Popen:
        fds = [sock.fileno() for sock in sockets]
        popen = subprocess.Popen(
            [sys.executable, "-m", "graph.engine.child", self.database, *map(str, fds)],
            pass_fds=fds,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        with popen.stdin:
            popen.stdin.write(self.prefixes.encode())
        with popen.stdout:
            said = b""
            if select.select([popen.stdout], [], [], START_TIMEOUT)[0]:
                said = popen.stdout.readline().strip()
        if said != b"ready":
            popen.kill()
            code = popen.wait()
            if said:
                reason = said.decode(errors="replace")
            elif code == -9:  # ours: it had not said it was ready in time
                reason = f"it was not ready within {START_TIMEOUT:g} s"
            else:
                reason = f"it exited with code {code}"
            raise EngineUnavailable(f"the query process could not start: {reason}")
        return popen

    async def start(self) -> None:
        await self._process()
        if self.memory_limit is not None and self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().create_task(self._watch_memory())

    async def _watch_memory(self) -> None:
        """Every MEMORY_CHECK s, the process's resident memory; past the limit, the query that has
        been evaluating longest is the one stopped (with the process: the others are sent again)."""
        while True:
            await asyncio.sleep(MEMORY_CHECK)
            proc = self._current
            if proc is None:
                continue
            try:
                resident = int(Path(f"/proc/{proc.popen.pid}/statm").read_text().split()[1]) * PAGE_SIZE
            except (OSError, IndexError, ValueError):
                continue
            if resident <= self.memory_limit:
                continue
            running = [(c.since, c.jobs[0]) for c in proc.channels if c.jobs]
            if not running:
                continue
            _, culprit = min(running)
            pending = proc.pending.get(culprit)
            self._retire(proc, crashed=False, culprit=culprit)
            if pending is not None and not pending.future.done():
                limit_mb = self.memory_limit // (1024 * 1024)
                pending.future.set_exception(QueryTooLarge(
                    f"the query needed more memory than the {limit_mb} MB a query process may use, and was stopped"))

    async def _process(self) -> _Process:
        if self._current is not None:
            return self._current
        self._starting = self._starting or asyncio.Lock()
        async with self._starting:
            if self._current is None:
                now = time.monotonic()
                if self.unavailable is not None and now < self._retry_at:  # back off: no process per request
                    raise EngineUnavailable(f"{self.unavailable}; the next attempt in {self._retry_at - now:.1f} s")
                pairs = [socket.socketpair() for _ in range(self.threads)]
                try:
                    popen = await asyncio.to_thread(self._spawn_blocking, [child for _, child in pairs])
                except EngineUnavailable as exc:
                    self.unavailable = str(exc)
                    self._backoff = min(max(self._backoff * 2, BACKOFF[0]), BACKOFF[1])
                    self._retry_at = time.monotonic() + self._backoff
                    raise
                finally:
                    for _, child in pairs:
                        child.close()
                self.unavailable, self._backoff = None, 0.0
                self.counts["processes_started"] += 1
                loop = asyncio.get_running_loop()
                channels = [(await loop.connect_accepted_socket(lambda: _Channel(self), ours))[1] for ours, _ in pairs]
                proc = _Process(popen, channels, self.costs)
                for channel in channels:
                    channel.process = proc
                self._current = proc
        return self._current

    def _retire(self, proc: _Process, crashed: bool, culprit: int | None = None) -> None:
        """Stop using `proc`; its other queries go to the next process."""
        if self._current is proc:
            self._current = None
        self.counts["processes_stopped"] += 1
        proc.disconnect()
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
                task = asyncio.get_running_loop().create_task(self._send(job_id, pending))
                self._retries.add(task)
                task.add_done_callback(self._retries.discard)

    @property
    def retries_in_flight(self) -> int:
        """Queries being sent again to a new process (each held by the pool until sent)."""
        return len(self._retries)

    async def _send(self, job_id: int, pending: _Pending) -> None:
        for attempt in (1, 2):  # a process that died just now is replaced once
            proc = None
            try:
                proc = self._current or await self._process()
                if pending.future.done():  # it ran out of time while a new process was starting
                    return
                proc.submit(job_id, pending)
                return
            except EngineUnavailable as exc:
                if not pending.future.done():
                    pending.future.set_exception(exc)
                return
            except OSError as exc:
                if proc is not None:
                    proc.pending.pop(job_id, None)
                    if self._current is proc:
                        self._retire(proc, crashed=True)
                if attempt == 2 and not pending.future.done():
                    pending.future.set_exception(QueryCrashed(f"the query process could not be reached: {exc}"))

    async def ready(self) -> str | None:
        """None when a process is up or can be started now; else why not (after an attempt, if
        the back-off allows one: a health check is how the pool recovers when nobody queries)."""
        if self._current is None:
            try:
                await self._process()
            except EngineUnavailable as exc:
                return str(exc)
        return None

    async def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self._current is not None:
            proc, self._current = self._current, None
            proc.disconnect()
            await asyncio.to_thread(proc.kill)

    # -- one query --------------------------------------------------------------------------

    async def run(self, job: QueryJob, shape: str | None = None) -> QueryOutcome:
        """`shape`: the job's query_shape, when the caller has it already."""
        loop = asyncio.get_running_loop()
        job_id = next(self._ids)
        shape = shape if shape is not None else query_shape(job.query)
        pending = _Pending(job, loop.create_future(), shape, self.costs.cheap(shape))
        await self._send(job_id, pending)
        timer = loop.call_later(self.timeout, self._expire, job_id, pending)
        try:
            status, *payload = await pending.future
        except asyncio.CancelledError:  # the client went away: stop the query too
            self._stop(job_id)
            raise
        finally:
            timer.cancel()
        if status == "ok":
            form, *result = payload
            return QueryOutcome(form, Serialized(*result))
        raise {"syntax": QuerySyntaxError, "format": WrongResultFormat}.get(status, KgError)(payload[0])

    def _expire(self, job_id: int, pending: _Pending) -> None:
        if not pending.future.done():
            if self._stop(job_id):
                message = (f"the query waited {self.timeout:g} s (the time limit) for a free query thread and did not run; "
                           "the service is busy with other queries: try again")
            else:
                message = f"the query ran past the time limit of {self.timeout:g} s and was stopped"
            self.counts["queries_timed_out"] += 1
            pending.future.set_exception(QueryTimeout(message))

    def _stop(self, job_id: int) -> bool:
        """Kill the process evaluating `job_id` (the only way to stop it); the others move on.
        A job still waiting for a thread is only taken back: then True (it never ran)."""
        proc = self._current
        if proc is None or job_id not in proc.pending:
            return False
        if proc.withdraw(job_id):
            return True
        self._retire(proc, crashed=False, culprit=job_id)
        return False
