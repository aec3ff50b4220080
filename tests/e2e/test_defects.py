"""Defects found in review, each proved on a real `kg serve` through its command line and HTTP
only, so that the same file runs against any version of the service (it failed on 58c41a5).

- A query process that replaced a killed one opened whatever `current.json` named, so after a
  `kg load` beside the running service `/sparql` answered from the new store while `/health`,
  entity pages and ETags described the old one; and pruning could delete the store it served.
  Since the service follows new versions, the invariant is that every answer agrees on the
  version its worker serves, before and after it has switched and after its query process was
  replaced, and that the store served is never pruned.
- `FROM` / `FROM NAMED` were limited to the dataset's graphs only because Oxigraph does not
  fetch; nothing checked them, nor Virtuoso's `define` pragmas, which make an engine fetch.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BASE = "http://kg.test"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON = {"Accept": "application/sparql-results+json"}
NUMBERS = " ".join(map(str, range(200)))
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?{v} {{ {NUMBERS} }}" for v in "abcd") + " }"  # slow on any store


def kg(*args: str, data: Path) -> None:
    environment = {**os.environ, "KG_DATA_DIR": str(data), "KG_BASE_IRI": BASE}
    done = subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(client, data dir) of a `kg serve` with a 1 s time limit over a freshly built graph,
    looking for new versions every 3 s."""
    data = tmp_path_factory.mktemp("defects") / "data"
    kg("build", data=data)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environment = {**os.environ, "KG_DATA_DIR": str(data), "KG_BASE_IRI": BASE, "KG_QUERY_TIMEOUT": "1",
                   "KG_RELOAD_INTERVAL": "3"}  # a load is seen up to 3 s later: room to replace a process before
    log = (data.parent / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--port", str(port)], cwd=PROJECT_ROOT,
                               env=environment, stdout=log, stderr=subprocess.STDOUT)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.get("/health").status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, "kg serve did not start"
        time.sleep(0.2)
    yield client, data
    client.close()
    process.terminate()
    process.wait(timeout=15)


def count(client: httpx.Client) -> int:
    response = client.get("/sparql", params={"query": COUNT}, headers=JSON)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_a_replaced_query_process_serves_the_version_its_worker_serves_and_every_answer_agrees_across_loads(served, tmp_path):
    client, data = served
    health = client.get("/health").json()
    assert count(client) == health["triples"]
    triples = {health["version"]: health["triples"]}  # of each version served
    etags = set()
    for n in range(1, 4):  # a new store each time: more than the stores a build keeps
        tiny = tmp_path / f"tiny{n}.nt"  # n triples about an entity of the service's base
        tiny.write_text("".join(f'<{BASE}/id/person/tiny> <http://www.w3.org/2000/01/rdf-schema#label> "Tiny {i}" .\n'
                                for i in range(n)))
        kg("load", str(tiny), data=data)
        loaded = json.loads((data / "current.json").read_text())
        triples[loaded["version"]] = n
        # before the worker has switched (most likely: it looks every 3 s), a replaced query
        # process still serves the worker's version, not the store current.json names
        assert client.get("/sparql", params={"query": SLOW}).status_code == 503
        counted = client.get("/sparql", params={"query": COUNT}, headers=JSON)
        assert int(counted.json()["results"]["bindings"][0]["n"]["value"]) == triples[counted.headers["kg-graph-version"]]
        deadline = time.monotonic() + 15
        while client.get("/health").json()["version"] != loaded["version"]:  # served without a restart
            assert time.monotonic() < deadline, "the new version was not served"
            time.sleep(0.1)
        slow = client.get("/sparql", params={"query": SLOW})
        assert slow.status_code == 503  # its query process is replaced
        answers = [slow, client.get("/health"), client.get("/sparql", params={"query": COUNT}, headers=JSON),
                   client.get("/id/person/tiny", headers={"Accept": "application/ld+json"})]
        health, counted, entity = answers[1].json(), answers[2].json(), answers[3]
        assert {a.headers["kg-graph-version"] for a in answers} == {health["version"]} == {loaded["version"]}
        assert int(counted["results"]["bindings"][0]["n"]["value"]) == health["triples"] == loaded["triples"] == n
        assert entity.status_code == 200 and len(entity.json()["label"]) == n
        etags.add(entity.headers["etag"])
        assert (data / loaded["path"]).is_dir()  # the store served is never pruned
    assert len(etags) == 3  # a version each


def test_from_and_from_named_outside_the_dataset_are_refused(served):
    client, _ = served
    for query in ("SELECT * FROM <http://example.org/elsewhere> WHERE { ?s ?p ?o }",
                  "SELECT * FROM NAMED <http://example.org/elsewhere> WHERE { GRAPH ?g { ?s ?p ?o } }"):
        response = client.get("/sparql", params={"query": query})
        assert response.status_code == 400, response.text
        assert "http://example.org/elsewhere" in response.json()["detail"]


def test_an_engine_pragma_is_refused_as_such(served):
    client, _ = served
    response = client.get("/sparql", params={"query": 'define get:soft "replace" SELECT * FROM <http://example.org/g> { ?s ?p ?o }'})
    assert response.status_code == 400
    assert "pragma" in response.json()["detail"]
