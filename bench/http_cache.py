#!/usr/bin/env python3
"""nginx's proxy_cache in front of one `kg serve`, beside the same requests sent to `kg serve`
directly: cold (a first pass over N distinct requests: every one a MISS) and warm (the same
again: every one a HIT), then conditional requests (If-None-Match) through the cache.

    .venv/bin/python bench/http_cache.py [--concurrency 8] [--warm-passes 10] [--entities 500] [--nginx-workers 1]

Builds the curated graph (`kg build`) into a temporary KG_DATA_DIR and starts two `kg serve` on
it, each with an empty document cache: one behind nginx (Debian's, deploy/nginx-cache.conf.template:
cache key method + URI + Accept, the service's Cache-Control, ETag and Vary honoured; run in the
foreground, its pid, logs, temporary files and cache in a temporary folder), one queried directly.
Requests, over every labelled entity of the graph: its document (`GET /id/...`) in Turtle,
N-Triples and JSON-LD by Accept, and two SPARQL SELECTs by GET (its statements, its incoming
links). A pass sends each request once over `--concurrency` keep-alive connections (the shared
harness's client, ../shared/bench/load.py); every response must be a 200 of the media type asked
for whose body parses. cold: the first pass; warm: `--warm-passes` more, alternating direct and
nginx, pooled. Through nginx the cold pass must be all MISS and the warm passes all HIT, and the
conditional requests must get 304: otherwise the responses at fault are printed with their
caching headers and the script exits with status 1. Loopback only; a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from urllib.parse import quote, urlsplit

import httpx

from common import ROOT, VENV_BIN, free_port, harness, stop_session, wait_ready  # bench/common.py (scripts run as bench/NAME.py)

TEMPLATE = ROOT / "deploy" / "nginx-cache.conf.template"
DOCUMENT_TYPES = ("text/turtle", "application/n-triples", "application/ld+json")
SPARQL_JSON = "application/sparql-results+json"
QUERIES = ("SELECT ?p ?o WHERE {{ <{e}> ?p ?o }} LIMIT 20", "SELECT ?s ?p WHERE {{ ?s ?p <{e}> }} LIMIT 20")
CACHING = ("cache-control", "etag", "vary", "expires", "set-cookie", "x-cache-status")
TIMEOUT = 30.0  # per request
Request = tuple[str, str]  # (target, Accept)


@dataclass
class Pass:
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    cpu: float = 0.0  # this client's CPU seconds
    failed: int = 0
    cache: collections.Counter = field(default_factory=collections.Counter)  # X-Cache-Status ("-": none)
    unexpected: list[str] = field(default_factory=list)  # responses whose X-Cache-Status was not the one expected


def check(load: ModuleType, accept: str, status: int, headers: dict[str, str], body: bytes) -> None:
    """A 200 of the media type asked for, whose body parses (a document with triples; SPARQL
    results, which may be none: an entity without incoming links)."""
    media = headers.get("content-type", "").split(";")[0].strip()
    if status != 200 or media != accept:
        raise load.BadResponse(f"HTTP {status}, {media or 'no content type'} for {accept}")
    if media == "application/ld+json":
        if "@id" not in json.loads(body):
            raise load.BadResponse("JSON-LD without @id")
    elif media == SPARQL_JSON:
        load.validate("SELECT", media, body)
    elif not load.validate("CONSTRUCT", media, body):
        raise load.BadResponse(f"no triples in {media}")


async def one_pass(load: ModuleType, url: str, requests: list[Request], concurrency: int, expected: str | None, done: Pass) -> None:
    """Each request once, `concurrency` keep-alive connections taking the next one in turn."""
    parts, todo = urlsplit(url), iter(requests)
    head = f"HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: kg-bench\r\nAccept: "

    async def client() -> None:
        connection = load.Connection(parts.hostname, parts.port)
        try:
            for target, accept in todo:  # bounded: the shared iterator ends
                begin = time.perf_counter()
                try:
                    async with asyncio.timeout(TIMEOUT):
                        status, headers, body = await connection.request(f"GET {target} {head}{accept}\r\n\r\n".encode())
                    check(load, accept, status, headers, body)
                except load.REQUEST_ERRORS as exc:
                    connection.close()
                    done.failed += 1
                    done.unexpected.append(f"{target[:70]} ({accept}): {type(exc).__name__}: {str(exc)[:100]}")
                    continue
                done.latencies.append(time.perf_counter() - begin)
                cached = headers.get("x-cache-status", "-")
                done.cache[cached] += 1
                if expected and cached != expected:
                    done.unexpected.append(f"{target[:70]} ({accept}): {cached}; "
                                           + "; ".join(f"{h}: {headers.get(h)}" for h in CACHING if h in headers))
        finally:
            connection.close()

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    done.elapsed += time.perf_counter() - start
    done.cpu += time.process_time() - cpu
    done.latencies.sort()


def exchange(url: str, target: str, accept: str, if_none_match: str | None = None) -> httpx.Response:
    """One request as the passes send it: Accept, no Accept-Encoding (the cache's Vary names it);
    by httpx, which knows that a 304 has no body."""
    with httpx.Client(timeout=TIMEOUT) as client:
        del client.headers["accept-encoding"]
        return client.get(url + target, headers={"Accept": accept, **({"If-None-Match": if_none_match} if if_none_match else {})})


def conditional(nginx: str, direct: str, requests: dict[str, list[Request]], entity: str) -> tuple[list[str], list[str]]:
    """If-None-Match with the ETag as received and in its other form (W/ added or removed), and a
    tag that matches nothing: Markdown rows, and what did not answer as it should."""
    unseen = ("/sparql?query=" + quote(QUERIES[0].format(e=entity).replace("LIMIT 20", "LIMIT 7"), safe=""), SPARQL_JSON)
    cases = [("entity document, cached", requests["entity documents"][0]), ("SPARQL, cached", requests["SPARQL"][0]),
             ("SPARQL, not yet in nginx's cache", unseen)]
    rows, problems = [], []
    for name, (target, accept) in cases:
        etag = exchange(direct, target, accept).headers.get("etag", "")
        other = etag[2:] if etag.startswith("W/") else f"W/{etag}"
        for sent, want in ((etag, 304), (other, 304), ('"no-such-tag"', 200)):
            through = exchange(nginx, target, accept, sent)
            status, status_direct = through.status_code, exchange(direct, target, accept, sent).status_code
            rows.append(f"| {name} | {accept} | `{etag}` | `{sent}` | {status} ({through.headers.get('x-cache-status', '-')}) | {status_direct} |")
            if status != want or status_direct != want:
                problems.append(f"{name}, If-None-Match {sent}: nginx {status}, kg direct {status_direct}, expected {want}")
    return rows, problems


def nginx_config(folder: Path, **values: object) -> Path:
    """deploy/nginx-cache.conf.template with its {{name}} placeholders filled in, in `folder`."""
    text = re.sub(r"\{\{(\w+)\}\}", lambda m: str(values[m.group(1)]), TEMPLATE.read_text())  # KeyError: one not given
    (folder / "nginx.conf").write_text(text)
    return folder / "nginx.conf"


def entities_of(url: str, base: str, limit: int) -> list[str]:
    query = f'SELECT DISTINCT ?e WHERE {{ ?e rdfs:label ?l FILTER(STRSTARTS(STR(?e), "{base}/id/")) }} ORDER BY ?e'
    rows = httpx.get(f"{url}/sparql", params={"query": query}, headers={"Accept": SPARQL_JSON}, timeout=60).json()
    return [r["e"]["value"] for r in rows["results"]["bindings"] if "#" not in r["e"]["value"]][:limit]


def row(group: str, target: str, phase: str, done: Pass, n: int, reference: Pass | None, load: ModuleType) -> str:
    rps = len(done.latencies) / done.elapsed
    ratio = f"{rps / (len(reference.latencies) / reference.elapsed):.2f}x" if reference else ""
    p50, p99 = (1000 * (load.percentile(done.latencies, q) or float("nan")) for q in (0.5, 0.99))
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(done.cache.items())) if done.cache.keys() != {"-"} else "-"
    return (f"| {group} | {target} | {phase} | {n} | {rps:,.0f} | {ratio} | {p50:.2f} | {p99:.2f} | {done.failed} "
            f"| {statuses} | {100 * done.cpu / done.elapsed:.0f}% |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warm-passes", type=int, default=10, help="warm passes over all the requests, per target")
    parser.add_argument("--entities", type=int, default=500, help="at most this many entities")
    parser.add_argument("--nginx-workers", default="1", help="nginx's worker_processes (a number or auto)")
    args = parser.parse_args()
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    load = harness()
    load.use_uvloop()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped as by Ctrl+C: what it started is stopped too
    started, load_average = datetime.now().astimezone(), os.getloadavg()[0]
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="kg-http-cache-") as tmp:
        os.chmod(tmp, 0o755)  # run as root, nginx's workers are `nobody`: they write its cache and temporary files
        kg_port, direct_port, nginx_port = free_port(), free_port(), free_port()
        nginx, direct = f"http://127.0.0.1:{nginx_port}", f"http://127.0.0.1:{direct_port}"
        env = {**os.environ, "KG_DATA_DIR": f"{tmp}/data", "KG_BASE_IRI": nginx, "KG_RECORDS_DIR": str(ROOT / "records")}
        kg = str(VENV_BIN / "kg")
        subprocess.run([kg, "build"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        (folder := Path(tmp, "nginx")).mkdir()
        config = nginx_config(folder, prefix=folder, port=nginx_port, upstream_port=kg_port, workers=args.nginx_workers)
        try:
            for port in (kg_port, direct_port):
                processes.append(subprocess.Popen([kg, "serve", "--port", str(port)], env=env, cwd=ROOT, start_new_session=True,
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                wait_ready(f"http://127.0.0.1:{port}/health", processes[-1])
            processes.append(subprocess.Popen([nginx_bin, "-p", str(folder), "-c", str(config), "-g", "daemon off;"],
                                              start_new_session=True, stdout=subprocess.DEVNULL))  # errors: on stderr
            wait_ready(f"{nginx}/health", processes[-1])  # /health carries no Cache-Control: not stored
            entities = entities_of(direct, nginx, args.entities)
            requests = {
                "entity documents": [(e[len(nginx):], media) for media in DOCUMENT_TYPES for e in entities],
                "SPARQL": [("/sparql?query=" + quote(q.format(e=e), safe=""), SPARQL_JSON) for q in QUERIES for e in entities],
            }
            passes = {(group, target, phase): Pass() for group in requests for target in ("kg direct", "nginx")
                      for phase in ("cold", "warm")}
            for url in (direct, f"http://127.0.0.1:{kg_port}"):  # the store read once by each (the OS's page cache warm)
                httpx.get(f"{url}/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}, timeout=60)
            for i, (group, batch) in enumerate(requests.items()):
                for rep in range(1 + args.warm_passes):  # which target goes first alternates
                    both = [("kg direct", direct, None), ("nginx", nginx, "MISS" if rep == 0 else "HIT")]
                    for target, url, expected in both[:: -1 if (i + rep) % 2 else 1]:
                        phase = "cold" if rep == 0 else "warm"
                        asyncio.run(one_pass(load, url, batch, args.concurrency, expected, passes[(group, target, phase)]))
            rows, problems = conditional(nginx, direct, requests, entities[0])
            samples = {group: exchange(direct, *batch[0]).headers for group, batch in requests.items()}
            if (error_log := folder / "error.log").stat().st_size:
                print(f"nginx's error log:\n{error_log.read_text()[-2000:]}", file=sys.stderr)
        finally:
            for process in reversed(processes):
                stop_session(process, 20)

    print(f"Run of {started:%Y-%m-%d %H:%M %Z} on this shared 2-core machine (load average {load_average:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end): "
          f"the curated graph, {len(entities)} entities; concurrency {args.concurrency}; nginx {args.nginx_workers} worker(s); "
          f"cold = one pass, warm = {args.warm_passes} passes pooled; every response checked.\n")
    print("| requests | target | pass | distinct | req/s | vs kg direct | p50 ms | p99 ms | failed | X-Cache-Status | client CPU |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for group, batch in requests.items():
        for phase in ("cold", "warm"):
            reference = passes[(group, "kg direct", phase)]
            for target in ("kg direct", "nginx"):
                print(row(group, target, phase, passes[(group, target, phase)], len(batch),
                          reference if target == "nginx" else None, load))
    print("\nCaching headers as kg serve sends them (first request of each group):")
    for group, headers in samples.items():
        print(f"- {group}: " + "; ".join(f"{h}: {headers[h]}" for h in CACHING if h in headers))
    print("\nConditional requests (If-None-Match), through nginx (X-Cache-Status) and to kg serve directly:\n")
    print("| request | Accept | ETag received | If-None-Match sent | nginx | kg direct |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    unexpected = [f"{group}, {target}, {phase}: {line}" for (group, target, phase), done in passes.items()
                  for line in done.unexpected]
    if unexpected or problems:
        print(f"\nFAILED: {len(unexpected)} responses not as expected (first 20), {len(problems)} conditional requests:")
        print("\n".join(unexpected[:20] + problems))
        raise SystemExit(1)
    print("\nEvery cold response through nginx was a MISS, every warm one a HIT; every matching If-None-Match got 304.")


if __name__ == "__main__":
    main()
