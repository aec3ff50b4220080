#!/usr/bin/env python3
"""Throughput and latency of the curated graph through HAProxy with 1, 2 and 4 `kg serve`
replicas, and of one replica queried directly (the balancer's cost), measured in one run.

    .venv/bin/python bench/replicas.py [--replicas 1 2 4] [--concurrency 8] [--duration 10] [--reps 1]

`kg build` into a temporary KG_DATA_DIR; one deploy/run.py per replica count (a black box: its
command line and its JSON line), all up at once on 127.0.0.1; every request sent once to every
replica (documents built); then per cell `--concurrency` keep-alive connections in a closed loop
(the shared harness's client, ../shared/bench/load.py), 1 s warm-up, `--duration` s, every
response checked. Kinds, over every labelled entity: entity (`GET /id/...` as text/turtle),
sparql (`GET /sparql?query=SELECT ?p ?o WHERE { <entity> ?p ?o } LIMIT 20`), search (`GET
/search?q=WORD`, a word of a label). "direct": the 1-replica deployment's replica on its own
port. `--reps` > 1 alternates the setups' order: req/s median (range), latencies pooled, ratios
the median of the repetitions'. Then an extrapolation on paper to K machines.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from urllib.parse import quote, urlsplit

import httpx

import common  # bench/common.py (scripts run as bench/NAME.py)
from common import ROOT, VENV_BIN, Check, closed_loop, free_port, harness, stop_session

RUN = ROOT / "deploy" / "run.py"
KINDS = ("entity", "sparql", "search")
START_SECONDS = 180  # deploy/run.py until its JSON line
MAX_REQUESTS = 500_000  # per cell, a bound besides the duration


@dataclass
class Cell(common.Cell):
    balancer_cpu_s: float = 0.0  # HAProxy's CPU over the cell (warm-up included)


def requests(load: ModuleType, url: str, kind: str, targets: list[tuple[str, str]]) -> list[tuple[bytes, Check]]:
    """The GET requests to `url` of (target, Accept), each with its check."""
    host, checked = urlsplit(url).netloc, functools.partial(check, load, kind)
    return [(f"GET {t} HTTP/1.1\r\nHost: {host}\r\nAccept: {a}\r\nUser-Agent: kg-bench\r\n\r\n".encode(), checked) for t, a in targets]


def check(load: ModuleType, kind: str, status: int, headers: dict[str, str], body: bytes) -> None:
    """What every response must be: 200, a body that parses as its kind's, not empty."""
    if status != 200:
        raise load.BadResponse(f"HTTP {status}: {body[:80]!r}")
    media = headers.get("content-type", "")
    if kind == "search":
        found = media.startswith("application/json") and json.loads(body).get("results")
    else:  # turtle asked for, turtle answered; SPARQL JSON
        found = media.startswith("text/turtle" if kind == "entity" else "application/sparql-results+json") and \
            load.validate({"entity": "CONSTRUCT", "sparql": "SELECT"}[kind], media, body)
    if not found:
        raise load.BadResponse(f"no {kind} results ({media})")


def targets(base: str, entities: list[str], words: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Per query kind: (request target, Accept) in the order they are sent."""
    select_query = "SELECT ?p ?o WHERE {{ <{}> ?p ?o }} LIMIT 20"
    return {
        "entity": [(e[len(base):], "text/turtle") for e in entities],
        "sparql": [("/sparql?query=" + quote(select_query.format(e), safe=""), "application/sparql-results+json") for e in entities],
        "search": [(f"/search?q={quote(w)}", "application/json") for w in words],
    }


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, all threads


def prime(load: ModuleType, replicas: list[str], kinds: dict[str, list[tuple[str, str]]], concurrency: int) -> None:
    """Every request once on every replica before any timing: documents built, engine warm."""
    for url in replicas:
        for kind, targets in kinds.items():
            primed = Cell()
            asyncio.run(closed_loop(load, url, requests(load, url, kind, targets), concurrency, 300, len(targets), primed, warmup=0))
            if primed.failed:
                raise SystemExit(f"priming {url} with {kind}: {dict(primed.errors)}")


def deploy(replicas: int, port: int, env: dict[str, str], log: Path, started: dict[int, subprocess.Popen]) -> dict:
    """deploy/run.py in a session of its own (nothing it starts can outlive this script, see stop),
    added to `started` at once; what its JSON line says."""
    with log.open("w") as out:
        process = started[replicas] = subprocess.Popen(
            [sys.executable, str(RUN), "--replicas", str(replicas), "--port", str(port)], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=out, text=True, start_new_session=True)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        if select.select([process.stdout], [], [], 1.0)[0] and (line := process.stdout.readline()).startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"deploy/run.py --replicas {replicas} printed no JSON line (exit code {process.poll()})")


def entities_and_words(url: str, base: str, limit: int) -> tuple[list[str], list[str]]:
    query = f'SELECT ?e ?l WHERE {{ ?e rdfs:label ?l FILTER(STRSTARTS(STR(?e), "{base}/id/")) }} ORDER BY ?e'
    rows = httpx.get(f"{url}/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"},
                     timeout=60).json()["results"]["bindings"]
    rows = [r for r in rows if "#" not in r["e"]["value"]]  # `#` nodes are parts of their entity's document
    entities = list(dict.fromkeys(r["e"]["value"] for r in rows))[:limit]
    words = sorted({w for r in rows for w in re.findall(r"[^\W\d_]{4,}", r["l"]["value"].lower())})[:limit]
    return entities, words


def columns(cell: Cell, load: ModuleType) -> str:
    p50, p99 = (1000 * (load.percentile(cell.latencies, q) or float("nan")) for q in (0.50, 0.99))
    spread = f" ({min(cell.rps):,.0f}-{max(cell.rps):,.0f})" if len(cell.rps) > 1 else ""
    return f"{statistics.median(cell.rps):,.0f}{spread} | {p50:.1f} | {p99:.1f} | {cell.failed}"


def ratio(over: Cell, under: Cell) -> str:
    """The median of the repetitions' ratios of req/s (each pair measured side by side), and their range."""
    ratios = sorted(a / b for a, b in zip(over.rps, under.rps))
    return f"{statistics.median(ratios):.2f}x" + (f" ({ratios[0]:.2f}-{ratios[-1]:.2f})" if len(ratios) > 1 else "")


def extrapolation(kind: str, direct: Cell, one: Cell, more: dict[int, Cell], machines: list[int], load: ModuleType) -> str:
    """K x the throughput of one replica behind HAProxy, capped by what one HAProxy core passes
    at the CPU per request HAProxy used here."""
    v = statistics.median(one.rps)
    added_ms = 1000 * ((load.percentile(one.latencies, 0.5) or 0) - (load.percentile(direct.latencies, 0.5) or 0))
    cpu_us = 1e6 * one.balancer_cpu_s / max(one.answered, 1)
    cap = 1e6 / cpu_us if cpu_us > 0 else float("inf")
    per_k = ", ".join(f"K={k}: {min(k * v, cap):,.0f} req/s{' (HAProxy-bound)' * (k * v > cap)}" for k in machines)
    scaling = ", ".join(f"{n} replicas {ratio(c, one)}" for n, c in more.items()) or "nothing more"
    return (f"- {kind}: 1 replica through HAProxy / direct: {ratio(one, direct)} in req/s, {added_ms:+.2f} ms at p50; "
            f"HAProxy used {cpu_us:.0f} us of CPU per request (one HAProxy core: at most ~{cap:,.0f} req/s). "
            f"On paper, K x {v:,.0f} req/s: {per_k}. Measured on this box (2 cores shared with the client and "
            f"HAProxy), against 1 replica: {scaling}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4], help="replica counts behind HAProxy")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per cell")
    parser.add_argument("--reps", type=int, default=1, help="repetitions of every cell, in alternating order")
    parser.add_argument("--entities", type=int, default=500, help="at most this many entities (and search words)")
    parser.add_argument("--machines", type=int, nargs="+", default=[2, 4, 8], help="K, for the extrapolation")
    args = parser.parse_args()
    counts = sorted(set(args.replicas) | {1})  # "direct" is the replica of the 1-replica deployment
    load = harness()
    load.use_uvloop()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped as by Ctrl+C: what it started is stopped too
    started, load_average = datetime.now().astimezone(), os.getloadavg()[0]
    deployments: dict[int, subprocess.Popen] = {}
    with tempfile.TemporaryDirectory(prefix="kg-replicas-") as tmp:
        ports = {n: free_port() for n in counts}
        base = f"http://127.0.0.1:{ports[1]}"  # the 1-replica balancer's address, as in production
        env = {**os.environ, "KG_DATA_DIR": f"{tmp}/data", "KG_BASE_IRI": base, "KG_RECORDS_DIR": str(ROOT / "records")}
        subprocess.run([str(VENV_BIN / "kg"), "build"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        try:
            infos = {n: deploy(n, ports[n], env, Path(f"{tmp}/run-{n}.log"), deployments) for n in counts}
            direct = infos[1]["replicas"][0]["url"]
            setups = {"direct (1 replica, no balancer)": (direct, None), **{
                f"HAProxy + {n} replica{'s' * (n > 1)}": (info["url"], info["balancer_pid"]) for n, info in infos.items()}}
            entities, words = entities_and_words(direct, base, args.entities)
            kinds = targets(base, entities, words)
            prime(load, [r["url"] for info in infos.values() for r in info["replicas"]], kinds, args.concurrency)
            cells = {(name, kind): Cell() for name in setups for kind in KINDS}
            for rep in range(args.reps):
                for kind in KINDS:
                    for name in list(setups)[:: 1 if rep % 2 == 0 else -1]:
                        url, balancer = setups[name]
                        cell, cpu = cells[(name, kind)], cpu_seconds(balancer) if balancer else 0.0
                        asyncio.run(closed_loop(load, url, requests(load, url, kind, kinds[kind]), args.concurrency,
                                          args.duration, MAX_REQUESTS, cell))
                        cell.balancer_cpu_s += cpu_seconds(balancer) - cpu if balancer else 0.0
                        print(f"rep {rep + 1} {kind} {name}: {cell.rps[-1]:,.0f} req/s", file=sys.stderr, flush=True)
        except BaseException:
            for n in deployments:
                print(f"--- deploy/run.py --replicas {n}, its log's end:\n{Path(tmp, f'run-{n}.log').read_text()[-2000:]}", file=sys.stderr)
            raise
        finally:
            for process in deployments.values():
                stop_session(process, 45)

    print(f"Run of {started:%Y-%m-%d %H:%M %Z} on this shared 2-core machine (load average {load_average:.1f} at "
          f"the start, {os.getloadavg()[0]:.1f} at the end), curated graph: {len(entities)} entities, {len(words)} search words; concurrency "
          f"{args.concurrency}, {args.reps} x {args.duration:g} s per cell, every response checked.\n")
    print("| setup | " + " | ".join(f"{k} req/s | {k} p50 ms | {k} p99 ms | {k} failed" for k in KINDS) + " |")
    print("|---|" + "---|" * 4 * len(KINDS))
    for name in setups:
        print(f"| {name} | " + " | ".join(columns(cells[(name, kind)], load) for kind in KINDS) + " |")
    for (name, kind), cell in cells.items():
        for error, count in cell.errors.most_common(3):
            print(f"{name}, {kind}: {count} x {error}")

    print("\nExtrapolation on paper, not a measurement: K machines, each running one replica as measured here, "
          "behind one HAProxy on a machine of its own.")
    for kind in KINDS:
        print(extrapolation(kind, cells[(list(setups)[0], kind)], cells[("HAProxy + 1 replica", kind)],
                            {n: cells[(f"HAProxy + {n} replicas", kind)] for n in counts if n > 1}, args.machines, load))


if __name__ == "__main__":
    main()
