"""deploy/run.py for real (issue 18): HAProxy from Debian in front of two `kg serve` replicas over
one store; requests through the balancer are answered by both, each naming its graph version; a
replica killed with SIGKILL in the middle of a stream of GETs fails none of them (HAProxy sends
them again, to the other) and is started again; stopping the script stops everything. A `kg
build` into the data directory rolls through the replicas as one switch: no request fails, no
keep-alive connection gets the old version after the new one, nobody gets it after the switch.

.ci/run installs haproxy when it is missing; where it cannot be installed this test is skipped
with the reason (and a CI run, in which nothing may be skipped, fails)."""

from __future__ import annotations

import http.client
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

from graph.store import POINTER
from tests.e2e.test_versions import ALIAS, build, changed_records, held, served_store, wait_for
from tests.support.paths import BASE, PROJECT_ROOT
from tests.support.server import free_port

pytestmark = pytest.mark.e2e


@contextmanager
def deployed(data: Path, tmp_path: Path):
    """deploy/run.py with two replicas over `data`: (its first JSON line, the process, a queue of
    the JSON lines it prints after it)."""
    if shutil.which("haproxy") is None:
        pytest.skip("haproxy is not installed (Debian: apt-get install haproxy; .ci/run does it): deploy/run.py needs it")
    log = (tmp_path / "deploy.log").open("w")
    process = subprocess.Popen([sys.executable, "deploy/run.py", "--replicas", "2", "--port", str(free_port())], cwd=PROJECT_ROOT,
                               env={**os.environ, "KG_DATA_DIR": str(data), "KG_BASE_IRI": BASE},
                               stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = process.stdout.readline()
        assert line, (tmp_path / "deploy.log").read_text()[-3000:]
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(json.loads(more)) for more in process.stdout], daemon=True).start()
        yield json.loads(line), process, lines
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


@pytest.fixture
def deployment(data_dir, tmp_path):
    with deployed(data_dir, tmp_path) as (where, process, _):
        yield where, process


def test_requests_through_the_balancer_are_served_by_every_replica_and_name_their_version(deployment):
    where, _ = deployment
    version = httpx.get(f"{where['replicas'][0]['url']}/health").json()["version"]
    with httpx.Client(base_url=where["url"]) as client:
        answers = [client.get("/id/person/colin-knox", headers={"Accept": "application/ld+json"}) for _ in range(6)]
        served_by = {client.get("/metrics").text.split('pid="')[1].split('"')[0] for _ in range(6)}
    assert all(a.status_code == 200 and a.headers["kg-graph-version"] == version for a in answers)
    assert served_by == {str(r["pid"]) for r in where["replicas"]}  # round robin: both answered


def test_a_replica_killed_under_load_fails_no_get_and_is_started_again(deployment):
    where, process = deployment
    victim = where["replicas"][0]
    statuses, started = [], time.monotonic()
    with httpx.Client(base_url=where["url"], timeout=10) as client:
        for i in range(300):
            if i == 50:
                os.kill(victim["pid"], signal.SIGKILL)
            statuses.append(client.get("/sparql", params={"query": f"ASK {{ ?s ?p ?o }} # {i}"},
                                       headers={"Accept": "application/sparql-results+json"}).status_code)
    assert statuses.count(200) == len(statuses), [s for s in statuses if s != 200]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the script starts it again on its port
        try:
            if httpx.get(f"{victim['url']}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        pytest.fail("the killed replica was not started again")
    assert process.poll() is None and time.monotonic() - started < 120


def test_stopping_the_script_stops_the_balancer_and_every_replica(deployment):
    where, process = deployment
    process.terminate()
    assert process.wait(timeout=60) == 0
    for url in [where["url"], *(r["url"] for r in where["replicas"])]:
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{url}/health", timeout=1)


class KeptAlive:
    """Clients through the balancer, each on ONE keep-alive connection (http.client: a new
    connection would show as another local port), asking in turn for an entity page and whether
    the changed records' fact is there; every answer recorded as (client, local port, kind,
    status, version header, value, start, end)."""

    def __init__(self, url: str, clients: int = 3):
        self.address = urlsplit(url)
        self.answers: list[tuple] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(k,)) for k in range(clients)]

    def __enter__(self) -> KeptAlive:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _loop(self, client: int) -> None:
        connection = http.client.HTTPConnection(self.address.hostname, self.address.port, timeout=30)
        requests = [("entity", "/id/person/colin-knox", "application/ld+json"),
                    ("alias", f"/sparql?query={quote(ALIAS)}", "application/sparql-results+json")]
        k = client
        try:
            while not self.stop.is_set():
                kind, target, accept = requests[k % 2]
                k += 1
                started = time.monotonic()
                try:
                    connection.request("GET", target, headers={"Accept": accept})
                    port = connection.sock.getsockname()[1]
                    response = connection.getresponse()
                    body = response.read()
                    value = json.loads(body)["boolean"] if kind == "alias" and response.status == 200 else response.getheader("etag")
                    self.answers.append((client, port, kind, response.status, response.getheader("kg-graph-version"), value,
                                         started, time.monotonic()))
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    self.answers.append((client, None, kind, 0, None, repr(exc), started, time.monotonic()))
                    connection.close()
                time.sleep(0.05)  # continuous, but leaving the build (and the new replicas) some CPU
        finally:
            connection.close()


def test_a_build_rolls_through_the_replicas_in_one_switch_without_a_failed_or_an_older_answer(data_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    first = json.loads((data / POINTER).read_text())
    first_store = served_store(data)
    records = changed_records(tmp_path)
    with deployed(data, tmp_path) as (where, process, lines), KeptAlive(where["url"]) as load:
        assert where["version"] == first["version"]
        time.sleep(1)
        second = build(data, records)
        assert second["version"] != first["version"]
        try:
            published = lines.get(timeout=60)
        except queue.Empty:
            pytest.fail("no published line: " + "".join(line for line in (tmp_path / "deploy.log").open() if "deploy/run.py" in line))
        switched = time.monotonic()
        assert published["published"] == second["version"] and published["replaced"] == first["version"], published
        assert len(published["replicas"]) == 2
        assert {r["pid"] for r in published["replicas"]}.isdisjoint(r["pid"] for r in where["replicas"])
        wait_for(lambda: all(sum(a[0] == k and a[6] > switched for a in load.answers) >= 10 for k in range(3)), 30)
        wait_for(lambda: not held(first_store), 40)  # the old replicas finished and stopped: the old store is free
        assert process.poll() is None
    answers = load.answers
    failed = [a for a in answers if a[3] != 200]
    assert not failed, failed[:5]
    assert {a[4] for a in answers} == {first["version"], second["version"]}
    alias = {first["version"]: False, second["version"]: True}  # each answer whole from the version it names
    assert all(a[5] is alias[a[4]] for a in answers if a[2] == "alias")
    etags = {(a[4], a[5]) for a in answers if a[2] == "entity"}
    assert len(etags) == 2 and len({tag for _, tag in etags}) == 2, etags  # one ETag per version
    for client in range(3):
        mine = [a for a in answers if a[0] == client]
        assert len({a[1] for a in mine}) == 1, "the client's connection was not kept alive"
        versions = [a[4] for a in sorted(mine, key=lambda a: a[6])]
        assert versions[0] == first["version"] and versions[-1] == second["version"], versions
        turned = versions.index(second["version"])
        assert set(versions[turned:]) == {second["version"]}, versions  # never back to the old version
    after = [a for a in answers if a[6] > switched]
    assert {a[4] for a in after} == {second["version"]}
