#!/usr/bin/env python3
"""A fault suite anyone can rerun: `kg serve` under load while things go wrong, and the same
abuse against Oxigraph's server where it applies. Loopback only, every loop bounded.

    .venv/bin/python bench/faults.py [--seconds 15] [--timeout 5] [--scenarios steady runaways ...]

The graph is the curated one (built into a temporary folder). "Cheap" clients send entity
lookups of a few milliseconds in a closed loop (4 clients); each scenario adds its trouble:

- steady: nothing else (the reference);
- runaways: one client keeps eight runaway queries (a cross product) in flight at all times;
- crashers: one client sends queries that crash the engine when they reach it (10,000 `!`, a
  10,000-step path, 10,000 UNIONs, braces nested 5,000 deep) back to back;
- kill: the query processes are killed (SIGKILL) every 2 s;
- cannot-start: the store's folder is moved away and the query processes killed, so that no new
  one can open it, for a third of the scenario; then it is moved back;
- hung: the query processes are stopped (SIGSTOP) for a third of the scenario, as a process
  stuck in the kernel would be, then continued (SIGCONT) if still there;
- builds: `kg build` into the served data directory every 3 s, every other one from records
  that fail validation, while serving;
- publish: `kg build` of changed records (one more alternative name, or one fewer, and a
  comment that makes each a version of its own) into the served data directory, again 2 s
  after each build ends: each new version must be served without a failed request, and the old
  engines closed (memory must not grow per version);
- restart: `kg serve` killed (SIGKILL) and started again, once;
- slow-clients: 200 connections that send a request line and then a header every 2 s, never
  the end of the headers (slowloris), and 100 that send nothing, held open the whole scenario;
- full-disk: a server of its own whose data directory is a small tmpfs (needs root to mount
  it), filled to the last 64 KB; `kg build` into it every 3 s while full, then the filler is
  removed and one more build must succeed.

Each scenario prints, for the cheap queries: requests, failed (anything but 200), 5xx, p50, p99
and maximum latency; the resident memory of the server and all its processes at the start and
the end (the scenarios run one after the other on one server, so the column is memory over
time); for the trouble: what it was answered; for cannot-start, the time from the store's
return to the first cheap query answered again; for publish, the time from each build's end to
the first answer of its version (negative when the service switched before the build command
had exited: it prunes after the swap), and the memory and the query processes before each build.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from common import ROOT, VENV_BIN, free_port, wait_ready  # bench/common.py (scripts run as bench/NAME.py)

BASE = "http://kg.test"
PEOPLE = ("colin-knox", "rassul-rysmambetov", "alikhan-baimenov", "saltanat-janenova", "norimasa-shimomura")
LOOKUP = "SELECT ?p ?o WHERE { <" + BASE + "/id/person/%s> ?p ?o }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } # %d"
CRASHERS = (
    "SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }",
    "SELECT * WHERE { ?s " + "/".join(["<http://e/p>"] * 10_000) + " ?o }",
    "ASK {}" + " UNION {}" * 10_000,
    "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
)
SCENARIOS = ("steady", "runaways", "crashers", "kill", "cannot-start", "hung", "builds", "publish", "restart", "slow-clients",
             "full-disk")
FOR_ANY_SERVER = ("steady", "runaways", "slow-clients")  # the others need kg's processes or data directory


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Target:
    """A server under test: its URL, its process, and what can be done to it."""

    def __init__(self, name: str, sparql: str, process: subprocess.Popen, data: Path | None,
                 command: list[str] | None = None, env: dict | None = None):
        self.name, self.sparql, self.process, self.data = name, sparql, process, data
        self.command, self.env = command, env

    def query_processes(self) -> list[int]:
        pids, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    children = [int(c) for c in (task / "children").read_text().split()]
                except OSError:
                    continue
                todo += children
                for child in children:
                    try:
                        if b"engine.child" in Path(f"/proc/{child}/cmdline").read_bytes():
                            pids.append(child)
                    except OSError:
                        pass
        return pids

    def rss_mb(self) -> int:
        """Resident memory of the server and every process below it."""
        total, todo = 0, [self.process.pid]
        while todo:
            pid = todo.pop()
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                total += int(status.split("VmRSS:")[1].split()[0]) if "VmRSS:" in status else 0
                for task in Path(f"/proc/{pid}/task").glob("*"):
                    todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
        return total // 1024

    def kill_query_processes(self, sig: int = signal.SIGKILL) -> list[int]:
        pids = self.query_processes()
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        return pids


async def cheap_client(client: httpx.AsyncClient, url: str, offset: int, until: float, record: list) -> None:
    i = offset
    while time.monotonic() < until:
        started = time.monotonic()
        version = None
        try:
            response = await client.get(url, params={"query": LOOKUP % PEOPLE[i % len(PEOPLE)]})
            status, version = response.status_code, response.headers.get("kg-graph-version")
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        record.append((status, time.monotonic() - started, started, version))
        i += 1


async def trouble_runaways(client: httpx.AsyncClient, url: str, until: float, answers: Counter) -> None:
    async def one(n: int) -> None:
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                response = await client.get(url, params={"query": RUNAWAY % n}, timeout=120)
                answers[f"{response.status_code} after {round(time.monotonic() - started)} s"] += 1
            except httpx.HTTPError as exc:
                answers[type(exc).__name__] += 1

    await asyncio.gather(*(one(n) for n in range(8)))


async def trouble_crashers(client: httpx.AsyncClient, url: str, until: float, answers: Counter) -> None:
    n = 0
    while time.monotonic() < until:
        query = CRASHERS[n % len(CRASHERS)]
        try:
            response = await client.post(url, content=query.encode(), headers={"Content-Type": "application/sparql-query"})
            answers[str(response.status_code)] += 1
        except httpx.HTTPError as exc:
            answers[type(exc).__name__] += 1
        n += 1


async def trouble_kill(target: Target, until: float, answers: Counter) -> None:
    while time.monotonic() < until - 2:
        await asyncio.sleep(2)
        answers["query processes killed"] += len(target.kill_query_processes())


async def trouble_hung(target: Target, until: float, answers: Counter) -> None:
    third = (until - time.monotonic()) / 3
    await asyncio.sleep(third)
    stopped = target.kill_query_processes(signal.SIGSTOP)
    answers["query processes stopped"] += len(stopped)
    await asyncio.sleep(third)
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            answers["stopped ones killed and replaced by then"] += 1


async def trouble_builds(target: Target, until: float, answers: Counter) -> None:
    broken = broken_records(target.data.parent)
    n = 0
    while time.monotonic() < until - 4:
        await asyncio.sleep(3)
        records = broken if n % 2 else Path(target.env["KG_RECORDS_DIR"])
        built = await asyncio.to_thread(subprocess.run, [str(VENV_BIN / "kg"), "build", "--records", str(records)],
                                        env=target.env, capture_output=True)
        if n % 2:
            answers["builds from broken records that failed, as they should"] += built.returncode != 0
        else:
            answers["builds that succeeded"] += built.returncode == 0
        n += 1


async def trouble_publish(target: Target, until: float, answers: Counter, record: list) -> None:
    records = target.data.parent / "published-records"
    shutil.copytree(ROOT / "records", records, ignore=shutil.ignore_patterns("drafts"))
    first = sorted(records.glob("*.yaml"))[0]
    original = first.read_text()
    lags, rss, processes, durations, around, n = [], [], [], [], [], 0
    while time.monotonic() < until - 12:  # a build under this load takes ~9 s on 2 cores
        text = original.replace("    alt: [NAC]\n", "    alt: [NAC, policy think tank]\n", 1) if n % 2 == 0 else original
        first.write_text(f"{text}# publish {n}\n")
        rss.append(target.rss_mb())
        processes.append(len(target.query_processes()))
        started = time.monotonic()
        built = await asyncio.to_thread(subprocess.run, [str(VENV_BIN / "kg"), "build", "--records", str(records)],
                                        env=target.env, capture_output=True, text=True)
        ended = time.monotonic()
        durations.append(round(ended - started, 1))
        n += 1
        if built.returncode != 0:
            answers[f"build failed: {built.stderr.strip()[-120:]}"] += 1
            continue
        version = json.loads((target.data / "current.json").read_text())["version"]
        while time.monotonic() < ended + 15:
            answered = [started + seconds for _, seconds, started, v in record if v == version]
            if answered:
                lags.append(round(min(answered) - ended, 2))
                break
            await asyncio.sleep(0.05)
        else:
            answers["versions not served within 15 s"] += 1
        await asyncio.sleep(2)
        switching = [seconds for _, seconds, started, _ in record if ended - 1 <= started <= ended + 2]
        around.append(round(max(switching, default=0) * 1000))
    answers["builds"] = n
    answers["build seconds"] = durations
    answers["build end -> first answer of its version (s)"] = lags
    answers["slowest lookup from 1 s before to 2 s after each build's end (ms)"] = around
    answers["RSS MB before each build"] = rss
    answers["query processes before each build"] = processes
    answers["stores on disk at the end"] = len(list((target.data / "stores").iterdir()))


async def trouble_restart(target: Target, until: float, answers: Counter, record: list) -> None:
    await asyncio.sleep((until - time.monotonic()) / 3)
    target.process.kill()
    target.process.wait()
    killed = time.monotonic()
    target.process = subprocess.Popen(target.command, env=target.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.monotonic() < until:
        await asyncio.sleep(0.05)
        answered = [started for status, _, started, _ in record if status == 200 and started >= killed]
        if answered:
            answers["answering again after (s)"] = round(min(answered) - killed, 3)
            return


async def trouble_cannot_start(target: Target, until: float, answers: Counter, record: list) -> None:
    store = target.data / json.loads((target.data / "current.json").read_text())["path"]
    away = store.with_name(store.name + ".away")
    third = (until - time.monotonic()) / 3
    await asyncio.sleep(third)
    store.rename(away)
    answers["query processes killed"] += len(target.kill_query_processes())
    await asyncio.sleep(third)
    away.rename(store)
    back = time.monotonic()
    while time.monotonic() < until:
        await asyncio.sleep(0.05)
        answered = [started for status, _, started, _ in record if status == 200 and started >= back]
        if answered:
            answers["recovered after (s)"] = round(min(answered) - back + 0.0, 3)
            return


async def trouble_slow_clients(target: Target, until: float, answers: Counter) -> None:
    host, port = target.sparql.removeprefix("http://").split("/")[0].split(":")
    opened = time.monotonic()

    async def one(n: int, loris: bool) -> None:
        try:
            reader, writer = await asyncio.open_connection(host, int(port))
        except OSError as exc:
            answers[f"could not connect: {type(exc).__name__}"] += 1
            return
        try:
            if loris:
                writer.write(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")
            while time.monotonic() < until:
                try:
                    data = await asyncio.wait_for(reader.read(4096), timeout=2)
                except TimeoutError:
                    if loris:
                        writer.write(b"X-Slow-%d: y\r\n" % n)
                    continue
                kind = "slowloris" if loris else "silent"
                after = round(time.monotonic() - opened)
                answer = data.split(b"\r\n", 1)[0].decode(errors="replace")[9:12] if data else "closed"
                answers[f"{kind}: {answer or 'closed'} after ~{after} s"] += 1
                return
            answers[f"{'slowloris' if loris else 'silent'}: still open at the end"] += 1
        except OSError as exc:
            answers[f"{'slowloris' if loris else 'silent'}: {type(exc).__name__}"] += 1
        finally:
            writer.close()

    await asyncio.gather(*(one(n, n < 200) for n in range(300)))


async def trouble_full_disk(target: Target, until: float, answers: Counter) -> None:
    filler = target.data.parent / "filler"
    free = shutil.disk_usage(target.data).free
    with open(filler, "wb") as out:  # the disk full but for 64 KB
        out.truncate(0)
        os.posix_fallocate(out.fileno(), 0, max(0, free - 64 * 1024))
    version = httpx.get(target.sparql.replace("/sparql", "/health")).json().get("version")
    stores_before = sorted(p.name for p in (target.data / "stores").iterdir())
    kg = [str(VENV_BIN / "kg"), "build"]
    while time.monotonic() < until - 6:
        await asyncio.sleep(3)
        built = await asyncio.to_thread(subprocess.run, kg, env=target.env, capture_output=True, text=True)
        last = (built.stderr.strip().splitlines() or ["(no message)"])[-1][:90]
        answers[f"build on the full disk: exit {built.returncode}, {last!r}"] += 1
    answers["stores left behind by the failed builds"] = len(set(p.name for p in (target.data / "stores").iterdir()) - set(stores_before))
    answers["served version unchanged"] = httpx.get(target.sparql.replace("/sparql", "/health")).json().get("version") == version
    filler.unlink()
    built = await asyncio.to_thread(subprocess.run, kg, env=target.env, capture_output=True, text=True)
    answers["build after the disk was freed"] = "succeeded" if built.returncode == 0 else built.stderr.strip()[-120:]


async def scenario(target: Target, name: str, seconds: float) -> dict:
    until = time.monotonic() + seconds
    record: list = []
    answers: Counter = Counter()
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(timeout=60, limits=limits) as cheap, httpx.AsyncClient(timeout=60, limits=limits) as bad:
        trouble = {
            "runaways": lambda: trouble_runaways(bad, target.sparql, until, answers),
            "crashers": lambda: trouble_crashers(bad, target.sparql, until, answers),
            "kill": lambda: trouble_kill(target, until, answers),
            "cannot-start": lambda: trouble_cannot_start(target, until, answers, record),
            "hung": lambda: trouble_hung(target, until, answers),
            "builds": lambda: trouble_builds(target, until, answers),
            "publish": lambda: trouble_publish(target, until, answers, record),
            "restart": lambda: trouble_restart(target, until, answers, record),
            "slow-clients": lambda: trouble_slow_clients(target, until, answers),
            "full-disk": lambda: trouble_full_disk(target, until, answers),
        }.get(name)
        rss_start = target.rss_mb()
        troubling = asyncio.create_task(trouble()) if trouble else None
        await asyncio.gather(*(cheap_client(cheap, target.sparql, k, until, record) for k in range(4)))
        if troubling is not None:  # a runaway a server never stops would keep it forever: bounded
            try:
                await asyncio.wait_for(troubling, timeout=15)
            except TimeoutError:
                answers["still running at the end"] += 1
    rss_end = target.rss_mb()
    seconds_taken = [s for _, s, _, _ in record]
    statuses = Counter(status for status, _, _, _ in record)
    return {
        "target": target.name,
        "scenario": name,
        "requests": len(record),
        "failed": sum(n for status, n in statuses.items() if status != 200),
        "5xx": sum(n for status, n in statuses.items() if isinstance(status, int) and status >= 500),
        "p50 ms": round(statistics.median(seconds_taken) * 1000, 1) if seconds_taken else None,
        "p99 ms": round(percentile(seconds_taken, 0.99) * 1000, 1),
        "max ms": round(max(seconds_taken, default=0) * 1000, 1),
        "rss MB": f"{rss_start} -> {rss_end}",
        "trouble": dict(answers),
    }


def broken_records(tmp: Path) -> Path:
    """The curated records, one entity's label taken out: validation fails."""
    broken = tmp / "broken-records"
    if not broken.is_dir():
        shutil.copytree(ROOT / "records", broken, ignore=shutil.ignore_patterns("drafts"))
        first = sorted(broken.glob("*.yaml"))[0]
        text = first.read_text()
        start = text.index("    label:", text.index("entities:"))
        first.write_text(text[:start] + text[text.index("\n", start) + 1:])
    return broken


def start_kg(tmp: Path, timeout: float, data: Path | None = None) -> Target:
    data = data or tmp / "data"
    env = {**os.environ, "KG_DATA_DIR": str(data), "KG_BASE_IRI": BASE, "KG_RECORDS_DIR": str(ROOT / "records"),
           "KG_QUERY_TIMEOUT": str(timeout)}
    subprocess.run([str(VENV_BIN / "kg"), "build"], env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    command = [str(VENV_BIN / "kg"), "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{port}/health", process)
    return Target("kg" if data == tmp / "data" else "kg on a tmpfs", f"http://127.0.0.1:{port}/sparql", process, data, command, env)


def start_oxigraph(tmp: Path, kg: Target) -> Target:
    dump = tmp / "graph.nq"
    subprocess.run([str(VENV_BIN / "kg"), "export", "--format", "nq", "-o", str(dump)],
                   env={**os.environ, "KG_DATA_DIR": str(kg.data)}, check=True, stderr=subprocess.DEVNULL)
    store = tmp / "oxigraph"
    subprocess.run([str(VENV_BIN / "oxigraph"), "load", "--location", str(store), "--file", str(dump)], check=True,
                   capture_output=True)
    port = free_port()
    process = subprocess.Popen([str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", str(store),
                                "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", process)
    return Target("oxigraph", f"http://127.0.0.1:{port}/query", process, None)


def directory_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_on_tmpfs(tmp: Path, kg: Target, timeout: float, seconds: float) -> dict:
    """The full-disk scenario: a server of its own over a data directory on a tmpfs six times
    the size of one built data directory, room for the served store and a build's transient
    files (mounting needs root)."""
    disk = tmp / "disk"
    disk.mkdir()
    size_mb = 6 * directory_bytes(kg.data) // 2**20 + 16
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(disk)], capture_output=True, text=True)
    if mounted.returncode != 0:
        return {"target": "kg on a tmpfs", "scenario": "full-disk", "skipped": mounted.stderr.strip() or "mount failed"}
    target = None
    try:
        target = start_kg(tmp, timeout, data=disk / "data")
        return asyncio.run(scenario(target, "full-disk", seconds))
    finally:
        if target is not None:
            target.process.terminate()
            target.process.wait(timeout=15)
        subprocess.run(["umount", str(disk)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--timeout", type=float, default=5, help="KG_QUERY_TIMEOUT of the kg server")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--no-oxigraph", action="store_true", help="kg only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        kg = start_kg(tmp, args.timeout)
        targets = [kg]
        if not args.no_oxigraph:
            targets.append(start_oxigraph(tmp, kg))
        try:
            rows = []
            for target in targets:  # Oxigraph last: the runaways it never stops keep its CPU busy
                for name in args.scenarios:
                    if target.name == "oxigraph" and name not in FOR_ANY_SERVER:
                        continue  # nothing to kill or move away; one crasher ends its process (README)
                    if name == "full-disk":
                        row = run_on_tmpfs(tmp, kg, args.timeout, args.seconds)
                    else:
                        row = asyncio.run(scenario(target, name, args.seconds))
                    rows.append(row)
                    print(json.dumps(row), flush=True)
        finally:
            for target in targets:
                target.process.terminate()
                try:
                    target.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    target.process.kill()
            shutil.rmtree(tmp / "oxigraph", ignore_errors=True)
    print(f"\n{args.seconds:g} s per scenario, 4 cheap clients (entity lookups), kg's time limit {args.timeout:g} s\n")
    print("| target | scenario | cheap requests | failed | 5xx | p50 ms | p99 ms | max ms | RSS MB, start -> end | the trouble was answered |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        if "skipped" in row:
            print(f"| {row['target']} | {row['scenario']} | skipped: {row['skipped']} |||||||")
            continue
        trouble = ", ".join(f"{k}: {v}" for k, v in sorted(row["trouble"].items())) or "-"
        print(f"| {row['target']} | {row['scenario']} | {row['requests']:,} | {row['failed']} | {row['5xx']} | "
              f"{row['p50 ms']} | {row['p99 ms']} | {row['max ms']} | {row['rss MB']} | {trouble} |")


if __name__ == "__main__":
    main()
