#!/usr/bin/env python3
"""Start HAProxy in front of N `kg serve` replicas on this machine, for a demonstration and for
the tests; roll each new graph version through them; stop them all on Ctrl+C (or SIGTERM).

    python deploy/run.py [--replicas 3] [--port 8080] [--host 127.0.0.1]

The replicas serve the store of KG_DATA_DIR (built first with `kg build` when there is none, or
when it was built for another KG_BASE_IRI: one build, not one per replica), each on a free port
of 127.0.0.1, each opening the store read-only. The public base IRI is KG_BASE_IRI as for `kg
serve` (set it to the balancer's address in production). HAProxy's configuration is
`haproxy.cfg.template` beside this script, filled in and written to a temporary folder; it
checks each replica's /health every 500 ms and sends a request a replica could not answer to
another. A replica that stops (killed, crashed) is started again on its port, on the version it
served. One JSON line on stdout says where everything listens, with the process ids and the
version served: `{"url": ..., "replicas": [{"url": ..., "pid": ...}], "balancer_pid": ...,
"version": ...}`.

Publishing (a `kg build` or `kg load` into KG_DATA_DIR while this runs) rolls through the
replicas as one switch. Guarantee: no request fails; on one client connection (keep-alive
through HAProxy) no answer names an older version after one naming a newer; and no request that
arrives after the switch, on any connection, is answered by the old version. How:

- The replicas come in two colours, `blue` and `green`, each a backend of HAProxy. A replica
  does not follow the data directory (KG_RELOAD_INTERVAL=0): its colour has a data directory of
  its own in the temporary folder, whose current.json names one store by its absolute path, so
  it and any restart of it serve that version only. This script holds a shared lock on the lease
  of each store a colour serves, so that no build prunes it while a replica is being restarted.
- Every 0.5 s it looks at KG_DATA_DIR/current.json (its inode, modification time and size, as
  `kg serve` does). When it names another store, it starts N replicas of the idle colour on it,
  waits until each answers /health naming the new version, takes their servers out of
  maintenance in HAProxy and waits until its `show stat` has them all UP.
- Then one command on HAProxy's runtime API, `set map <map> active <colour>`, sends every
  request that arrives after it to the new colour; a request is routed once, when it arrives,
  and the requests of one connection one after the other, so a connection's answers never go
  back to the old version. A JSON line on stdout says so: `{"published": version, "replicas":
  [...], "replaced": old version}`.
- The old colour finishes the requests it has (HAProxy's `show stat`: none current nor queued in
  its backend, 35 s at most), then its servers go back to maintenance and its replicas are
  stopped, releasing the old store.
- A new store that cannot be served (missing, corrupt, built for another base IRI, a replica that
  stops or is not ready within 120 s) costs one line on stderr ("still serving version ...");
  the serving colour serves on and the next change of current.json is tried again.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import IO, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script from a clone: the project's packages
from graph.errors import KgError  # noqa: E402
from graph.store import LEASE, POINTER, StoreInfo, open_store, read_info, usable  # noqa: E402
from kg.settings import Settings  # noqa: E402 - the one reader of the environment

KG = [sys.executable, "-m", "kg.cli"]
READY_SECONDS = 120  # for a replica to answer /health, at start or for a publish
UP_SECONDS = 10  # for HAProxy's checks to see the replicas of a new colour up
DRAIN_SECONDS = 35  # for the old colour to finish its requests (timeout server is 30 s)
POLL_SECONDS = 0.5  # between two looks at current.json
VERSION_HEADER = "kg-graph-version"  # every answer of `kg serve` names its version (api/state.py)
COLOURS = ("blue", "green")

Stamp = tuple[int, int, int] | None  # current.json's inode, modification time and size; None: no file


class Unservable(Exception):
    """A new version cannot be published (the reason in one line); the old one serves on."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def say(line: str) -> None:
    print(f"deploy/run.py: {line}", file=sys.stderr, flush=True)


def healthy(url: str) -> bool:
    return serving(url) is not None


def serving(url: str) -> str | None:
    """The version the service at `url` names when /health answers 200 (ready), else None."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.headers.get(VERSION_HEADER, "") if response.status == 200 else None
    except OSError:
        return None


def stamp(data: Path) -> Stamp:
    try:
        stat = os.stat(data / POINTER)
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def stale(info: StoreInfo | None, data: Path, base_iri: str) -> bool:
    """Whether `kg serve` would build before serving (no store, or a curated one for another base)."""
    return info is None or (info.origin == "curated" and (info.base_iri != base_iri or not usable(data, info)))


def start_replica(port: int, data: Path | None) -> subprocess.Popen:
    """One `kg serve` (one worker: the balancer spreads the load) on 127.0.0.1:`port`, serving
    the store `data`/current.json names and no other; with no `data`, the engine of
    KG_SPARQL_ENDPOINT, following the versions `kg push` switches it to by itself."""
    pinned = {"KG_DATA_DIR": str(data), "KG_RELOAD_INTERVAL": "0"} if data is not None else {}
    return subprocess.Popen([*KG, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"], cwd=ROOT,
                            env={**os.environ, **pinned}, stdout=sys.stderr, stderr=sys.stderr)


def stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RuntimeApi:
    """HAProxy's runtime API on its stats socket (one command per connection)."""

    def __init__(self, path: Path, map_file: Path):
        self.path = path
        self.map_file = map_file

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.path))
            sock.sendall(f"{line}\n".encode())
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def switch(self, colour: str) -> None:
        """Every request from now on goes to `colour`'s backend."""
        answer = self.command(f"set map {self.map_file} active {colour}").strip()
        if answer:
            raise RuntimeError(f"HAProxy did not switch to {colour}: {answer}")

    def admit(self, colour: str, count: int, state: str) -> None:
        """`ready` (in the rotation once its checks pass) or `maint` (no traffic, no checks)."""
        for i in range(1, count + 1):
            answer = self.command(f"set server {colour}/replica{i} state {state}").strip()
            if answer:
                raise RuntimeError(f"HAProxy: set server {colour}/replica{i} state {state}: {answer}")

    def stats(self, colour: str) -> list[dict[str, str]]:
        text = self.command("show stat").lstrip("# ")
        return [row for row in csv.DictReader(text.splitlines()) if row.get("pxname") == colour]

    def all_up(self, colour: str) -> bool:
        servers = [row for row in self.stats(colour) if row["svname"] not in ("FRONTEND", "BACKEND")]
        return bool(servers) and all(row["status"] == "UP" for row in servers)

    def in_flight(self, colour: str) -> int:
        """Requests the backend of `colour` is serving or has queued."""
        return sum(int(row["scur"] or 0) + int(row["qcur"] or 0) for row in self.stats(colour) if row["svname"] == "BACKEND")


@dataclass
class Colour:
    """N replicas on fixed ports, all serving one store, which this process holds (its lease)."""

    name: str
    ports: list[int]
    home: Path  # a data directory of its own: current.json names the store by its absolute path
    info: StoreInfo | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)
    lease: IO[bytes] | None = None
    engine: bool = False  # the replicas serve KG_SPARQL_ENDPOINT, not a store

    @property
    def pinned(self) -> Path | None:
        return None if self.engine else self.home

    def pin(self, data: Path, info: StoreInfo) -> None:
        """Serve, from the next start on, the store `info` describes in the data directory `data`."""
        store = (data / info.path).resolve()
        try:
            lease = (store / LEASE).open("rb")
        except FileNotFoundError:
            raise Unservable(f"the store {data / info.path} is missing") from None
        fcntl.flock(lease, fcntl.LOCK_SH)  # no build prunes it while a replica is restarted on it
        try:
            self.home.mkdir(exist_ok=True)
            pointer = self.home / f".{POINTER}"
            pointer.write_text(json.dumps({**dataclasses.asdict(info), "path": str(store)}, indent=2) + "\n")
            os.replace(pointer, self.home / POINTER)
            open_store(self.home).close()  # what a replica would fail on (a corrupt database...), in one line
        except KgError as exc:
            lease.close()
            raise Unservable(str(exc)) from None
        self.release()
        self.info, self.lease = info, lease

    def release(self) -> None:
        if self.lease is not None:
            self.lease.close()
            self.lease = None

    def start(self) -> None:
        self.processes = [start_replica(port, self.pinned) for port in self.ports]

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def replicas(self) -> list[dict]:
        return [{"url": url, "pid": process.pid} for url, process in zip(self.urls(), self.processes)]

    def ready(self) -> bool:
        """Whether every replica answers /health naming the pinned version; Unservable when one
        stopped or names another."""
        for i, (url, process) in enumerate(zip(self.urls(), self.processes), 1):
            if process.poll() is not None:
                raise Unservable(f"its replica {self.name} {i} stopped before it was ready (exit code {process.returncode}, "
                                 "its reason is logged above)")
            version = serving(url)
            if version is None:
                return False
            if version != self.info.version:
                raise Unservable(f"its replica {self.name} {i} serves version {version!r}")
        return True

    def tend(self) -> None:
        """Start again, on the same port and version, a replica that stopped."""
        for i, port in enumerate(self.ports):
            if self.processes[i].poll() is not None:
                say(f"replica {self.name} {i + 1} stopped (exit code {self.processes[i].returncode}): starting it again")
                self.processes[i] = start_replica(port, self.pinned)

    def stop(self) -> None:
        stop_all(self.processes)
        self.processes = []
        self.release()


@dataclass
class Deployment:
    data: Path
    base_iri: str
    api: RuntimeApi
    colours: dict[str, Colour]
    balancer: subprocess.Popen | None = None
    active: str = "blue"
    seen: Stamp = None  # current.json as it was when last read

    def tend(self) -> None:
        if self.balancer.poll() is not None:
            raise SystemExit(f"HAProxy stopped (exit code {self.balancer.returncode})")
        self.colours[self.active].tend()

    def wait(self, condition: Callable[[], bool], seconds: float, what: str) -> None:
        """Until `condition()`, tending the serving colour meanwhile; Unservable after `seconds`."""
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise Unservable(f"{what} after {seconds:g} s")
            self.tend()
            time.sleep(0.1)

    def watch(self) -> None:
        """For ever: serve, and publish each new version current.json names (over an engine, the
        replicas follow what `kg push` switches it to by themselves)."""
        while True:
            self.tend()
            if self.colours[self.active].engine:
                time.sleep(POLL_SECONDS)
                continue
            now = stamp(self.data)
            if now != self.seen:
                self.seen = now  # before reading: a change after it is seen at the next look
                self.publish()
            time.sleep(POLL_SECONDS)

    def publish(self) -> None:
        old = self.colours[self.active]
        new = self.colours[next(name for name in COLOURS if name != self.active)]
        try:
            info = read_info(self.data)
        except KgError as exc:
            say(f"still serving version {old.info.version}: {exc}")
            return
        if info is None or info.path == old.info.path:
            return
        try:
            if info.base_iri and info.base_iri != self.base_iri:  # as `kg serve` would refuse it
                raise Unservable(f"the store was built for base IRI {info.base_iri}, not KG_BASE_IRI={self.base_iri}: "
                                 "run `kg build` again")
            new.pin(self.data, info)
            new.start()
            self.wait(new.ready, READY_SECONDS, "its replicas were not ready")
            self.api.admit(new.name, len(new.ports), "ready")
            self.wait(lambda: self.api.all_up(new.name), UP_SECONDS, "HAProxy did not see its replicas up")
            self.api.switch(new.name)  # the one atomic step: every request from now on goes to the new colour
        except (Unservable, RuntimeError, OSError) as exc:
            say(f"still serving version {old.info.version}: version {info.version} ({info.path}) cannot be served: {exc}")
            self.retire(new)
            return
        self.active = new.name
        print(json.dumps({"published": info.version, "replicas": new.replicas(), "replaced": old.info.version}), flush=True)
        try:
            self.wait(lambda: self.api.in_flight(old.name) == 0, DRAIN_SECONDS, "requests still in flight")
        except Unservable as exc:
            say(f"stopping the replicas of version {old.info.version} with {exc}")
        self.retire(old)

    def retire(self, colour: Colour) -> None:
        """Out of HAProxy's rotation and checks, its replicas stopped, its store released."""
        try:
            self.api.admit(colour.name, len(colour.ports), "maint")
        except (RuntimeError, OSError) as exc:  # HAProxy gone: tend() says so next
            say(f"could not set the servers of {colour.name} to maintenance: {exc}")
        colour.stop()

    def processes(self) -> list[subprocess.Popen]:
        """The balancer first (it stops taking requests), then every replica."""
        return [*([self.balancer] if self.balancer else []), *(p for colour in self.colours.values() for p in colour.processes)]


def haproxy_config(host: str, port: int, work: Path, colours: dict[str, Colour], active: str) -> str:
    servers = {f"{name}_servers": "\n".join(f"    server replica{i} 127.0.0.1:{p} check{'' if name == active else ' disabled'}"
                                            for i, p in enumerate(colour.ports, 1))
               for name, colour in colours.items()}
    return Template((HERE / "haproxy.cfg.template").read_text()).substitute(
        host=host, port=port, socket=work / "haproxy.sock", map=work / "active.map", **servers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--port", type=int, default=8080, help="the balancer's port")
    parser.add_argument("--host", default="127.0.0.1", help="the balancer's address")
    args = parser.parse_args()
    if shutil.which("haproxy") is None:
        raise SystemExit("haproxy is not installed (Debian: apt-get install haproxy)")
    settings = Settings.from_env()
    data = ROOT / settings.data_dir  # an absolute KG_DATA_DIR stays as it is
    engine = settings.endpoint() is not None
    if not engine and stale(read_info(data), data, settings.base_iri):
        subprocess.run([*KG, "build"], cwd=ROOT, check=True, stdout=sys.stderr)
    deployment: Deployment | None = None

    def stopped(*_) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stopped)
    signal.signal(signal.SIGINT, stopped)
    try:
        with tempfile.TemporaryDirectory(prefix="kg-deploy-") as folder:
            work = Path(folder)
            colours = {name: Colour(name, [free_port() for _ in range(args.replicas)], work / name, engine=engine)
                       for name in COLOURS}
            (work / "active.map").write_text("active blue\n")
            deployment = Deployment(data, settings.base_iri, RuntimeApi(work / "haproxy.sock", work / "active.map"), colours)
            blue = colours["blue"]
            deployment.seen = stamp(data)
            try:
                if not engine:
                    blue.pin(data, read_info(data))
            except Unservable as exc:
                raise SystemExit(f"cannot serve {data}: {exc}") from None
            blue.start()
            for i, (url, process) in enumerate(zip(blue.urls(), blue.processes), 1):
                deadline = time.monotonic() + READY_SECONDS
                while not healthy(url):
                    if process.poll() is not None:
                        raise SystemExit(f"the replica at {url} stopped before it was ready (exit code {process.returncode})")
                    if time.monotonic() > deadline:
                        raise SystemExit(f"the replica at {url} was not ready after {READY_SECONDS} s")
                    time.sleep(0.2)
            config = work / "haproxy.cfg"
            config.write_text(haproxy_config(args.host, args.port, work, colours, "blue"))
            balancer = deployment.balancer = subprocess.Popen(["haproxy", "-db", "-f", str(config)],
                                                              stdout=sys.stderr, stderr=sys.stderr)
            url = f"http://{args.host}:{args.port}"
            deadline = time.monotonic() + READY_SECONDS
            while not healthy(url):
                if balancer.poll() is not None:
                    raise SystemExit(f"HAProxy stopped before it was ready (exit code {balancer.returncode})")
                if time.monotonic() > deadline:
                    raise SystemExit(f"HAProxy was not ready after {READY_SECONDS} s")
                time.sleep(0.2)
            version = blue.info.version if blue.info is not None else serving(blue.urls()[0])
            print(json.dumps({"url": url, "replicas": blue.replicas(), "balancer_pid": balancer.pid,
                              "version": version}), flush=True)
            deployment.watch()
    finally:  # whatever ends the script, nothing it started outlives it
        if deployment is not None:
            stop_all(deployment.processes())


if __name__ == "__main__":
    main()
