#!/usr/bin/env python3
"""`kg serve` and Oxigraph's server measured in alternation, query by query, on the same data.

    .venv/bin/python bench/interleaved.py [--dataset 1m] [--reps 5] [--duration 5] [--concurrency 8]

The shared harness (bench/run.sh) measures one server after the other, minutes apart; on a
shared 2-core machine whose speed drifts by a third within minutes, that moves the ratios as
much as any change does. Here both servers run side by side (each idle while the other is
measured) and each repetition of each query measures one right after the other, in alternating
order, with the harness's own load driver (../shared/bench/load.py: closed loop, keep-alive,
every response checked). The ratio reported is the median of the per-repetition ratios.

Data: the harness's synthetic graph ($PEERBENCH/data/kg-DATASET.nt, made by its setup.sh) and
its six queries with their bindings. Oxigraph is the `oxigraph` command of the project's test
extra (`oxigraph load`, then `oxigraph serve`, as the harness starts it); kg is `kg load`, then
`kg serve` with its defaults. Memory is each server's process tree after the run: RSS summed,
and PSS (shared pages counted once).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


from common import SHARED_BENCH, VENV_BIN, free_port, harness, wait_ready  # bench/common.py (scripts run as bench/NAME.py)

PEERBENCH = Path(os.environ.get("PEERBENCH", "/tmp/peerbench"))
QUERIES = ("q1_entity", "q2_search", "q3_join", "q4_aggregate", "q5_construct", "q6_ask")


def tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def memory_mib(pid: int) -> tuple[float, float]:
    """RSS summed and PSS of the process and its descendants, in MiB."""
    rss = pss = 0
    for member in tree(pid):
        try:
            rss += next(int(line.split()[1]) for line in Path(f"/proc/{member}/status").read_text().splitlines() if line.startswith("VmRSS:"))
            pss += next(int(line.split()[1]) for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines() if line.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
    return rss / 1024, pss / 1024


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs if r[key] is not None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="1m")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--queries", nargs="*", default=list(QUERIES))
    args = parser.parse_args()
    load = harness()
    load.use_uvloop()
    data = PEERBENCH / "data" / f"kg-{args.dataset}.nt"
    params_file = PEERBENCH / "data" / f"kg-{args.dataset}.params.json"
    if not data.is_file():
        sys.exit(f"no {data}: run {SHARED_BENCH / 'setup.sh'} first")
    params = json.loads(params_file.read_text())
    variants = {q: load.render((SHARED_BENCH / "queries" / f"{q}.rq").read_text(), params) for q in args.queries}

    with tempfile.TemporaryDirectory() as tmp:
        kg_port, ox_port = free_port(), free_port()
        env = {**os.environ, "KG_DATA_DIR": f"{tmp}/kg", "KG_BASE_IRI": f"http://127.0.0.1:{kg_port}"}
        subprocess.run([str(VENV_BIN / "kg"), "load", str(data)], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([str(VENV_BIN / "oxigraph"), "load", "--location", f"{tmp}/ox", "--file", str(data)],
                       check=True, capture_output=True)
        servers = {
            "kg": subprocess.Popen([str(VENV_BIN / "kg"), "serve", "--port", str(kg_port)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            "oxigraph": subprocess.Popen([str(VENV_BIN / "oxigraph"), "serve", "--location", f"{tmp}/ox",
                                          "--bind", f"127.0.0.1:{ox_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        }
        endpoints = {"kg": f"http://127.0.0.1:{kg_port}/sparql", "oxigraph": f"http://127.0.0.1:{ox_port}/query"}
        results: dict[tuple[str, str], list[dict]] = {}
        try:
            wait_ready(f"http://127.0.0.1:{kg_port}/health", servers["kg"])
            wait_ready(f"http://127.0.0.1:{ox_port}/", servers["oxigraph"])
            for rep in range(args.reps):
                for query in args.queries:
                    order = ["kg", "oxigraph"] if rep % 2 == 0 else ["oxigraph", "kg"]
                    for name in order:
                        run = asyncio.run(load.run_load(load.Endpoint(endpoints[name]), variants[query],
                                                        args.concurrency, args.duration))
                        results.setdefault((query, name), []).append(run)
                        print(f"rep {rep + 1} {query} {name}: {run['rps']:,.1f} req/s, p99 {run['p99_ms']} ms, "
                              f"{run['errors']} errors", file=sys.stderr, flush=True)
            memory = {name: memory_mib(server.pid) for name, server in servers.items()}
        finally:
            for server in servers.values():
                server.terminate()
                server.wait(timeout=15)

    print(f"{data.name}, concurrency {args.concurrency}, {args.reps} repetitions x {args.duration:g} s, "
          "kg and Oxigraph alternating\n")
    print("| query | kg req/s | oxigraph req/s | kg / oxigraph (median; range) | kg p99 ms | oxigraph p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for query in args.queries:
        kg, ox = results[(query, "kg")], results[(query, "oxigraph")]
        ratios = sorted(a["rps"] / b["rps"] for a, b in zip(kg, ox) if b["rps"])
        print(f"| {query} | {median(kg, 'rps'):,.1f} | {median(ox, 'rps'):,.1f} | **{statistics.median(ratios):.2f}x** "
              f"({ratios[0]:.2f}-{ratios[-1]:.2f}) | {median(kg, 'p99_ms'):,.1f} | {median(ox, 'p99_ms'):,.1f} "
              f"| {sum(r['errors'] for r in kg + ox)} |")
    print("\n| server | RSS MiB (summed over processes) | PSS MiB |")
    print("|---|---|---|")
    for name, (rss, pss) in memory.items():
        print(f"| {name} | {rss:,.0f} | {pss:,.0f} |")
    kg_rss, kg_pss = memory["kg"]
    ox_rss, _ = memory["oxigraph"]
    print(f"\nkg / oxigraph memory: {kg_rss / ox_rss:.2f}x by RSS, {kg_pss / ox_rss:.2f}x by PSS (Oxigraph is one process)")


if __name__ == "__main__":
    main()
