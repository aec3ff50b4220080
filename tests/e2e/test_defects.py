"""Defects found in review, each proved on a real `kg serve` through its command line and HTTP
only, so that the same file runs against any version of the service (it failed on 58c41a5).

- A query process that replaced a killed one opened whatever `current.json` named, so after a
  `kg load` beside the running service `/sparql` answered from the new store while `/health`,
  entity pages and ETags described the old one; and pruning could delete the store it served.
- `FROM` / `FROM NAMED` were limited to the dataset's graphs only because Oxigraph does not
  fetch; nothing checked them, nor Virtuoso's `define` pragmas, which make an engine fetch.
"""

from __future__ import annotations

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
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def kg(*args: str, data: Path) -> None:
    environment = {**os.environ, "KG_DATA_DIR": str(data), "KG_BASE_IRI": BASE}
    done = subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(client, data dir) of a `kg serve` with a 1 s time limit over a freshly built graph."""
    data = tmp_path_factory.mktemp("defects") / "data"
    kg("build", data=data)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environment = {**os.environ, "KG_DATA_DIR": str(data), "KG_BASE_IRI": BASE, "KG_QUERY_TIMEOUT": "1"}
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
    response = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_a_replaced_query_process_serves_the_store_its_worker_opened_even_after_later_loads(served, tmp_path):
    client, data = served
    triples = client.get("/health").json()["triples"]
    assert count(client) == triples
    tiny = tmp_path / "tiny.nt"
    tiny.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    for _ in range(3):  # a new store each time: more than the stores a build keeps
        kg("load", str(tiny), data=data)
        assert client.get("/sparql", params={"query": SLOW}).status_code == 503  # its query process is replaced
        assert count(client) == triples
        assert client.get("/health").json()["triples"] == triples
        assert client.get("/id/person/colin-knox", headers={"Accept": "application/ld+json"}).status_code == 200


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
