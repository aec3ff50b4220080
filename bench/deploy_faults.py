#!/usr/bin/env python3
"""Faults through the load balancer: deploy/run.py (HAProxy in front of N `kg serve` replicas)
under a steady load while one thing goes wrong per scenario; how many requests fail and how long
until the service is normal again. Loopback only; every process started here is stopped at the
end, on error too (deploy/run.py runs in a session of its own, killed as a group).

    .venv/bin/python bench/deploy_faults.py [--seconds 20] [--replicas 2] [--scenarios ...] [--engine oxigraph]

Load: 8 clients in a closed loop, one keep-alive connection each (the shared harness's client,
../shared/bench/load.py), idempotent GETs in a shuffled mix: entity documents (Turtle, JSON-LD),
small SELECTs on GET /sparql, /search (JSON). A request fails when it is answered anything but
2xx/304, or not at all (transport error, 30 s time-out); a client waits 10 ms after a failure.

Each scenario: 1 s of warm-up (not counted), FAULT_AT s of steady load (the baseline), the fault,
whose action runs to its end (the killed replica ready again, the new version served through the
balancer...), then load until the service is normal again and --seconds have passed in all (at
least SETTLE s after the action, at most SETTLE_MAX s: then "not by the end"). Scenarios, over the
curated graph, the first four over each replica's embedded store:

- steady: no fault (the reference row);
- replica-kill: SIGKILL of one replica (deploy/run.py starts it again);
- query-process-kill: SIGKILL of the query processes of one replica (its engine.child children);
- publish: `kg build` of changed records into the served data directory (deploy/run.py rolls it);
- engine-steady, engine-restart, engine-publish: the replicas over a remote engine (--engine,
  started with tests/engine_servers.py, loaded with `kg push --skip-refused`): no fault; the
  engine stopped and started again (RunningEngine.restart()); `kg push` of a changed version.

Time to normal: seconds from the fault to the first of RUN_OF consecutive normal seconds that
come after the last failed request and after the action's end; a second is normal when no
request started in it failed and their p50 is at most NORMAL_FACTOR x the p50 of the scenario's
own pre-fault seconds (the box's speed drifts, so the baseline is measured just before, on the
same setup). "degraded s" counts the abnormal seconds after the fault, the action's included.
Latencies are of every request, failed ones too. Prints one JSON line per scenario, a timeline
per second on stderr, then a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from urllib.parse import quote, urlsplit

import httpx

from common import ROOT, VENV_BIN, free_port, harness  # bench/common.py (scripts run as bench/NAME.py)

sys.path.insert(0, str(ROOT))
from tests.engine_servers import RunningEngine, start_oxigraph, start_virtuoso  # noqa: E402

RUN = ROOT / "deploy" / "run.py"
BASE = "http://kg.test"
SCENARIOS = ("steady", "replica-kill", "query-process-kill", "publish", "engine-steady", "engine-restart", "engine-publish")
CLIENTS, TIMEOUT, WARMUP, SETTLE, SETTLE_MAX, NORMAL_FACTOR, RUN_OF = 8, 30.0, 1.0, 5.0, 90.0, 1.5, 3
FAULT_AT = 5.0  # seconds of steady load before the fault (at most a quarter of --seconds)
ACTION_SECONDS = 120.0  # a fault's action (a restart, a build, a roll) must be over within this


@dataclass
class Answer:
    start: float  # time.monotonic() when sent
    seconds: float
    outcome: int | str  # the status, or the transport error's name
    version: str  # the kg-graph-version header, "" without one

    @property
    def failed(self) -> bool:
        return not (isinstance(self.outcome, int) and (200 <= self.outcome < 300 or self.outcome == 304))


class Load:
    """CLIENTS closed-loop clients on an event loop in a thread of their own (the faults run in the
    main thread: an engine started there dies with the thread that started it)."""

    def __init__(self, lib: ModuleType, url: str, payloads: list[bytes]):
        self.lib, self.payloads, self.answers = lib, payloads, []  # type: list[Answer]
        self.host, self.port = urlsplit(url).hostname, urlsplit(url).port
        self.until, self.record_from = float("inf"), time.monotonic() + WARMUP
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()

    async def _run(self) -> None:
        await asyncio.gather(*(self._client(k) for k in range(CLIENTS)))

    async def _client(self, k: int) -> None:
        connection, i = self.lib.Connection(self.host, self.port), k
        while (begin := time.monotonic()) < self.until:
            i += CLIENTS
            try:
                async with asyncio.timeout(TIMEOUT):
                    status, headers, _ = await connection.request(self.payloads[i % len(self.payloads)])
                answer = Answer(begin, time.monotonic() - begin, status, headers.get("kg-graph-version", ""))
            except self.lib.REQUEST_ERRORS as exc:
                connection.close()
                answer = Answer(begin, time.monotonic() - begin, type(exc).__name__, "")
            if begin >= self.record_from:
                self.answers.append(answer)
            if answer.failed:
                await asyncio.sleep(0.01)
        connection.close()

    def stop(self) -> list[Answer]:
        self.until = 0.0
        self.thread.join(timeout=TIMEOUT + 10)
        return list(self.answers)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def query_processes(pid: int) -> list[int]:
    found, todo = [], children(pid)
    while todo:
        child = todo.pop()
        todo += children(child)
        found += [child] if any("engine.child" in part for part in cmdline(child)) else []
    return found


def wait(condition: Callable[[], object], seconds: float = ACTION_SECONDS, what: str = "a condition") -> float:
    """Poll until `condition()`; the time.monotonic() it held at."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {seconds:g} s")
        time.sleep(0.05)
    return time.monotonic()


def health(url: str) -> httpx.Response | None:
    try:
        return httpx.get(f"{url}/health", timeout=2)
    except httpx.HTTPError:
        return None


class Deployment:
    """deploy/run.py in a session of its own: its JSON lines followed in a thread."""

    def __init__(self, replicas: int, env: dict[str, str], log: Path):
        with log.open("w") as out:
            self.process = subprocess.Popen([sys.executable, str(RUN), "--replicas", str(replicas), "--port", str(free_port())],
                                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=out, text=True,
                                            start_new_session=True)
        self.log, self.published = log, []  # type: list[dict]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and self.process.poll() is None:
            if select.select([self.process.stdout], [], [], 1.0)[0] and (line := self.process.stdout.readline()).startswith("{"):
                first = json.loads(line)
                self.url, self.active = first["url"], [r["url"] for r in first["replicas"]]
                threading.Thread(target=self._follow, daemon=True).start()
                return
        raise RuntimeError(f"deploy/run.py printed no JSON line; its log's end:\n{log.read_text()[-2000:]}")

    def _follow(self) -> None:
        for line in self.process.stdout:
            if line.startswith("{") and "published" in (said := json.loads(line)):
                self.active = [r["url"] for r in said["replicas"]]
                self.published.append(said)

    def replica_pid(self, url: str) -> int:
        port = url.rsplit(":", 1)[1]
        return next(pid for pid in children(self.process.pid) if "serve" in (cmd := cmdline(pid)) and port in cmd)

    def quiet(self) -> bool:
        """Every active replica and the balancer ready, no other replica running (a roll over)."""
        serving = [pid for pid in children(self.process.pid) if "serve" in cmdline(pid)]
        return len(serving) == len(self.active) and all((r := health(u)) is not None and r.status_code == 200
                                                        for u in [self.url, *self.active])

    def stop(self) -> None:
        self.process.terminate()  # deploy/run.py stops what it started
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=45)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # and whatever of its session is left
        self.process.wait(timeout=15)


@dataclass
class Context:
    deployment: Deployment
    env: dict[str, str]  # kg's environment (with the engine's settings over an engine)
    tmp: Path
    engine: RunningEngine | None = None
    publishes: int = 0
    to_push: Path | None = None  # the data directory of the version engine-publish pushes


def changed_records(ctx: Context) -> Path:
    """The curated records with one more alternative name for the NAC (or not), and a comment that
    makes each a version of its own."""
    ctx.publishes = len(list(ctx.tmp.glob("records-*"))) + 1  # a Context per deployment, one folder
    records = ctx.tmp / f"records-{ctx.publishes}"
    shutil.copytree(ROOT / "records", records, ignore=shutil.ignore_patterns("drafts"))
    first = next(records.glob("000-*.yaml"))
    text = first.read_text()
    if ctx.publishes % 2:
        text = text.replace("    alt: [NAC]\n", "    alt: [NAC, policy think tank]\n", 1)
    first.write_text(f"{text}# deploy_faults publish {ctx.publishes}\n")
    return records


def kg(ctx: Context, *command: str, data: Path | None = None) -> subprocess.CompletedProcess:
    env = {**ctx.env, **({"KG_DATA_DIR": str(data)} if data else {})}
    done = subprocess.run([str(VENV_BIN / "kg"), *command], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"kg {' '.join(command)}: {done.stderr.strip()[-500:]}")
    return done


def served_by_balancer(ctx: Context, version: str) -> bool:
    return (r := health(ctx.deployment.url)) is not None and r.headers.get("kg-graph-version") == version


# Each fault runs in the main thread at the fault's time and returns once its action is over, with its notes.
def replica_kill(ctx: Context) -> str:
    url = ctx.deployment.active[0]
    pid, began = ctx.deployment.replica_pid(url), time.monotonic()
    os.kill(pid, signal.SIGKILL)
    back = wait(lambda: (r := health(url)) is not None and r.status_code == 200 and ctx.deployment.replica_pid(url) != pid,
                what="the killed replica started again")
    return f"replica pid {pid} killed; its successor ready after {back - began:.1f} s"


def query_process_kill(ctx: Context) -> str:
    pid = ctx.deployment.replica_pid(ctx.deployment.active[0])
    killed, began = query_processes(pid), time.monotonic()
    for child in killed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    back = wait(lambda: set(query_processes(pid)) - set(killed), what="new query processes")
    return f"{len(killed)} query processes of replica pid {pid} killed; a new one after {back - began:.1f} s"


def publish(ctx: Context) -> str:
    records, began = changed_records(ctx), time.monotonic()
    kg(ctx, "build", "--records", str(records))
    built = time.monotonic()
    version = json.loads((Path(ctx.env["KG_DATA_DIR"]) / "current.json").read_text())["version"]
    wait(lambda: any(p["published"] == version for p in ctx.deployment.published), what=f"version {version} published")
    switched = wait(lambda: served_by_balancer(ctx, version), what="the new version through the balancer")
    return f"build {built - began:.1f} s; new version through the balancer at +{switched - began:.1f} s"


def engine_restart(ctx: Context) -> str:
    began = time.monotonic()
    ctx.engine.stop()  # SIGTERM, SIGKILL after 5 s
    stopped = time.monotonic()
    ctx.engine = ctx.engine.restart()  # started again on its port and data, answering ASK
    up = time.monotonic()
    ready = wait(lambda: (r := health(ctx.deployment.url)) is not None and r.status_code == 200, what="the service again")
    return (f"engine stop {stopped - began:.1f} s, start {up - stopped:.1f} s; "
            f"/health 200 through the balancer at +{ready - began:.1f} s")


def build_to_push(ctx: Context) -> None:
    """Before the load: the changed version to push (the push is the fault, not the build)."""
    ctx.to_push = ctx.tmp / f"pushed-{len(list(ctx.tmp.glob('pushed-*'))) + 1}"
    kg(ctx, "build", "--records", str(changed_records(ctx)), data=ctx.to_push)


def engine_publish(ctx: Context) -> str:
    data = ctx.to_push
    version = json.loads((data / "current.json").read_text())["version"]
    began = time.monotonic()
    kg(ctx, "push", "--skip-refused", data=data)
    pushed = time.monotonic()
    switched = wait(lambda: served_by_balancer(ctx, version), what="the pushed version through the balancer")
    return f"kg push {pushed - began:.1f} s; new version through the balancer at +{switched - began:.1f} s"


FAULTS: dict[str, Callable[[Context], str] | None] = {
    "steady": None, "replica-kill": replica_kill, "query-process-kill": query_process_kill, "publish": publish,
    "engine-steady": None, "engine-restart": engine_restart, "engine-publish": engine_publish}
PREPARE: dict[str, Callable[[Context], None]] = {"engine-publish": build_to_push}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def judge(answers: list[Answer], fault_at: float, base: float, end: float, done: float) -> tuple[list[list[Answer]], list[bool], int | None]:
    """The whole seconds after the fault up to `end`, whether each was normal, and the time to normal
    (None: not yet): the first of RUN_OF normal seconds after the last failure and the action's end."""
    bins = [[a for a in answers if fault_at + k <= a.start < fault_at + k + 1] for k in range(max(0, int(end - fault_at)))]
    normal = [bool(b) and not any(a.failed for a in b) and statistics.median(a.seconds for a in b) <= NORMAL_FACTOR * base
              for b in bins]
    after = max([int(done - fault_at), *(int(a.start - fault_at) + 1 for a in answers if a.failed and a.start >= fault_at)])
    return bins, normal, next((k for k in range(after, len(bins) - RUN_OF + 1) if all(normal[k:k + RUN_OF])), None)


def scenario(name: str, ctx: Context, lib: ModuleType, payloads: list[bytes], seconds: float) -> dict:
    PREPARE.get(name, lambda _: None)(ctx)
    wait(ctx.deployment.quiet, what="the deployment ready and quiet")
    load = Load(lib, ctx.deployment.url, payloads)
    fault_at = load.record_from + min(FAULT_AT, seconds / 4)
    notes, old, action = "", "", FAULTS[name]
    try:
        time.sleep(max(0.0, fault_at - time.monotonic()))
        before = [a for a in load.answers if a.start < fault_at]
        base = statistics.median(a.seconds for a in before)
        old = Counter(a.version for a in before).most_common(1)[0][0]
        notes = action(ctx) if action is not None else ""
        done = time.monotonic()
        while (now := time.monotonic()) < done + SETTLE_MAX:  # until normal again, --seconds in all at least
            if now > max(load.record_from + seconds, done + SETTLE) and judge(list(load.answers), fault_at, base, now - 1, done)[2] is not None:
                break
            time.sleep(0.5)
    finally:
        answers = load.stop()
    end = max(a.start for a in answers)
    bins, normal, to_normal = judge(answers, fault_at, base, end, done)
    failed = [a for a in answers if a.failed]
    if action is not None and (new := [a for a in answers if a.version and a.start >= fault_at and a.version != old]):
        notes += f"; first answer of the new version at +{min(a.start for a in new) - fault_at:.1f} s"
    if failed:
        span = [a.start - fault_at for a in failed]
        notes += (f"; failures: {dict(Counter(str(a.outcome) for a in failed).most_common(4))} "
                  f"from {min(span):+.1f} s to {max(span):+.1f} s")
    print(f"{name} (fault at 0, steady p50 {base * 1000:.1f} ms; second:requests/failed/p50 ms, ! not normal): " + " ".join(
        f"{k}:{len(b)}/{sum(a.failed for a in b)}/{statistics.median(a.seconds for a in b) * 1000:.0f}{'' if normal[k] else '!'}"
        if b else f"{k}:0!" for k, b in enumerate(bins)), file=sys.stderr, flush=True)
    latencies = [a.seconds for a in answers]
    return {"scenario": name, "requests": len(answers), "failed": len(failed),
            "failed_pct": round(100 * len(failed) / len(answers), 3),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1), "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "time_to_normal_s": None if action is None else to_normal, "action_s": round(done - fault_at, 1),
            "degraded_s": sum(not n for n in normal), "steady_p50_ms": round(base * 1000, 1),
            "window_s": round(end - load.record_from, 1), "notes": notes.lstrip("; ")}


def payloads(url: str) -> list[bytes]:
    """The mix of GETs: every entity as Turtle and JSON-LD, a SELECT on each, a search for words of labels."""
    query = f'SELECT ?e ?l WHERE {{ ?e rdfs:label ?l FILTER(STRSTARTS(STR(?e), "{BASE}/id/")) }} ORDER BY ?e'
    rows = httpx.get(f"{url}/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"},
                     timeout=60).json()["results"]["bindings"]
    entities = list(dict.fromkeys(r["e"]["value"] for r in rows if "#" not in r["e"]["value"]))[:40]
    words = sorted({w for r in rows for w in re.findall(r"[^\W\d_]{4,}", r["l"]["value"].lower())})[:40]
    select_query = "SELECT ?p ?o WHERE {{ <{}> ?p ?o }} LIMIT 20"
    targets = [(e[len(BASE):], accept) for e in entities for accept in ("text/turtle", "application/ld+json")]
    targets += [("/sparql?query=" + quote(select_query.format(e), safe=""), "application/sparql-results+json") for e in entities]
    targets += [(f"/search?q={quote(w)}", "application/json") for w in words]
    random.Random(7).shuffle(targets)
    host = urlsplit(url).netloc
    return [f"GET {t} HTTP/1.1\r\nHost: {host}\r\nAccept: {a}\r\nUser-Agent: kg-deploy-faults\r\n\r\n".encode() for t, a in targets]


def prime(ctx: Context, requests: list[bytes]) -> None:
    """Every request once on every replica: documents built, engines warm, before any timing."""
    for url in ctx.deployment.active:
        with httpx.Client(base_url=url, timeout=60) as client:
            for data in requests:
                line = data.decode().split("\r\n")
                client.get(line[0].split(" ")[1], headers={"Accept": line[2].split(": ", 1)[1]})


def run_all(args: argparse.Namespace, lib: ModuleType, tmp: Path, rows: list[dict]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_SPARQL_")}
    env |= {"KG_DATA_DIR": str(tmp / "data"), "KG_BASE_IRI": BASE, "KG_RECORDS_DIR": str(ROOT / "records")}
    subprocess.run([str(VENV_BIN / "kg"), "build"], env=env, cwd=ROOT, check=True, capture_output=True)
    for over_engine in (False, True):
        chosen = [s for s in args.scenarios if s.startswith("engine-") == over_engine]
        if not chosen:
            continue
        ctx = Context(None, dict(env), tmp)  # type: ignore[arg-type]
        try:
            if over_engine:
                ctx.engine = (start_oxigraph if args.engine == "oxigraph" else start_virtuoso)(tmp / args.engine)
                ctx.env |= {"KG_SPARQL_ENDPOINT": ctx.engine.query_url, "KG_SPARQL_UPDATE_ENDPOINT": ctx.engine.update_url}
                if ctx.engine.user:
                    ctx.env |= {"KG_SPARQL_USER": ctx.engine.user, "KG_SPARQL_PASSWORD": ctx.engine.password or "",
                                "KG_SPARQL_AUTH": "digest"}
                kg(ctx, "push", "--skip-refused")
            ctx.deployment = Deployment(args.replicas, ctx.env, tmp / f"deploy-{'engine' if over_engine else 'store'}.log")
            requests = payloads(ctx.deployment.url)
            prime(ctx, requests)
            for name in chosen:
                rows.append(row := scenario(name, ctx, lib, requests, args.seconds))
                print(json.dumps(row), flush=True)
        except BaseException:
            if ctx.deployment is not None:
                print(f"--- {ctx.deployment.log.name}, its end:\n{ctx.deployment.log.read_text()[-2000:]}", file=sys.stderr)
            raise
        finally:
            if ctx.deployment is not None:
                ctx.deployment.stop()
            if ctx.engine is not None:
                ctx.engine.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="seconds of load per scenario (at least)")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--engine", default="oxigraph", choices=("oxigraph", "virtuoso"), help="for the engine-* scenarios")
    args = parser.parse_args()
    if shutil.which("haproxy") is None:
        sys.exit("haproxy is not installed (Debian: apt-get install haproxy): deploy/run.py needs it")
    lib = harness()
    lib.use_uvloop()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped as by Ctrl+C: the finally blocks stop everything
    started, load_average, rows = datetime.now().astimezone(), os.getloadavg(), []  # type: ignore[var-annotated]
    with tempfile.TemporaryDirectory(prefix="kg-deploy-faults-") as folder:
        run_all(args, lib, Path(folder), rows)
    print(f"\nRun of {started:%Y-%m-%d %H:%M %Z}, shared 2-core machine, load average {' '.join(f'{x:.1f}' for x in load_average)} "
          f"at the start, {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end; {args.replicas} replicas behind HAProxy, "
          f"{CLIENTS} closed-loop clients, {args.seconds:g} s per scenario (longer when the fault took longer), "
          f"engine scenarios over {args.engine}.\n")
    print("| scenario | requests | failed | failed % | p50 ms | p99 ms | time to normal s | notes |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        normal = "-" if r["scenario"].endswith("steady") else r["time_to_normal_s"] if r["time_to_normal_s"] is not None \
            else "not by the end"
        print(f"| {r['scenario']} | {r['requests']:,} | {r['failed']} | {r['failed_pct']:.2f} | {r['p50_ms']} | {r['p99_ms']} | "
              f"{normal} | steady p50 {r['steady_p50_ms']} ms, {r['degraded_s']} degraded s of {r['window_s']} s, "
              f"action {r['action_s']} s"
              f"{'; ' + r['notes'] if r['notes'] else ''} |")


if __name__ == "__main__":
    main()
