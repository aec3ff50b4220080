"""deploy/run.py for real (issue 18): HAProxy from Debian in front of two `kg serve` replicas over
one store; requests through the balancer are answered by both, each naming its graph version; a
replica killed with SIGKILL in the middle of a stream of GETs fails none of them (HAProxy sends
them again, to the other) and is started again; stopping the script stops everything.

.ci/run installs haproxy when it is missing; where it cannot be installed this test is skipped
with the reason (and a CI run, in which nothing may be skipped, fails)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.support.paths import BASE, PROJECT_ROOT
from tests.support.server import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture
def deployment(data_dir, tmp_path):
    if shutil.which("haproxy") is None:
        pytest.skip("haproxy is not installed (Debian: apt-get install haproxy; .ci/run does it): deploy/run.py needs it")
    log = (tmp_path / "deploy.log").open("w")
    process = subprocess.Popen([sys.executable, "deploy/run.py", "--replicas", "2", "--port", str(free_port())], cwd=PROJECT_ROOT,
                               env={**os.environ, "KG_DATA_DIR": str(data_dir), "KG_BASE_IRI": BASE},
                               stdout=subprocess.PIPE, stderr=log, text=True)
    line = process.stdout.readline()
    assert line, (tmp_path / "deploy.log").read_text()
    yield json.loads(line), process
    process.terminate()
    process.wait(timeout=60)


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
