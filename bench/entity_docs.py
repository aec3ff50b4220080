#!/usr/bin/env python3
"""Entity documents of `kg serve` beside Oxigraph's server answering the same entities, in one run.

    .venv/bin/python bench/entity_docs.py [--duration 5] [--concurrency 8] [--reps 3]

Builds the curated graph into a temporary data directory, exports it as N-Quads into an
Oxigraph server (`oxigraph serve-read-only`, from the test extra), starts `kg serve` on the
store, and drives both with the shared harness's HTTP client (../shared/bench/load.py,
SHARED_BENCH to override), closed loop, one keep-alive connection per client, every response
checked, rotating over every labelled entity of the graph:

- kg document: `GET /id/...`, `Accept: application/ld+json`: the whole entity document
  (statements, labels of linked nodes, incoming links, evidence with quotes); checked by
  parsing the JSON and finding the entity's `@id`.
- kg document, no cache: the same from a second `kg serve` with KG_DOCUMENT_CACHE_MB=0, which
  builds every document anew (what a first request of each document costs).
- kg CONSTRUCT and oxigraph CONSTRUCT: the entity's outgoing and incoming triples (the shared
  harness's q5), N-Triples, parsed by pyoxigraph: the least an entity page needs, on both.

Ratios are to Oxigraph's CONSTRUCT measured in the same run. Timings vary between runs on a
shared 2-core machine: compare only figures of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import statistics
import subprocess
import tempfile
import time
from urllib.parse import quote

import httpx
import pyoxigraph

from common import ROOT, VENV_BIN, free_port, harness, wait_ready  # bench/common.py (scripts run as bench/NAME.py)

CONSTRUCT = "CONSTRUCT {{ <{e}> ?p ?o . ?s ?q <{e}> . }} WHERE {{ {{ <{e}> ?p ?o . }} UNION {{ ?s ?q <{e}> . }} }}"








def check_document(iri: str):
    def check(status: int, headers: dict, body: bytes) -> None:
        if status != 200 or not headers.get("content-type", "").startswith("application/ld+json"):
            raise ValueError(f"status {status}, {headers.get('content-type')}")
        node = json.loads(body).get("@id", "")  # a compact IRI: kind:slug
        if not iri.endswith("/" + node.partition(":")[2]):
            raise ValueError(f"document of {node}, not of {iri}")

    return check


def check_triples(status: int, headers: dict, body: bytes) -> None:
    if status != 200:
        raise ValueError(f"status {status}")
    if not any(True for _ in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.N_TRIPLES)):
        raise ValueError("no triples")


async def drive(load, host: str, port: int, requests: list[tuple[bytes, object]], concurrency: int, duration: float) -> dict:
    """Closed loop: `concurrency` connections send the requests in turn for `duration` seconds."""
    latencies: list[float] = []
    errors: collections.Counter = collections.Counter()
    counter = 0
    deadline = time.perf_counter() + 1 + duration  # one second of warm-up, not counted
    measure_from = deadline - duration

    async def client() -> None:
        nonlocal counter
        connection = load.Connection(host, port)
        while (now := time.perf_counter()) < deadline:
            data, check = requests[counter % len(requests)]
            counter += 1
            try:
                check(*await connection.request(data))
                if now >= measure_from:
                    latencies.append(time.perf_counter() - now)
            except Exception as exc:  # noqa: BLE001 - counted by kind, the run goes on
                errors[f"{type(exc).__name__}: {exc}"[:80]] += 1
                connection.close()
        connection.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    latencies.sort()
    return {
        "rps": len(latencies) / duration,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)] if latencies else None,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def get(host: str, port: int, target: str, accept: str) -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: {accept}\r\nUser-Agent: kg-bench\r\n\r\n".encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    load = harness()

    with tempfile.TemporaryDirectory() as tmp:
        kg_port, ox_port, cold_port = free_port(), free_port(), free_port()
        base = f"http://127.0.0.1:{kg_port}"
        env = {**os.environ, "KG_DATA_DIR": f"{tmp}/data", "KG_BASE_IRI": base, "KG_RECORDS_DIR": str(ROOT / "records")}
        kg = str(VENV_BIN / "kg")
        subprocess.run([kg, "build"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([kg, "export", "--format", "nq", "-o", f"{tmp}/graph.nq"], env=env, check=True)
        oxigraph = str(VENV_BIN / "oxigraph")
        subprocess.run([oxigraph, "load", "--location", f"{tmp}/ox", "--file", f"{tmp}/graph.nq"], check=True, capture_output=True)
        servers = [
            subprocess.Popen([kg, "serve", "--port", str(kg_port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            subprocess.Popen([kg, "serve", "--port", str(cold_port)], env={**env, "KG_DOCUMENT_CACHE_MB": "0"},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            subprocess.Popen([oxigraph, "serve-read-only", "--location", f"{tmp}/ox", "--bind", f"127.0.0.1:{ox_port}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        ]
        try:
            wait_ready(f"{base}/health", servers[0])
            wait_ready(f"http://127.0.0.1:{cold_port}/health", servers[1])
            wait_ready(f"http://127.0.0.1:{ox_port}/", servers[2])
            listing = httpx.get(f"{base}/sparql", params={"query": (
                "SELECT DISTINCT ?e WHERE { ?e rdfs:label ?l "
                f'FILTER(STRSTARTS(STR(?e), "{base}/id/")) }} ORDER BY ?e')},
                headers={"Accept": "application/sparql-results+json"}).json()
            # `#` nodes (figures, passages) are parts of their entity's document, not documents
            entities = [row["e"]["value"] for row in listing["results"]["bindings"] if "#" not in row["e"]["value"]]
            # the export holds the default graph (the union of the article graphs, materialised)
            targets = {
                "kg document (JSON-LD)": ("127.0.0.1", kg_port, [
                    (get("127.0.0.1", kg_port, e[len(base):], "application/ld+json"), check_document(e)) for e in entities]),
                "kg document, no cache": ("127.0.0.1", cold_port, [
                    (get("127.0.0.1", cold_port, e[len(base):], "application/ld+json"), check_document(e)) for e in entities]),
                "kg CONSTRUCT (N-Triples)": ("127.0.0.1", kg_port, [
                    (get("127.0.0.1", kg_port, "/sparql?query=" + quote(CONSTRUCT.format(e=e), safe=""), "application/n-triples"),
                     check_triples) for e in entities]),
                "oxigraph CONSTRUCT (N-Triples)": ("127.0.0.1", ox_port, [
                    (get("127.0.0.1", ox_port, "/query?query=" + quote(CONSTRUCT.format(e=e), safe=""),
                         "application/n-triples"), check_triples) for e in entities]),
            }
            results: dict[str, list[dict]] = {name: [] for name in targets}
            for _ in range(args.reps):  # interleaved, rep by rep
                for name, (host, port, requests) in targets.items():
                    results[name].append(asyncio.run(drive(load, host, port, requests, args.concurrency, args.duration)))
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=15)

    reference = statistics.median(r["rps"] for r in results["oxigraph CONSTRUCT (N-Triples)"])
    print(f"{len(entities)} entities, concurrency {args.concurrency}, {args.reps} x {args.duration:g} s, median over reps\n")
    print("| target | req/s | spread | p50 ms | p99 ms | errors | / oxigraph CONSTRUCT |")
    print("|---|---|---|---|---|---|---|")
    for name, runs in results.items():
        rps = [r["rps"] for r in runs]
        middle = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
        spread = (max(rps) - min(rps)) / statistics.median(rps) if statistics.median(rps) else 0
        print(f"| {name} | {statistics.median(rps):,.0f} | {spread:.0%} | {middle['p50_ms']:.2f} | {middle['p99_ms']:.2f} "
              f"| {sum(r['errors'] for r in runs)} | {statistics.median(rps) / reference:.2f}x |")
    for name, runs in results.items():
        for kind, count in collections.Counter(k for r in runs for k, n in r["error_kinds"].items() for _ in range(n)).items():
            print(f"{name}: {count} x {kind}")


if __name__ == "__main__":
    main()
