"""The service's log: INFO and above to standard error, a line per request.

A line per request is the service's busiest output, so lines are written in batches: at most
`FLUSH_SECONDS` after they were logged, at once for a warning or worse, and when the service
stops (nginx's `access_log ... buffer= flush=` does the same). On a 2-core machine a write per
request cost ~20% of the cheap queries' throughput.
"""

from __future__ import annotations

import asyncio
import logging
import time

FLUSH_SECONDS = 0.2
MAX_PENDING_LINES = 1000


class _Formatter(logging.Formatter):
    """basicConfig's format, the timestamp formatted once per second."""

    _second: int | None = None
    _stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second))
        return f"{self._stamp},{int(record.msecs):03d}"


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
            lines, self.pending = "".join(self.pending), []
            self.stream.write(lines)
            self.stream.flush()


def log_to_stderr() -> BatchedStreamHandler:
    """Configure the process's logging (each HTTP worker does: workers are spawned, not forked)."""
    # what the records would carry and the service never prints (the logging HOWTO's "Optimization")
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None  # no caller lookup per record
    handler = BatchedStreamHandler()
    handler.setFormatter(_Formatter("%(asctime)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    return handler


async def flush_periodically(handler: logging.Handler) -> None:
    """Run for the life of the service; logging.shutdown() flushes what is left at exit."""
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        handler.flush()
