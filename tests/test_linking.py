"""Identifiers proposed for what the graph learns (issue 19, offline part): countries and major
cities from patterns/places.tsv, with a score and evidence, never a second owner, nothing under
the threshold, no network; the links a curator accepts in a draft reach links.tsv and the graph."""

from __future__ import annotations

import asyncio
import shutil
import socket

from graph.engine.embedded import EmbeddedEngine
from graph.errors import Origin
from graph.ingest.pipeline import ingest
from graph.ingest.publish import publish, review
from graph.build import release
from graph.links import LinkRow, coverage, linked_entity, read_links
from graph.linking import THRESHOLD, place_candidates, proposals
from graph.records import load_draft
from tests.support.paths import CORPUS, RECORDS
from tests.test_ingest import curated, left_out, published_001  # noqa: F401 (a fixture)


def ids(candidates) -> set[tuple[str, str]]:
    return {(c.scheme, c.identifier) for c in candidates}


def test_a_country_resolves_offline_to_its_geonames_id_and_iso_codes():
    found = place_candidates(["Estonia"], "Country")
    assert ids(found) == {("geonames", "453733"), ("iso3166-2", "EE"), ("iso3166-3", "EST")}
    assert all(c.score == 100 and "Estonia" in c.evidence for c in found)


def test_a_city_gets_the_wikidata_id_a_verified_table_ties_to_its_geonames_id():
    found = place_candidates(["Dubai"], "Place")
    assert ids(found) == {("geonames", "292223"), ("wikidata", "Q612")}
    assert "population" in found[0].evidence and found[0].relation == "sameAs"


def test_a_namesake_with_no_clue_scores_under_the_threshold_and_is_not_proposed():
    found = proposals(place_candidates(["Victoria"], "Place"), "place/victoria", [])
    assert found.proposed == [] and found.below and all(c.score < THRESHOLD for c in found.below)
    seychelles = place_candidates(["Victoria"], "Place", countries={"SC"})  # the article names the Seychelles
    assert [c.score for c in seychelles] == [100] and "in SC" in seychelles[0].evidence


def test_an_identifier_another_entity_has_is_a_conflict_never_a_second_owner():
    owner = LinkRow("place/dubai-emirate", "wikidata", "Q612", "sameAs", "a source", "", Origin(None, 1))
    found = proposals(place_candidates(["Dubai"], "Place"), "place/dubai", [owner])
    assert ("wikidata", "Q612") not in ids(found.proposed)
    assert [(c.identifier, who) for c, who in found.conflicts] == [("Q612", "place/dubai-emirate")]
    assert ("geonames", "292223") in ids(found.proposed)


def test_proposing_identifiers_makes_no_network_call(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    sources = left_out(tmp_path, "004")
    shutil.copy(RECORDS / "links.tsv", sources.records_dir)
    [result] = ingest([CORPUS / "004_1eaac0052576f68d.txt"], sources)
    assert "identifiers proposed" in result.note


def test_a_left_out_seed_article_gets_the_verified_identifiers_of_the_places_it_adds(tmp_path):
    """The graph of the four other seed records, with the verified links of their entities only;
    ingesting the fifth proposes for its new places exactly what the verified table holds."""
    sources = left_out(tmp_path, "004")
    declared = {e.id for path in sources.records_dir.glob("*.yaml") for e in load_draft(path)[0].entities}
    verified = read_links(RECORDS / "links.tsv")
    kept = [line for line in (RECORDS / "links.tsv").read_text(encoding="utf-8").splitlines()
            if line.startswith(("#", "entity\t")) or line.split("\t")[0] in declared]
    (sources.records_dir / "links.tsv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    [result] = ingest([CORPUS / "004_1eaac0052576f68d.txt"], sources)
    record, reviews = load_draft(result.draft)
    places = {e.id: reviews[e.id] for e in record.entities if e.id.startswith("place/") and reviews[e.id]["status"] == "new"}
    assert {"place/ukraine", "place/dubai", "place/moldova"} <= set(places)
    for entity, entry in places.items():
        expected = {(row.scheme, row.identifier) for row in verified if row.entity == entity and row.scheme != "dbpedia"}
        proposed = {(link["scheme"], link["identifier"]) for link in entry.get("links", [])}
        assert proposed == expected, entity  # "Korea" names two countries: nothing, as the table has nothing for it
    assert reviews["place/dubai"]["links"][0]["evidence"].startswith("city named 'Dubai'")


def test_a_link_accepted_in_a_draft_is_published_into_links_tsv_and_the_graph(published_001, ns, tmp_path):  # noqa: F811
    """And `kg links` counts what the graph learned after its first version apart."""
    sources, result = published_001
    release(sources, ns, tmp_path / "first", "the four other seed articles")  # version 1
    curated(result.draft, url="https://nu.edu.kz/news/x", publisher="organization/nu-press-office")
    text = result.draft.read_text(encoding="utf-8")
    start = text.index("  - id: organization/ulster-university\n")
    at = text.index("    review:", start)
    accepted = ("    links:\n      - {scheme: ror, identifier: 01yp9g959, source: 'ROR record 01yp9g959 (University of Ulster)'}\n")
    result.draft.write_text(text[:at] + accepted + text[at:], encoding="utf-8")
    assert review(result.draft, sources, ns).publishable
    data = tmp_path / "data"
    _, record, _ = publish(result.draft, sources, ns, data)
    assert "links:" not in record.read_text(encoding="utf-8")
    [row] = [r for r in read_links(sources.links_file) if r.entity == "organization/ulster-university"]
    assert (row.scheme, row.identifier, row.relation) == ("ror", "01yp9g959", "sameAs") and "accepted in the review" in row.note
    engine = EmbeddedEngine.open(data)
    try:
        assert linked_entity(engine, "https://ror.org/01yp9g959").endswith("/id/organization/ulster-university")
        learned = {c.kind: c for c in coverage(engine, ns, learned=True)}
        organizations = learned["organization"]
        assert f"{ns.base}/id/organization/ulster-university" in organizations.by_scheme["ror"]
        assert f"{ns.base}/id/organization/nazarbayev-university" not in organizations.entities  # a seed record has it
        assert ("Colin Knox", f"{ns.base}/id/person/colin-knox") in learned["person"].unlinked
        everything = {c.kind: c for c in coverage(engine, ns)}
        assert set(organizations.entities) < set(everything["organization"].entities)
    finally:
        asyncio.run(engine.close())


def test_a_bad_accepted_link_is_refused_naming_the_draft_line(published_001, ns):  # noqa: F811
    sources, result = published_001
    curated(result.draft, url="https://nu.edu.kz/news/x", publisher="organization/nu-press-office")
    text = result.draft.read_text(encoding="utf-8")
    start = text.index("  - id: organization/ulster-university\n")
    at = text.index("    review:", start)
    result.draft.write_text(text[:at] + "    links:\n      - {scheme: ror, identifier: not-a-ror-id, source: x}\n" + text[at:],
                            encoding="utf-8")
    found = review(result.draft, sources, ns)
    assert not found.publishable
    [problem] = [p for p in found.problems if "not a ror identifier" in p.message]
    assert problem.origin.path == result.draft and problem.origin.line == text[:at].count("\n") + 2

