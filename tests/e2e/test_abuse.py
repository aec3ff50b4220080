"""Holding up under abuse, on a real `kg serve`: slow queries never shut out cheap ones."""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.support.server import start_service

TIMEOUT = 2
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } # %d"
LOOKUP = "SELECT ?p ?o WHERE { <http://kg.test/id/person/%s> ?p ?o }"
PEOPLE = ("colin-knox", "rassul-rysmambetov", "alikhan-baimenov", "saltanat-janenova")


@pytest.fixture(scope="module")
def service(tmp_path_factory, data_dir):
    svc = start_service(tmp_path_factory.mktemp("abuse"), env={"KG_QUERY_TIMEOUT": str(TIMEOUT)}, data=data_dir)
    yield svc
    svc.stop()


def test_cheap_queries_keep_flowing_while_eight_runaways_hold_the_general_lane(service):
    with service.client() as warm:  # the lookups' kind has a history of running in milliseconds
        for i in range(20):
            assert warm.get("/sparql", params={"query": LOOKUP % PEOPLE[i % 4]}).status_code == 200
    stop = threading.Event()
    cheap: list[tuple[int, float]] = []

    def lookups(offset: int) -> None:
        with service.client() as client:
            i = offset
            while not stop.is_set():
                started = time.monotonic()
                status = client.get("/sparql", params={"query": LOOKUP % PEOPLE[i % 4]}).status_code
                cheap.append((status, time.monotonic() - started))
                i += 1

    def runaway(n: int) -> tuple[int, float, str]:
        with service.client() as client:
            started = time.monotonic()
            response = client.get("/sparql", params={"query": RUNAWAY % n})
            return response.status_code, time.monotonic() - started, response.json()["detail"]

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        steady = [pool.submit(lookups, k) for k in range(2)]
        time.sleep(0.3)
        runaways = [pool.submit(runaway, n) for n in range(8)]  # one client, eight at once
        stopped = [r.result() for r in runaways]
        time.sleep(0.5)
        stop.set()
        for s in steady:
            s.result()
    assert all(status == 503 and seconds < TIMEOUT + 1.5 for status, seconds, _ in stopped), stopped
    assert any("did not run" in detail for _, _, detail in stopped) or all("ran past" in d for _, _, d in stopped)
    statuses = {status for status, _ in cheap}
    waits = sorted(seconds for _, seconds in cheap)
    assert statuses == {200} and len(cheap) > 100, (statuses, len(cheap))
    # the acceptance's bound, a quarter of a second, on 99% of them; and no wait near the
    # runaways' deadline, as before (bench/faults.py reports the maximum: 128 ms over 25 s)
    assert waits[int(0.99 * len(waits))] < 0.25, f"p99 {waits[int(0.99 * len(waits))]:.3f} s"
    assert waits[-1] < 1.0, f"a cheap query waited {waits[-1]:.3f} s"


CRASHERS = [
    "SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }",
    "SELECT * WHERE { ?s " + "/".join(["<http://e/p>"] * 10_000) + " ?o }",
    "ASK {}" + " UNION {}" * 10_000,
    "SELECT * WHERE { BIND(" + " + ".join(["1"] * 10_000) + " AS ?x) }",
    "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
]


def test_inputs_that_crash_the_engine_are_refused_and_no_innocent_query_fails(service):
    stop = threading.Event()
    innocent: list[int] = []

    def lookups(offset: int) -> None:
        with service.client() as client:
            i = offset
            while not stop.is_set():
                innocent.append(client.get("/sparql", params={"query": LOOKUP % PEOPLE[i % 4]}).status_code)
                i += 1

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        steady = [pool.submit(lookups, k) for k in range(2)]
        with service.client() as client:
            answers = [client.post("/sparql", content=CRASHERS[n % len(CRASHERS)].encode(),
                                   headers={"Content-Type": "application/sparql-query"}) for n in range(20)]
        time.sleep(0.3)
        stop.set()
        for s in steady:
            s.result()
    assert all(a.status_code == 400 and "the limit is" in a.json()["detail"] for a in answers), [a.text[:200] for a in answers]
    assert set(innocent) == {200} and len(innocent) > 20


def query_processes(service) -> list[int]:
    found = []
    for pid in service.descendants():
        try:
            if b"engine.child" in Path(f"/proc/{pid}/cmdline").read_bytes() or b"query_process" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


def test_a_query_process_that_cannot_start_is_our_503_with_back_off_and_the_service_recovers(tmp_path, data_dir):
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    svc = start_service(tmp_path, env={"KG_QUERY_TIMEOUT": str(TIMEOUT)}, data=data)
    try:
        with svc.client() as client:
            assert client.get("/sparql", params={"query": LOOKUP % "colin-knox"}).status_code == 200
            store = data / json.loads((data / "current.json").read_text())["path"]
            store.rename(store.with_name(store.name + ".away"))  # the worker keeps its open files
            for pid in query_processes(svc):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.3)
            answers = [client.get("/sparql", params={"query": RUNAWAY % n}) for n in range(20)]
            health = client.get("/health")
            assert all(a.status_code == 503 and "could not start" in a.json()["detail"] for a in answers), [a.text[:300] for a in answers]
            assert sum("the next attempt in" in a.json()["detail"] for a in answers) >= 15  # not a process per request
            assert health.status_code == 503 and health.json()["status"] == "unavailable"
            store.with_name(store.name + ".away").rename(store)
            deadline = time.monotonic() + 45
            while client.get("/health").status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert client.get("/health").json()["status"] == "ready"
            assert client.get("/sparql", params={"query": LOOKUP % "colin-knox"}).status_code == 200
    finally:
        svc.stop()


def test_a_query_in_flight_when_the_server_stops_gets_a_503_problem(tmp_path, data_dir):
    svc = start_service(tmp_path, env={"KG_QUERY_TIMEOUT": "30"}, data=data_dir)
    try:
        with svc.client() as client, concurrent.futures.ThreadPoolExecutor(1) as pool:
            slow = pool.submit(client.get, "/sparql", params={"query": RUNAWAY % 0})
            time.sleep(0.5)
            svc.process.send_signal(signal.SIGTERM)
            response = slow.result(timeout=30)
        svc.process.wait(timeout=30)
    finally:
        svc.stop()
    assert response.status_code == 503 and response.headers["content-type"] == "application/problem+json"
    assert "shutting down" in response.json()["detail"]
    assert "Traceback" not in svc.log.read_text()


def test_a_query_past_the_memory_bound_is_stopped_with_a_503_naming_it(tmp_path, data_dir):
    svc = start_service(tmp_path, env={"KG_QUERY_TIMEOUT": "20", "KG_QUERY_MEMORY_MB": "400"}, data=data_dir)
    try:
        with svc.client() as client:
            started = time.monotonic()
            hungry = client.get("/sparql", params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f ?a ?d"})
            seconds = time.monotonic() - started
            assert hungry.status_code == 503 and "400 MB" in hungry.json()["detail"], hungry.text[:300]
            assert seconds < 15  # stopped for its memory, long before its time limit
            assert client.get("/sparql", params={"query": LOOKUP % "colin-knox"}).status_code == 200
    finally:
        svc.stop()


@pytest.mark.parametrize("lanes", [1, 2])
def test_one_query_process_per_lane(tmp_path, data_dir, lanes):
    svc = start_service(tmp_path, env={"KG_QUERY_LANES": str(lanes)}, data=data_dir)
    try:
        with svc.client() as client:
            assert client.get("/sparql", params={"query": LOOKUP % "colin-knox"}).status_code == 200
        assert len(query_processes(svc)) == lanes
    finally:
        svc.stop()


@pytest.mark.parametrize("path,content_type", [("/sparql", "application/sparql-query"), ("/reconcile", "application/json")])
def test_a_body_that_trickles_in_is_408_at_the_read_time_limit(tmp_path, data_dir, path, content_type):
    import socket

    svc = start_service(tmp_path, env={"KG_READ_TIMEOUT": "2"}, data=data_dir)
    try:
        host, port = svc.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            started = time.monotonic()
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: 100\r\n\r\n".encode())
            answer = b""
            while b"\r\n\r\n" not in answer and time.monotonic() - started < 8:
                sock.sendall(b" ")  # a byte every 0.2 s: never the whole body
                time.sleep(0.2)
                sock.setblocking(False)
                try:
                    answer += sock.recv(4096)
                except BlockingIOError:
                    pass
                sock.setblocking(True)
            seconds = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"application/problem+json" in answer and 1.8 < seconds < 4
    finally:
        svc.stop()
