"""The service's log: request lines written as the logging formatter would, in batches, none lost."""

from __future__ import annotations

import io
import logging

import pytest

from api.logs import AccessLog, BatchedStreamHandler, _Formatter


@pytest.fixture
def handler():
    logger = logging.getLogger("kg.access")
    level = logger.level
    logger.setLevel(logging.INFO)  # as log_to_stderr sets the service up
    handler = BatchedStreamHandler()
    handler.setStream(io.StringIO())
    handler.setFormatter(_Formatter("%(asctime)s %(name)s %(message)s"))
    yield handler
    logger.setLevel(level)


def test_a_request_line_reads_as_the_formatter_would_write_its_record(handler, monkeypatch):
    monkeypatch.setattr("api.logs.time.time", lambda: 1_700_000_000.25)
    AccessLog(handler).record("GET", "/sparql", 200, 0.0123)
    record = logging.LogRecord("kg.access", logging.INFO, "", 0, "%s %s %d %.1fms", ("GET", "/sparql", 200, 12.3), None)
    record.created, record.msecs = 1_700_000_000.25, 250.0
    handler.flush()
    assert handler.stream.getvalue() == handler.format(record) + "\n"


def test_lines_wait_for_the_flush_and_a_warning_takes_them_along(handler):
    access = AccessLog(handler)
    access.record("GET", "/health", 200, 0.001)
    assert handler.stream.getvalue() == ""
    handler.handle(logging.LogRecord("kg", logging.WARNING, "", 0, "careful", None, None))
    lines = handler.stream.getvalue().splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == ["kg.access GET /health 200 1.0ms", "kg careful"]


def test_a_silenced_access_logger_writes_nothing(handler):
    logging.getLogger("kg.access").setLevel(logging.WARNING)
    AccessLog(handler).record("GET", "/health", 200, 0.001)
    handler.flush()
    assert handler.stream.getvalue() == ""


def test_a_full_batch_is_written_at_once(handler):
    access = AccessLog(handler)
    for _ in range(1000):
        access.record("GET", "/health", 200, 0.001)
    assert handler.stream.getvalue().count("\n") == 1000
