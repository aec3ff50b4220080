"""What the benchmark scripts share: the shared harness's load driver and a closed loop over it,
ports, readiness, stopping."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = Path(os.environ.get("SHARED_BENCH", ROOT.parent / "shared" / "bench"))
VENV_BIN = Path(sys.executable).parent  # kg and oxigraph (test extra) beside this Python


def harness() -> ModuleType:
    """../shared/bench/load.py (SHARED_BENCH to override): its HTTP client and closed loop."""
    path = SHARED_BENCH / "load.py"
    if not path.is_file():
        sys.exit(f"no {path}: set SHARED_BENCH to the shared harness")
    spec = importlib.util.spec_from_file_location("shared_bench_load", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{process.args[0]} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer within {seconds:g} s")


def stop_session(process: subprocess.Popen, grace: float = 30) -> None:
    """Stop a process started with `start_new_session=True`: SIGTERM (it stops what it started),
    then SIGKILL to whatever is left of its session (workers, query processes)."""
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)


Check = Callable[[int, dict[str, str], bytes], "int | None"]  # a response's status, headers, body: raises if wrong


@dataclass
class Cell:
    """What the closed loops of one measurement found, over its repetitions."""

    rps: list[float] = field(default_factory=list)  # one per repetition
    latencies: list[float] = field(default_factory=list)  # seconds, sorted, all repetitions
    failed: int = 0
    errors: collections.Counter = field(default_factory=collections.Counter)
    answered: int = 0  # the warm-up's included


async def closed_loop(load: ModuleType, url: str, batch: list[tuple[bytes, Check]], concurrency: int, duration: float,
                      max_requests: int, cell: Cell, *, warmup: float = 1.0, timeout: float = 30.0,
                      counts: dict[int, int] | None = None) -> None:
    """`concurrency` keep-alive connections (the harness's client) send `batch` in turn, each
    request checked; `warmup` s not counted, then `duration` s or `max_requests` in all, whichever
    ends first. A failure closes its connection (a new one next time) and waits 10 ms. `counts`
    gets what each check returned, by the request's index."""
    parts = urlsplit(url)
    measure_from = time.perf_counter() + warmup
    deadline, latencies, sent = measure_from + duration, [], 0

    async def client() -> None:
        nonlocal sent
        connection = load.Connection(parts.hostname, parts.port)
        try:
            while (begin := time.perf_counter()) < deadline and sent < max_requests:
                index, sent = sent, sent + 1
                data, check = batch[index % len(batch)]
                try:
                    async with asyncio.timeout(timeout):
                        counted = check(*await connection.request(data))
                except (*load.REQUEST_ERRORS, SyntaxError, ValueError) as exc:  # a body that does not parse too
                    connection.close()
                    if begin >= measure_from:
                        cell.failed += 1
                        cell.errors[f"{type(exc).__name__}: {exc}"[:120]] += 1
                    await asyncio.sleep(0.01)  # do not spin on a dead server
                    continue
                cell.answered += 1
                if counts is not None:
                    counts[index] = counted
                if begin >= measure_from:
                    latencies.append(time.perf_counter() - begin)
        finally:
            connection.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    cell.rps.append(len(latencies) / (time.perf_counter() - measure_from))
    cell.latencies = sorted(cell.latencies + latencies)
