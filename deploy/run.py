#!/usr/bin/env python3
"""Start HAProxy in front of N `kg serve` replicas on this machine, for a demonstration and for
the tests; stop them all on Ctrl+C (or SIGTERM).

    python deploy/run.py [--replicas 3] [--port 8080] [--host 127.0.0.1]

The replicas serve the store of KG_DATA_DIR (built first with `kg build` when there is none:
one build, not one per replica), each on a free port of 127.0.0.1, each opening the store
read-only. The public base IRI is KG_BASE_IRI as for `kg serve` (set it to the balancer's
address in production). HAProxy's configuration is `haproxy.cfg.template` beside this script,
filled in and written to a temporary folder; it checks each replica's /health every 500 ms
and sends a request a replica could not answer to another. A replica that stops (killed,
crashed) is started again on its port. One JSON line on stdout says where
everything listens, with the process ids: `{"url": ..., "replicas": [{"url": ..., "pid": ...}],
"balancer_pid": ...}`.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path
from string import Template

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script from a clone: the project's packages
from kg.settings import Settings  # noqa: E402 - the one reader of the environment

KG = [sys.executable, "-m", "kg.cli"]
READY_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_healthy(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while not healthy(url):
        if process.poll() is not None:
            raise SystemExit(f"{what} stopped before it was ready (exit code {process.returncode})")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} was not ready after {READY_SECONDS} s")
        time.sleep(0.2)


def start_replica(port: int, data: Path) -> subprocess.Popen:
    """One `kg serve` (one worker: the balancer spreads the load) on 127.0.0.1:`port`."""
    return subprocess.Popen([*KG, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"], cwd=ROOT,
                            env={**os.environ, "KG_DATA_DIR": str(data)}, stdout=sys.stderr, stderr=sys.stderr)


def haproxy_config(host: str, port: int, replicas: list[int]) -> str:
    servers = "\n".join(f"    server replica{i} 127.0.0.1:{p} check" for i, p in enumerate(replicas, 1))
    return Template((HERE / "haproxy.cfg.template").read_text()).substitute(host=host, port=port, servers=servers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--port", type=int, default=8080, help="the balancer's port")
    parser.add_argument("--host", default="127.0.0.1", help="the balancer's address")
    args = parser.parse_args()
    if shutil.which("haproxy") is None:
        raise SystemExit("haproxy is not installed (Debian: apt-get install haproxy)")
    data = ROOT / Settings.from_env().data_dir  # an absolute KG_DATA_DIR stays as it is
    if not (data / "current.json").is_file():
        subprocess.run([*KG, "build"], cwd=ROOT, check=True, stdout=sys.stderr)
    processes: list[subprocess.Popen] = []

    def stopped(*_) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stopped)
    signal.signal(signal.SIGINT, stopped)
    ports = [free_port() for _ in range(args.replicas)]
    try:
        with tempfile.TemporaryDirectory(prefix="kg-deploy-") as work:
            processes.extend(start_replica(port, data) for port in ports)
            replicas = [{"url": f"http://127.0.0.1:{port}", "pid": process.pid} for port, process in zip(ports, processes)]
            for replica, process in zip(replicas, processes):
                wait_until_healthy(replica["url"], process, f"the replica at {replica['url']}")
            config = Path(work) / "haproxy.cfg"
            config.write_text(haproxy_config(args.host, args.port, ports))
            balancer = subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=sys.stderr, stderr=sys.stderr)
            processes.append(balancer)
            url = f"http://{args.host}:{args.port}"
            wait_until_healthy(url, balancer, "HAProxy")
            print(json.dumps({"url": url, "replicas": replicas, "balancer_pid": balancer.pid}), flush=True)
            while balancer.poll() is None:  # a replica that stops is started again on its port (HAProxy sends it work once healthy)
                for i, port in enumerate(ports):
                    if processes[i].poll() is not None:
                        print(f"replica {i + 1} stopped (exit code {processes[i].returncode}): starting it again", file=sys.stderr)
                        processes[i] = start_replica(port, data)
                time.sleep(0.5)
            raise SystemExit(f"HAProxy stopped (exit code {balancer.returncode})")
    finally:  # whatever ends the script, nothing it started outlives it
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
