"""The service's log: INFO and above to standard error, a line per request.

A line per request is the service's busiest output, so lines are written in batches: at most
`FLUSH_SECONDS` after they were logged, at once for a warning or worse, and when the service
stops (nginx's `access_log ... buffer= flush=` does the same). On a 2-core machine a write per
request cost ~20% of the cheap queries' throughput. The request lines themselves skip the
LogRecord (`AccessLog`): making, formatting and handling one took a third of the /sparql
endpoint's own time per request.
"""

from __future__ import annotations

import asyncio
import logging
import time

FLUSH_SECONDS = 0.2
MAX_PENDING_LINES = 1000


class _Timestamps:
    """logging's default time format (local time, milliseconds), the date written once per second."""

    def __init__(self) -> None:
        self._second: int | None = None
        self._stamp = ""

    def __call__(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        return f"{self._stamp},{int((created - second) * 1000):03d}"


class _Formatter(logging.Formatter):
    """basicConfig's format with the cached timestamps."""

    timestamp = _Timestamps()

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return self.timestamp(record.created)


class BatchedStreamHandler(logging.StreamHandler):
    def __init__(self) -> None:
        super().__init__()
        self.pending: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:  # called with the handler's lock held
        try:
            self.pending.append(self.format(record) + self.terminator)
        except Exception:  # noqa: BLE001 - logging's own convention: report, never raise
            self.handleError(record)
        if record.levelno >= logging.WARNING or len(self.pending) >= MAX_PENDING_LINES:
            self._write()

    def flush(self) -> None:
        with self.lock:
            self._write()

    def _write(self) -> None:
        if self.pending:
            pending, self.pending = self.pending, []  # swapped first: a line appended meanwhile is kept
            self.stream.write("".join(pending))
            self.stream.flush()


class AccessLog:
    """The line per request of the `kg.access` logger, as its records would print it through
    `handler`, appended to the handler's batch directly. Honours the logger's level (checked when
    the service starts: `logging.getLogger("kg.access").setLevel(logging.WARNING)` silences it)."""

    def __init__(self, handler: BatchedStreamHandler, name: str = "kg.access"):
        self.handler = handler
        self.name = name
        self.enabled = logging.getLogger(name).isEnabledFor(logging.INFO)
        self.timestamp = _Timestamps()

    def record(self, method: str, path: str, status: int, seconds: float) -> None:
        if self.enabled:
            pending = self.handler.pending
            pending.append(f"{self.timestamp(time.time())} {self.name} {method} {path} {status} {seconds * 1000:.1f}ms\n")
            if len(pending) >= MAX_PENDING_LINES:
                self.handler.flush()


def log_to_stderr() -> BatchedStreamHandler:
    """Configure the process's logging (each HTTP worker does: workers are spawned, not forked)."""
    # what the records would carry and the service never prints (the logging HOWTO's "Optimization")
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None  # no caller lookup per record
    handler = BatchedStreamHandler()
    handler.setFormatter(_Formatter("%(asctime)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a remote engine's client: a line per request otherwise
    return handler


async def flush_periodically(handler: logging.Handler) -> None:
    """Run for the life of the service; logging.shutdown() flushes what is left at exit."""
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        handler.flush()
