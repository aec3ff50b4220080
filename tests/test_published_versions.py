"""Every publish is a version a user can cite: records/VERSIONS.tsv numbers it, the graph says
when each version was issued, what it added and which version it revises, and "what did the
graph say on a date" is a SPARQL query over the article graphs issued by then."""

from __future__ import annotations

import asyncio
import datetime
import shutil

import pytest
from rdflib import OWL, URIRef
from rdflib.namespace import DCTERMS, PROV

from graph.build import build, release
from graph.engine.embedded import EmbeddedEngine
from graph.errors import KgError, RecordErrors
from graph.ingest.pipeline import ingest
from graph.ingest.publish import publish
from graph.service_description import void_description
from graph.versions import COLUMNS, VERSIONS, Version, append_version, read_versions
from tests.support.paths import BASE, CORPUS
from tests.support.queries import rows
from tests.test_ingest import curated, left_out

FOUR = ("000-dknews-behavioural-policy.yaml", "002-apa-research-2020.yaml", "003-undp-civil-service-conference-2016.yaml",
        "004-strategy2050-astana-hub-wgs-2019.yaml")
FIRST = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.timezone.utc)

AS_OF = """SELECT DISTINCT ?label WHERE {
  GRAPH ?g { ?g dcterms:issued ?issued . ?person a kgo:Person ; rdfs:label ?label }
  FILTER(?issued <= "%s"^^xsd:dateTime) }"""


@pytest.fixture
def two_versions(tmp_path, ns):
    """Four seed articles published as version 1 on 1 March 2026, then 001 ingested and published."""
    sources = left_out(tmp_path, "001")
    for name in ("000_6a728bf7d395fcc2.txt", "002_af4b8f91d62aa13d.txt", "003_5275ec960448982b.txt", "004_1eaac0052576f68d.txt"):
        shutil.copy(CORPUS / name, sources.corpus_dir)
    data = tmp_path / "data"
    info, _ = build(sources, ns, data)
    append_version(sources.records_dir, Version(1, FIRST, info.version, FOUR, "four seed articles"))
    [result] = ingest([CORPUS / "001_3cbba066ae2e4c25.txt"], sources)
    curated(result.draft, url="https://nu.edu.kz/news/x", publisher="organization/nu-press-office")
    info, record, version = publish(result.draft, sources, ns, data)
    engine = EmbeddedEngine.open(data)
    yield sources, data, engine, version, record
    asyncio.run(engine.close())


def test_a_publish_is_the_next_version_and_the_graph_says_what_it_revises_and_added(two_versions, ns, tmp_path):
    sources, _, engine, version, record = two_versions
    assert version.number == 2 and version.records == (record.name,)
    rebuilt, _ = build(sources, ns, tmp_path / "rebuilt")
    assert rebuilt.version == version.digest  # a build of the published records is that version, not a revision of it
    assert [v.number for v in read_versions(sources.records_dir)] == [1, 2]
    [row] = rows(engine, f"""SELECT ?previous ?part ?issued WHERE {{ GRAPH <{BASE}/graph/versions> {{
        <{BASE}/id/version/2> prov:wasRevisionOf ?previous ; dcterms:hasPart ?part ; dcterms:issued ?issued }} }}""")
    assert row["previous"] == f"{BASE}/id/version/1" and row["part"].startswith(f"{BASE}/graph/")
    void = void_description(BASE, engine)
    dataset = URIRef(f"{BASE}/.well-known/void#dataset")
    assert void.value(dataset, OWL.sameAs) == URIRef(f"{BASE}/id/version/2")
    assert void.value(dataset, PROV.wasRevisionOf) == URIRef(f"{BASE}/id/version/1")
    assert void.value(dataset, DCTERMS.hasVersion).toPython() == version.digest


def test_what_the_graph_said_on_a_date_is_a_query(two_versions):
    _, _, engine, version, _ = two_versions
    on_first = {r["label"] for r in rows(engine, AS_OF % "2026-03-02T00:00:00Z")}
    now = {r["label"] for r in rows(engine, AS_OF % version.published.strftime("%Y-%m-%dT%H:%M:%SZ"))}
    assert "Waqar Ahmad" in on_first and "Colin Knox" not in on_first  # 001 was published after 1 March
    assert "Colin Knox" in now and on_first < now
    [changed] = rows(engine, """SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g dcterms:issued ?issued }
        FILTER(?issued > "2026-03-02T00:00:00Z"^^xsd:dateTime) }""")
    assert changed["n"] == "1"  # what changed since 2 March: one article graph


def test_records_edited_after_a_publish_are_unreleased_until_kg_release(two_versions, ns):
    sources, data, engine, version, record = two_versions
    record.write_text(record.read_text(encoding="utf-8").replace("Colin Knox", "Colin Knox", 1) + "\n", encoding="utf-8")
    info, _ = build(sources, ns, data)
    assert info.version != version.digest
    edited = EmbeddedEngine.open(data)
    try:
        void = void_description(BASE, edited)
    finally:
        asyncio.run(edited.close())
    dataset = URIRef(f"{BASE}/.well-known/void#dataset")
    assert void.value(dataset, OWL.sameAs) is None  # no published version is this build
    assert void.value(dataset, PROV.wasRevisionOf) == URIRef(f"{BASE}/id/version/2")
    info, third = release(sources, ns, data, "a blank line added by hand")
    assert (third.number, third.digest, third.records) == (3, info.version, ())
    with pytest.raises(KgError, match="nothing changed since version 3"):
        release(sources, ns, data, "again")


@pytest.mark.parametrize("rows_text, message", [
    ("1\t2026-03-01\tabc\tx.yaml\t", "YYYY-MM-DDThh:mm:ssZ"),
    ("2\t2026-03-01T09:00:00Z\tabc\tx.yaml\t", "version 2 follows version 0"),
    ("1\t2026-03-01T09:00:00Z\tabc\tx.yaml\t\n2\t2026-02-01T09:00:00Z\tdef\ty.yaml\t", "version 2 is dated before version 1"),
    ("1\t2026-03-01T09:00:00Z\tabc", "3 cells, not 5"),
])
def test_a_malformed_versions_table_is_refused_naming_its_line(tmp_path, rows_text, message):
    (tmp_path / VERSIONS).write_text("\t".join(COLUMNS) + "\n" + rows_text + "\n", encoding="utf-8")
    with pytest.raises(RecordErrors) as refused:
        read_versions(tmp_path)
    assert message in str(refused.value) and f"{VERSIONS}:" in str(refused.value)
