"""Federation on purpose: SERVICE to an allow-listed endpoint works, any other is refused unseen.

A second, independent SPARQL server (Oxigraph's, from the PyPI package `oxigraph`) serves a
small fixture that uses the same Wikidata identifiers as the graph's owl:sameAs links.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import Listener, free_port, start_service

FIXTURE = Path(__file__).parents[1] / "data" / "external-wikidata-fixture.ttl"
_beside_python = Path(sys.executable).parent / "oxigraph"  # the test extra installs it in the venv
OXIGRAPH = str(_beside_python) if _beside_python.is_file() else shutil.which("oxigraph")

pytestmark = pytest.mark.skipif(OXIGRAPH is None, reason="the `oxigraph` server (PyPI package oxigraph) is not installed")

FEDERATED = """
SELECT ?label ?inception WHERE {
  ?entity owl:sameAs ?item ; rdfs:label ?label .
  SERVICE <%s> { ?item <http://www.wikidata.org/prop/direct/P571> ?inception }
} ORDER BY ?label
"""


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    store = tmp_path_factory.mktemp("remote-store")
    subprocess.run([OXIGRAPH, "load", "--location", str(store), "--file", str(FIXTURE)], check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen([OXIGRAPH, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    for _ in range(100):
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def service(tmp_path_factory, remote, data_dir):
    svc = start_service(tmp_path_factory.mktemp("federation"), env={"KG_SERVICE_ALLOWLIST": remote}, data=data_dir)
    yield svc
    svc.stop()


def test_a_federated_query_joins_our_entities_to_the_remote_endpoint_through_sameas(service, remote):
    with service.client() as http:
        response = http.get("/sparql", params={"query": FEDERATED % remote}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    rows = [(b["label"]["value"], b["inception"]["value"]) for b in response.json()["results"]["bindings"]]
    assert rows == [("Nazarbayev University", "2010-01-01"), ("OECD", "1961-09-30"), ("UNDP", "1965-11-22")]


def test_the_same_query_to_a_non_allowed_endpoint_is_refused_and_never_contacted(service):
    listener = Listener()
    try:
        with service.client() as http:
            response = http.get("/sparql", params={"query": FEDERATED % listener.url})
        assert response.status_code == 400
        assert "is not allowed" in response.json()["detail"]
        time.sleep(0.3)
        assert listener.connections == []
    finally:
        listener.close()
