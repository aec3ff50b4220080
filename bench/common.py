"""What the benchmark scripts share: the shared harness's load driver, ports, readiness."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

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
