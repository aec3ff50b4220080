"""A running `kg serve` serves a new graph version without a restart and without a failed
request: `kg build` into the served data directory while clients query it, with one HTTP worker
and with two. Every answer comes from one version (its `KG-Graph-Version` header, its count,
its ETag agree), the old store is released for the next build to prune, and a new store that
cannot be served leaves the old one serving."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from graph.store import LEASE, POINTER
from tests.support.cli import run_kg
from tests.support.paths import RECORDS
from tests.support.server import Service, start_service

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ALIAS = 'ASK { ?s ?p ?o FILTER(STR(?o) = "policy think tank") }'  # the fact the changed records add
JSON = {"Accept": "application/sparql-results+json"}
SWITCH_SECONDS = 15  # from a build's end to every answer being the new version, on a loaded 2-core machine


def changed_records(tmp: Path) -> Path:
    """The curated records with one more alternative name for the NAC, quoted where it stands."""
    records = tmp / "changed-records"
    shutil.copytree(RECORDS, records, ignore=shutil.ignore_patterns("drafts"))
    record = next(records.glob("000-*.yaml"))
    text = record.read_text()
    assert "    alt: [NAC]\n" in text
    record.write_text(text.replace("    alt: [NAC]\n", "    alt: [NAC, policy think tank]\n", 1))
    return records


def build(data: Path, records: Path = RECORDS, **env: str) -> dict:
    done = run_kg("build", "--records", str(records), data_dir=data, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads((data / POINTER).read_text())


def served_store(data: Path) -> Path:
    return data / json.loads((data / POINTER).read_text())["path"]


def held(store: Path) -> bool:
    """Whether a process still holds the store (a shared lock on its lease)."""
    with (store / LEASE).open("rb") as lease:
        try:
            fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        return False


@dataclass
class Load:
    """Clients that ask, in a closed loop until stopped, a COUNT, an entity page, /health and
    whether the changed records' fact is there; each answer recorded with its version header.
    `fresh` clients open a connection per request, so that every HTTP worker gets some."""

    service: Service
    fresh: bool = False
    answers: list[tuple[str, int, str | None, object, float]] = field(default_factory=list)
    versions_by_client: dict[int, list[str | None]] = field(default_factory=dict)  # each client's answers' versions, in order

    def __enter__(self) -> Load:
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(k,)) for k in range(3)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _loop(self, offset: int) -> None:
        limits = httpx.Limits(max_keepalive_connections=0) if self.fresh else httpx.Limits()
        with self.service.client(limits=limits) as client:
            k = offset
            while not self.stop.is_set():
                kind = ("count", "entity", "health", "alias")[k % 4]
                k += 1
                try:
                    if kind == "count":
                        r = client.get("/sparql", params={"query": COUNT}, headers=JSON)
                        value = int(r.json()["results"]["bindings"][0]["n"]["value"]) if r.status_code == 200 else None
                    elif kind == "entity":
                        r = client.get("/id/person/colin-knox", headers={"Accept": "application/ld+json"})
                        value = r.headers.get("etag")
                    elif kind == "health":
                        r = client.get("/health")
                        value = (r.json()["version"], r.json()["triples"])
                    else:
                        r = client.get("/sparql", params={"query": ALIAS}, headers=JSON)
                        value = r.json()["boolean"] if r.status_code == 200 else None
                    self.answers.append((kind, r.status_code, r.headers.get("kg-graph-version"), value, time.monotonic()))
                    self.versions_by_client.setdefault(offset, []).append(r.headers.get("kg-graph-version"))
                except httpx.HTTPError as exc:
                    self.answers.append((kind, 0, None, type(exc).__name__, time.monotonic()))
                time.sleep(0.005)  # continuous, but leaving the build some CPU

    def since(self, moment: float) -> list:
        return [a for a in self.answers if a[4] >= moment]


def wait_for(condition, seconds: float = SWITCH_SECONDS, step: float = 0.1) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "not within the time allowed"
        time.sleep(step)
    return time.monotonic() - started


def assert_consistent(answers: list, triples: dict[str, int], alias: dict[str, bool]) -> None:
    """Every answer was 200 and came whole from the version its header names."""
    failed = [a for a in answers if a[1] != 200]
    assert not failed, failed[:5]
    etags = defaultdict(set)
    for kind, _, version, value, _ in answers:
        assert version in triples, (kind, version)
        if kind == "count":
            assert value == triples[version], (version, value)
        elif kind == "health":
            assert value == (version, triples[version])
        elif kind == "alias":
            assert value is alias[version], version
        else:
            etags[version].add(value)
    assert all(len(tags) == 1 for tags in etags.values()), etags
    assert len(set().union(*etags.values())) == len(etags)  # one ETag per version, and not the same across versions


@pytest.mark.parametrize("workers", [1, 2])
def test_a_build_beside_the_running_service_is_served_without_a_restart_or_a_failed_request(tmp_path, data_dir, workers):
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    first = json.loads((data / POINTER).read_text())
    first_store = served_store(data)
    records = changed_records(tmp_path)
    service = start_service(tmp_path, data=data, workers=workers)
    try:
        with Load(service, fresh=workers > 1) as load:
            time.sleep(0.5)
            second = build(data, records)
            built = time.monotonic()
            assert second["version"] != first["version"] and second["triples"] > first["triples"]

            def switched(window: int = 40) -> bool:  # the last answers all from the new version
                last = load.answers[-window:]
                return len(last) == window and last[0][4] > built and all(a[2] == second["version"] for a in last)

            wait_for(switched)
            first_new = min(a[4] for a in load.answers if a[2] == second["version"])
            wait_for(lambda: not held(first_store))  # every worker has closed the old engine
            time.sleep(0.3)
        triples = {first["version"]: first["triples"], second["version"]: second["triples"]}
        assert_consistent(load.answers, triples, {first["version"]: False, second["version"]: True})
        assert first_new - built < SWITCH_SECONDS
        assert any(a[2] == first["version"] for a in load.answers)  # the old version served until the switch
        tiny = tmp_path / "tiny.nt"
        tiny.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
        assert run_kg("load", str(tiny), data_dir=data).returncode == 0
        assert not first_store.exists()  # the next store written pruned it: nothing holds it any more
        log = service.log.read_text()
        assert log.count(f"serving version {second['version']}") == workers, log[-2000:]
    finally:
        service.stop()


def point_at(data: Path, pointer: dict) -> None:
    """Make current.json name another store, atomically, as a build does."""
    tmp = data / ".current.json.test"
    tmp.write_text(json.dumps(pointer))
    os.replace(tmp, data / POINTER)


def test_a_new_store_that_cannot_be_served_leaves_the_old_version_serving(tmp_path, data_dir):
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    first = json.loads((data / POINTER).read_text())
    for name in ("corrupt", "elsewhere", "copy"):
        shutil.copytree(served_store(data), data / "stores" / name)
    (data / "stores" / "corrupt" / "oxigraph" / "CURRENT").write_text("garbage\n")
    service = start_service(tmp_path, data=data, env={"KG_RELOAD_INTERVAL": "0.2"})
    try:
        with Load(service) as load:
            point_at(data, {**first, "path": "stores/gone", "version": "gone"})  # a store deleted under it
            time.sleep(1)
            point_at(data, {**first, "path": "stores/corrupt", "version": "corrupt"})
            time.sleep(1)
            point_at(data, {**first, "path": "stores/elsewhere", "version": "elsewhere", "base_iri": "http://elsewhere.test"})
            time.sleep(1)
            with service.client() as client:
                assert client.get("/health").json()["version"] == first["version"]
            point_at(data, {**first, "path": "stores/copy", "version": "copy"})  # tried again at the next change: served
            wait_for(lambda: load.answers[-1][2] == "copy")
            time.sleep(0.3)
        triples = {first["version"]: first["triples"], "copy": first["triples"]}
        assert_consistent(load.answers, triples, {first["version"]: False, "copy": False})
        lines = [line for line in service.log.read_text().splitlines() if "still serving version" in line]
        assert len(lines) == 3, lines  # one line each, not one a second
        assert "stores/gone" in lines[0] and "missing" in lines[0]
        assert "Corruption" in lines[1]
        assert "http://elsewhere.test" in lines[2]
    finally:
        service.stop()
