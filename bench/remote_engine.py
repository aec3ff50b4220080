#!/usr/bin/env python3
"""The cost of our layer over a remote SPARQL engine, per query kind: `kg serve` over the embedded
store, `kg serve` over an engine (pushed), and the engine queried directly, side by side.

    .venv/bin/python bench/remote_engine.py [--engines oxigraph,virtuoso | --engine virtuoso]
        [--concurrency 8] [--duration 5] [--reps 3]

`kg build` (curated graph) into a temporary KG_DATA_DIR; each engine started on 127.0.0.1 by
tests/engine_servers.py, loaded by `kg push --skip-refused`; `kg serve` over the embedded store
and over each engine, all up at once. Kinds, over every labelled entity (and a word of each label):
lookup (SELECT ?p ?o of one entity), search (FILTER(CONTAINS(LCASE(STR(?label)), WORD))), count
(COUNT GROUP BY class), construct (one entity, N-Triples) and, service only, document (GET /id/...
as Turtle, from the document cache once built; "direct" compares it with the construct). The
service gets GET /sparql?query=...; the engine gets what the service sends it (graph/engine/
remote.py): a form POST of the same text (BASE, PREFIX), the same dataset (default-graph-uri: the
version's union, a named-graph-uri per graph; read_layout), Virtuoso's `timeout`, the same Accept.
Every request goes once to every setup first (rows compared with the embedded service's); then
per cell `--concurrency` keep-alive connections in a closed loop (../shared/bench/load.py's
client), 1 s warm-up, `--duration` s, every response checked (200, parses, not empty), a kind's
setups one after the other in alternating order. req/s: median (range); p50/p99: pooled; ratios:
median of the per-repetition ones; CPU per request answered: the service's process tree, the engine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from urllib.parse import quote, urlencode, urlsplit

import httpx
import pyoxigraph as ox

import common  # bench/common.py (scripts run as bench/NAME.py)
from common import ROOT, VENV_BIN, closed_loop, free_port, harness

sys.path.insert(0, str(ROOT))  # tests/engine_servers.py
from graph.config import EndpointConfig  # noqa: E402
from graph.engine.evaluate import used_prefixes  # noqa: E402
from graph.engine.remote import GRAPH_TYPES, RDF_BY_TYPE, SOLUTIONS_TYPE, VIRTUOSO_BNODE, XML_TYPE, client_for, read_layout  # noqa: E402
from graph.namespaces import default_prefixes  # noqa: E402
from tests.engine_servers import start_oxigraph, start_virtuoso  # noqa: E402

KINDS = ("lookup", "search", "count", "construct", "document")
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
COUNT = "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"
MAX_REQUESTS = 500_000


@dataclass
class Setup:
    name: str
    url: str  # the service's base URL, or the engine's query endpoint
    service: int | None  # pids: `kg serve` (its process tree counted), the engine
    engine: int | None
    dataset: list[tuple[str, str]] | None = None  # engine direct: the parameters the service sends


@dataclass
class Cell(common.Cell):
    cpu: list[float] = field(default_factory=lambda: [0.0, 0.0])  # seconds: the service's tree, the engine's


def requests(setup: Setup, kind: str, texts: list[str], base: str) -> list[bytes]:
    host = urlsplit(setup.url).netloc
    if setup.dataset is None:  # the service: GET, as a client asks it
        if kind == "document":
            return [f"GET {t} HTTP/1.1\r\nHost: {host}\r\nAccept: text/turtle\r\n\r\n".encode() for t in texts]
        accept = "application/n-triples" if kind == "construct" else SOLUTIONS_TYPE
        return [f"GET /sparql?query={quote(t, safe='')} HTTP/1.1\r\nHost: {host}\r\nAccept: {accept}\r\n\r\n".encode() for t in texts]
    accept = GRAPH_TYPES if kind == "construct" else XML_TYPE if "virtuoso" in setup.name else SOLUTIONS_TYPE
    out, prefixes = [], default_prefixes(base)
    for text in texts:  # as RemoteEngine._text writes it
        prologue = [f"BASE <{base}/sparql>", *(f"PREFIX {n}: <{i}>" for n, i in used_prefixes(text, prefixes).items())]
        body = urlencode([("query", "\n".join([*prologue, text])), *setup.dataset]).encode()
        out.append(f"POST {urlsplit(setup.url).path} HTTP/1.1\r\nHost: {host}\r\nAccept: {accept}\r\nContent-Type: "
                   f"application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    return out


def check(load: ModuleType, base: str, status: int, headers: dict[str, str], body: bytes) -> int:
    """Rows or triples in a 200 answer that parses (else load.BadResponse or SyntaxError), not none."""
    if status != 200:
        raise load.BadResponse(f"HTTP {status}: {body[:80]!r}")
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if media == XML_TYPE:  # Virtuoso's, its blank node labels mended as the service mends them
        n = len(list(ox.parse_query_results(body.replace(*VIRTUOSO_BNODE), ox.QueryResultsFormat.XML)))
    elif media in RDF_BY_TYPE:
        n = sum(1 for _ in ox.parse(body, format=RDF_BY_TYPE[media], base_iri=base))
    else:
        n = load.validate("SELECT", media, body)
    if not n:
        raise load.BadResponse(f"empty answer ({media})")
    return n


def cpu_seconds(pid: int | None, tree: bool = True) -> float:
    """utime + stime of the process (all threads) and, with `tree`, of its descendants."""
    total, todo = 0.0, [pid] if pid else []
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            todo += [int(c) for t in Path(f"/proc/{current}/task").iterdir() for c in (t / "children").read_text().split()] if tree else []
        except (OSError, ValueError):
            pass
    return total


def serve(env: dict[str, str], log: Path, stack: contextlib.ExitStack, port: int | None = None) -> tuple[str, int]:
    """`kg serve` in a session of its own (the whole session stopped on exit), once /health says 200."""
    port = port or free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([str(VENV_BIN / "kg"), "serve", "--port", str(port)], env=env, cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    stack.callback(stop, process)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return url, process.pid
        time.sleep(0.3)
    raise RuntimeError(f"kg serve on {port} not ready; its log's end:\n{log.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, sig)
            process.wait(timeout=15)
            return


def over_engine(name: str, env: dict[str, str], tmp: str, stack: contextlib.ExitStack) -> list[Setup]:
    """The engine started and pushed into; `kg serve` over it, and the engine as the service asks it."""
    engine = (start_oxigraph if name == "oxigraph" else start_virtuoso)(Path(tmp, name))
    stack.callback(engine.stop)
    env = {**env, "KG_SPARQL_ENDPOINT": engine.query_url, "KG_SPARQL_UPDATE_ENDPOINT": engine.update_url}
    if engine.user:
        env |= {"KG_SPARQL_USER": engine.user, "KG_SPARQL_PASSWORD": engine.password or "", "KG_SPARQL_AUTH": "digest"}
    pushed = subprocess.run([str(VENV_BIN / "kg"), "push", "--skip-refused"], env=env, cwd=ROOT, capture_output=True, text=True)
    if pushed.returncode:
        raise RuntimeError(f"kg push into {name}: {pushed.stderr[-2000:]}")
    print(f"{name}: {pushed.stdout.strip()}", file=sys.stderr, flush=True)
    url, pid = serve(env, Path(tmp, f"{name}.log"), stack)
    config = EndpointConfig(engine.query_url)
    with client_for(config) as client:
        layout = read_layout(config, client)
    assert layout.union is not None, "no control graph: the push did not switch"
    dataset = [("default-graph-uri", layout.union), *(("named-graph-uri", g) for g in layout.info.graphs)]
    if name == "virtuoso":  # the service tells Virtuoso its time limit (RemoteEngine._run)
        dataset.append(("timeout", str(int((config.timeout + 1) * 1000))))
    return [Setup(f"{name}: service", url, pid, engine.pid),
            Setup(f"{name}: direct", engine.query_url, None, engine.pid, dataset)]


def workload(url: str, base: str) -> dict[str, list[str]]:
    """Per kind, the query texts (document: the paths) over every labelled entity and label word."""
    query = f'SELECT ?e ?l WHERE {{ ?e <{LABEL}> ?l FILTER(STRSTARTS(STR(?e), "{base}/id/") && !CONTAINS(STR(?e), "#")) }} ORDER BY ?e ?l'
    found = httpx.get(f"{url}/sparql", params={"query": query}, headers={"Accept": SOLUTIONS_TYPE}, timeout=60).json()["results"]["bindings"]
    entities = list(dict.fromkeys(r["e"]["value"] for r in found))
    words = sorted({w for r in found for w in re.findall(r"[^\W\d_]{4,}", r["l"]["value"].lower())})[:len(entities)]
    return {"lookup": [f"SELECT ?p ?o WHERE {{ <{e}> ?p ?o }}" for e in entities],
            "search": [f'SELECT ?e ?label WHERE {{ ?e <{LABEL}> ?label FILTER(CONTAINS(LCASE(STR(?label)), "{w}")) }}' for w in words],
            "count": [COUNT], "construct": [f"CONSTRUCT {{ <{e}> ?p ?o }} WHERE {{ <{e}> ?p ?o }}" for e in entities],
            "document": [e[len(base):] for e in entities]}


def ratio(over: Cell, under: Cell) -> tuple[float, str]:
    """The median of the per-repetition req/s ratios, and it written with their range."""
    ratios = sorted(a / b for a, b in zip(over.rps, under.rps, strict=True) if b) or [float("nan")]
    return statistics.median(ratios), f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f})"


def report(load: ModuleType, args: argparse.Namespace, engines: list[str], plan: list[tuple[str, Setup]], cells: dict[tuple[str, str], Cell],
           counted: dict[tuple[str, str], dict[int, int]], texts: dict[str, list[str]], started: datetime, load_start: tuple[float, ...]) -> None:
    averages = " / ".join(f"{a:.2f}" for a in load_start), " / ".join(f"{a:.2f}" for a in os.getloadavg())
    print(f"Run of {started:%Y-%m-%d %H:%M %Z} on a shared 2-core machine (load average {averages[0]} at the start, {averages[1]} "
          f"at the end); curated graph, {len(texts['lookup'])} entities, {len(texts['search'])} search words; concurrency "
          f"{args.concurrency}, {args.reps} x {args.duration:g} s per cell, alternating order; every response checked.\n")
    print("| kind | setup | req/s median (range) | p50 ms | p99 ms | failed | kg CPU ms/req | engine CPU ms/req |\n|---|---|---|---|---|---|---|---|")
    for kind, setup in plan:
        cell = cells[(kind, setup.name)]
        p50, p99 = (1000 * (load.percentile(cell.latencies, q) or float("nan")) for q in (0.5, 0.99))
        per = [f"{1000 * c / cell.answered:.2f}" if pid else "-" for c, pid in zip(cell.cpu, (setup.service, setup.engine), strict=True)]
        print(f"| {kind} | {setup.name} | {statistics.median(cell.rps):,.0f} ({min(cell.rps):,.0f}-{max(cell.rps):,.0f}) | "
              f"{p50:.2f} | {p99:.2f} | {cell.failed} | {per[0]} | {per[1]} |")
    print("\n| kind | engine | service / direct (req/s) | service / embedded (req/s) | p50 added to direct, ms |\n|---|---|---|---|---|")
    kept: dict[str, list[tuple[float, str]]] = {name: [] for name in engines}
    for kind in KINDS:
        for name in engines:
            service, direct = cells[(kind, f"{name}: service")], cells.get((kind, f"{name}: direct")) or cells[("construct", f"{name}: direct")]
            added = 1000 * (load.percentile(service.latencies, 0.5) - load.percentile(direct.latencies, 0.5))
            (layer, layer_text), (_, embedded_text) = ratio(service, direct), ratio(service, cells[(kind, "embedded")])
            kept[name] += [(layer, kind)] if kind != "document" else []
            print(f"| {kind}{' (direct: construct)' * (kind == 'document')} | {name} | {layer_text} | {embedded_text} | {added:+.2f} |")
    differ = [f"{n} of {len(rows)} for {kind} / {name}" for (kind, name), rows in counted.items() if kind != "document" and name != "embedded"
              and (n := sum(v != counted[(kind, "embedded")].get(i) for i, v in rows.items()))]
    print(f"\nAnswers differing in rows or triples from the embedded service's (priming pass): {', '.join(differ) or 'none'}.")
    for (kind, name), cell in cells.items():
        for error, n in cell.errors.most_common(3):
            print(f"{kind} / {name}: {n} x {error}")
    print("\nReading (below 1: what our layer costs; all processes and the load client share the 2 cores):")
    for name, layers in kept.items():
        low, high = min(layers), max(layers)
        print(f"- over {name}, the service answers {low[0]:.2f}x ({low[1]}) to {high[0]:.2f}x ({high[1]}) of the engine's own req/s.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="oxigraph,virtuoso", help="comma-separated: oxigraph, virtuoso")
    parser.add_argument("--engine", help="one engine (overrides --engines)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per cell")
    parser.add_argument("--reps", type=int, default=3, help="repetitions, in alternating order")
    args = parser.parse_args()
    engines = [e.strip() for e in (args.engine or args.engines).split(",") if e.strip()]
    if not engines or set(engines) - {"oxigraph", "virtuoso"}:
        parser.error("engines: oxigraph and/or virtuoso")
    load = harness()
    load.use_uvloop()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped as by Ctrl+C: what it started is stopped too
    started, load_start = datetime.now().astimezone(), os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kg-remote-") as tmp, contextlib.ExitStack() as stack:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "KG_DATA_DIR": f"{tmp}/data", "KG_BASE_IRI": base, "KG_RECORDS_DIR": str(ROOT / "records")}
        try:
            subprocess.run([str(VENV_BIN / "kg"), "build"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            embedded, pid = serve(env, Path(tmp, "embedded.log"), stack, port)
            setups = [Setup("embedded", embedded, pid, None), *(s for name in engines for s in over_engine(name, env, tmp, stack))]
            texts = workload(embedded, base)
            plan = [(kind, s) for kind in KINDS for s in setups if not (kind == "document" and s.dataset is not None)]
            checked = functools.partial(check, load, base)
            batches = {(k, s.name): [(data, checked) for data in requests(s, k, texts[k], base)] for k, s in plan}
            counted: dict[tuple[str, str], dict[int, int]] = {(k, s.name): {} for k, s in plan}
            cold: dict[str, float] = {}  # seconds of the first pass of the documents (each built then)
            for kind, setup in plan:  # every request once before any timing, rows kept for the comparison
                primed, batch, began = Cell(), batches[(kind, setup.name)], time.perf_counter()
                asyncio.run(closed_loop(load, setup.url, batch, args.concurrency, 3600, len(batch), primed, warmup=0,
                                        timeout=600, counts=counted[(kind, setup.name)]))
                cold |= {setup.name: time.perf_counter() - began} if kind == "document" else {}
                if primed.failed:
                    raise RuntimeError(f"priming {setup.name} with {kind}: {dict(primed.errors)}")
            cells = {(k, s.name): Cell() for k, s in plan}
            for rep in range(args.reps):
                for kind in KINDS:
                    for setup in [s for k, s in plan if k == kind][:: 1 if rep % 2 == 0 else -1]:
                        cell = cells[(kind, setup.name)]
                        before = cpu_seconds(setup.service), cpu_seconds(setup.engine, tree=False)
                        asyncio.run(closed_loop(load, setup.url, batches[(kind, setup.name)], args.concurrency, args.duration, MAX_REQUESTS, cell))
                        cell.cpu = [cell.cpu[0] + cpu_seconds(setup.service) - before[0],
                                    cell.cpu[1] + cpu_seconds(setup.engine, tree=False) - before[1]]
                        print(f"rep {rep + 1} {kind} {setup.name}: {cell.rps[-1]:,.0f} req/s, {cell.failed} failed", file=sys.stderr, flush=True)
        except BaseException:
            print("".join(f"--- {log.name}, its end:\n{log.read_text(errors='replace')[-1500:]}\n" for log in Path(tmp).glob("*.log")), file=sys.stderr)
            raise
    report(load, args, engines, plan, cells, counted, texts, started, load_start)
    print("- first pass of the documents, concurrency " + f"{args.concurrency} (each built then cached): " +
          ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cold.items()))


if __name__ == "__main__":
    main()
