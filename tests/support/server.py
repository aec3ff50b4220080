"""A real `kg serve` (uvicorn) on a free 127.0.0.1 port, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from graph.build import build
from graph.config import Sources
from graph.loading import load_files
from graph.namespaces import Namespaces
from tests.support.paths import BASE, CORPUS, PROJECT_ROOT, RECORDS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    url: str
    process: subprocess.Popen
    log: Path

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def descendants(self) -> list[int]:
        """Pids of every process below the server (its uvicorn workers and query processes)."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        found, todo = [], [self.process.pid]
        while todo:
            for child in children.get(todo.pop(), []):
                found.append(child)
                todo.append(child)
        return found

    def cpu_seconds(self) -> float:
        total = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in [self.process.pid, *self.descendants()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks
            except (OSError, IndexError):
                continue
        return total

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_service(tmp: Path, env: dict[str, str] | None = None, workers: int = 1, load: list[Path] | None = None,
                  data: Path | None = None, ready_status: int = 200) -> Service:
    """Serve `data` (a data directory already built for BASE), or else build the curated graph
    (or `kg load` the files given) into `tmp` and serve that; started once /health answers
    `ready_status` (503: up, but its engine cannot answer)."""
    port = free_port()
    if data is None:
        data = tmp / "data"
        if load:
            load_files(data, load)
        else:
            build(Sources(RECORDS, CORPUS if CORPUS.is_dir() else None), Namespaces(BASE), data)
    log = tmp / "serve.log"
    environment = {**os.environ, "KG_DATA_DIR": str(data), "KG_BASE_IRI": BASE, **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kg serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == ready_status:
                return Service(base, process, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"kg serve did not become ready: {log.read_text()}")


@dataclass
class Listener:
    """A TCP listener that records every connection it receives (and answers nothing useful)."""

    port: int = 0
    connections: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _accept(self) -> None:
        while self.running:
            try:
                conn, addr = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections.append(f"{addr}")
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()
