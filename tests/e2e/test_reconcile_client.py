"""Identifiers for the people and organisations a draft adds, from a W3C reconciliation service
(graph/reconcile_client.py): a real one on 127.0.0.1, this project's own `/reconcile` serving the
whole curated graph with its verified links; nothing asked when none is configured; a service that
is down or slow leaves the draft written, with a note; answers cached."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from graph.config import ReconcileConfig
from graph.engine.embedded import EmbeddedEngine
from graph.ingest.pipeline import ingest
from graph.ingest.publish import publish, review
from graph.links import SCHEMES, read_links
from graph.reconcile_client import ReconcileClient
from graph.records import load_draft
from tests.support.app import in_process
from tests.support.paths import BASE, CORPUS, RECORDS
from tests.support.server import start_service
from tests.test_ingest import curated, left_out

pytestmark = pytest.mark.e2e
ARTICLE = CORPUS / "001_3cbba066ae2e4c25.txt"


@pytest.fixture(scope="module")
def knowing(tmp_path_factory):
    """A reconciliation server that knows the 001 article's organisations: the curated graph."""
    service = start_service(tmp_path_factory.mktemp("knowing"))
    yield service.url + "/reconcile"
    service.stop()


def drafted(tmp_path, config: ReconcileConfig | None):
    sources = left_out(tmp_path, "001")
    declared = {e.id for path in sources.records_dir.glob("*.yaml") for e in load_draft(path)[0].entities}
    kept = [line for line in (RECORDS / "links.tsv").read_text(encoding="utf-8").splitlines()
            if line.startswith(("#", "entity\t")) or line.split("\t")[0] in declared]
    (sources.records_dir / "links.tsv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    [result] = ingest([ARTICLE], sources, reconcile=config)
    record, reviews = load_draft(result.draft)
    return result, reviews


def test_a_reconciliation_server_that_knows_them_gives_the_verified_identifiers_of_new_organisations(tmp_path, knowing):
    cache = tmp_path / "cache.json"
    result, reviews = drafted(tmp_path, ReconcileConfig((knowing,), 10.0, cache))
    proposed = {(link["scheme"], link["identifier"]) for link in reviews["organization/ulster-university"]["links"]}
    verified = {(r.scheme, r.identifier) for r in read_links(RECORDS / "links.tsv") if r.entity == "organization/ulster-university"}
    assert proposed == verified == {("ror", "01yp9g959"), ("wikidata", "Q2096524")}
    evidence = reviews["organization/ulster-university"]["links"][0]["evidence"]
    assert "reconciled by" in evidence and "owl:sameAs" in evidence
    assert "identifiers proposed" in result.note and cache.is_file()
    people = [key for key in reviews if key.startswith("person/")]
    assert people and not any(reviews[key].get("links") for key in people)  # the verified table has none for people


class Counting(httpx.BaseTransport):
    """The real transport, each request counted."""

    def __init__(self):
        self.inner, self.sent = httpx.HTTPTransport(), []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return self.inner.handle_request(request)


def test_the_answers_are_cached_the_same_names_are_not_asked_again(tmp_path, knowing):
    config = ReconcileConfig((knowing,), 10.0, tmp_path / "cache.json")
    names = {"organization/ulster-university": "Ulster University", "organization/cornell": "Cornell University"}
    first, second = Counting(), Counting()
    asked = ReconcileClient(config, transport=first)
    found, notes = asked.candidates(names)
    asked.close()
    again = ReconcileClient(config, transport=second)
    cached, cached_notes = again.candidates(names)
    again.close()
    assert len(first.sent) == 3  # the manifest, one batch of queries, one data extension
    assert second.sent == [] and cached == found and notes == cached_notes == []
    assert ("ror", "05bnh6r87") in {(c.scheme, c.identifier) for c in found["organization/cornell"]}


def test_no_service_configured_means_no_connection_at_all(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    result, reviews = drafted(tmp_path, None)
    assert result.draft.is_file() and "linking" not in reviews["article"]


def test_a_service_that_is_down_leaves_the_draft_written_with_a_note(tmp_path):
    result, reviews = drafted(tmp_path, ReconcileConfig(("http://127.0.0.1:9/reconcile",), 2.0, None))
    assert result.draft.is_file()
    [note] = reviews["article"]["linking"]
    assert "http://127.0.0.1:9/reconcile could not be asked" in note and "ConnectError" in note


def test_a_service_that_is_slow_is_left_at_its_time_limit_with_a_note(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held = []
    threading.Thread(target=lambda: held.append(listener.accept()), daemon=True).start()  # accepts, never answers
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/reconcile"
    began = time.monotonic()
    try:
        result, reviews = drafted(tmp_path, ReconcileConfig((url,), 1.0, None))
    finally:
        listener.close()
    assert result.draft.is_file() and time.monotonic() - began < 30
    [note] = reviews["article"]["linking"]
    assert "could not be asked" in note and "Timeout" in note


def accepted(draft: Path, reviews: dict) -> list[tuple[str, str, str]]:
    """What a curator does who accepts every proposed link: each copied into its entry's `links:`."""
    text, taken = draft.read_text(encoding="utf-8"), []
    for entity, entry in reviews.items():
        if entity == "article" or not entry.get("links"):
            continue
        start = text.index(f"  - id: {entity}\n")
        at = text.index("    review:", start)
        block = "    links:\n" + "".join(f"      - {{scheme: {link['scheme']}, identifier: '{link['identifier']}', "
                                         f"source: '{link['source']}'}}\n" for link in entry["links"])
        text = text[:at] + block + text[at:]
        taken += [(entity, link["scheme"], link["identifier"]) for link in entry["links"]]
    draft.write_text(text, encoding="utf-8")
    return taken


def test_the_round_trip_proposed_accepted_published_and_answered_by_sameas(tmp_path, knowing, ns):
    """The 001 article into the graph of the four other seed records (with their entities'
    verified links only): its new organisations' identifiers proposed by the reconciliation server
    that knows them, accepted, published, then /sameas answers each with the entity."""
    sources = left_out(tmp_path, "001")
    for name in ("000_6a728bf7d395fcc2.txt", "002_af4b8f91d62aa13d.txt", "003_5275ec960448982b.txt", "004_1eaac0052576f68d.txt"):
        shutil.copy(CORPUS / name, sources.corpus_dir)
    declared = {e.id for path in sources.records_dir.glob("*.yaml") for e in load_draft(path)[0].entities}
    kept = [line for line in (RECORDS / "links.tsv").read_text(encoding="utf-8").splitlines()
            if line.startswith(("#", "entity\t")) or line.split("\t")[0] in declared]
    (sources.records_dir / "links.tsv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    [result] = ingest([ARTICLE], sources, reconcile=ReconcileConfig((knowing,), 10.0, None))
    taken = accepted(result.draft, load_draft(result.draft)[1])
    assert ("organization/ulster-university", "ror", "01yp9g959") in taken
    curated(result.draft, url="https://nu.edu.kz/news/x", publisher="organization/nu-press-office")
    assert review(result.draft, sources, ns).publishable
    data = tmp_path / "data"
    publish(result.draft, sources, ns, data)
    engine = EmbeddedEngine.open(data)
    try:
        with in_process(engine) as http:
            for entity, scheme, identifier in taken:
                iri = SCHEMES[scheme][1](identifier) if SCHEMES[scheme][1] else None
                if iri is None:
                    continue
                answer = http.get("/sameas", params={"uri": iri})
                assert answer.status_code == 303 and answer.headers["location"] == f"{BASE}/id/{entity}", (entity, iri)
    finally:
        asyncio.run(engine.close())
