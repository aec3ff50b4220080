"""`kg ingest`: an article in, a draft record out, with every mention resolved, flagged or
proposed, and a verbatim quote for each entry; nothing published is touched."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from graph.config import Sources
from graph.corpus import read_index
from graph.engine.embedded import EmbeddedEngine
from graph.errors import KgError, RecordErrors
from graph.ingest.pipeline import ingest
from graph.ingest.publish import publish, review
from graph.ingest.source import SourceError
from graph.quotes import normalise
from graph.records import load_draft
from graph.versions import read_versions
from tests.support.paths import BASE, CORPUS, RECORDS
from tests.support.queries import rows

SEED = "000_6a728bf7d395fcc2.txt"


def left_out(tmp_path: Path, seed_prefix: str) -> Sources:
    """The records and corpus of the other seed articles: the graph before this one."""
    records, corpus = tmp_path / "records", tmp_path / "corpus"
    records.mkdir()
    corpus.mkdir()
    for path in RECORDS.glob("*.yaml"):
        if not path.name.startswith(seed_prefix):
            shutil.copy(path, records)
    lines = (CORPUS / "index.tsv").read_text(encoding="utf-8").splitlines()
    (corpus / "index.tsv").write_text("\n".join(l for l in lines if not l.startswith(seed_prefix)) + "\n", encoding="utf-8")
    return Sources(records, corpus)


@pytest.fixture
def drafted(tmp_path):
    sources = left_out(tmp_path, "000")
    [result] = ingest([CORPUS / SEED], sources)
    record, reviews = load_draft(result.draft)
    return sources, result, record, reviews


def test_a_seed_article_left_out_gives_a_draft_that_resolves_known_names_and_proposes_new_ones(drafted):
    _, result, record, reviews = drafted
    ids = [e.id for e in record.entities]
    assert len(ids) == len(set(ids))
    assert reviews["organization/nazarbayev-university"]["status"] == "resolved"
    assert "NU" in reviews["organization/nazarbayev-university"]["written"]
    for new in ("organization/national-analytical-center", "organization/nac-management-board", "person/rassul-rysmambetov",
                "person/waqar-ahmad", "person/saltanat-janenova", "organization/uk-prime-ministers-office"):
        assert reviews[new]["status"] == "new", new
    bit = next(e for e in record.entities if e.label == "Behavioral Insights Team")
    assert [a.label for a in bit.alt] == ["BIT"]
    janenova = next(e for e in record.entities if e.id == "person/saltanat-janenova")
    assert [(f.predicate, f.value, f.quote) for f in janenova.facts] == [("schema:honorificPrefix", "Dr.", "Dr. Saltanat Janenova")]


def test_every_quote_of_the_draft_is_verbatim_in_the_text_and_none_comes_from_furniture(drafted):
    _, result, record, _ = drafted
    text = normalise(result.text.read_text(encoding="utf-8"))
    assert result.text.read_bytes() == (CORPUS / SEED).read_bytes()  # stored exactly as read
    quotes = [e.quote for e in record.entities if e.quote] + [f.quote for e in record.entities for f in e.facts]
    assert quotes and all(normalise(q) in text for q in quotes)
    for passage in record.article.furniture:
        assert not any(normalise(passage) in normalise(q) for q in quotes), passage
    assert "Autoreload" in record.article.furniture


def test_ingesting_the_same_text_again_gives_the_same_draft_and_no_second_article(drafted):
    sources, result, _, _ = drafted
    before = result.draft.read_bytes()
    [again] = ingest([CORPUS / SEED], sources)
    assert again.draft == result.draft and again.draft.read_bytes() == before
    assert sorted(p.name for p in sources.drafts_dir.iterdir()) == sorted([result.draft.name, result.text.name])


def test_a_text_already_in_the_corpus_writes_nothing(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records, ignore=shutil.ignore_patterns("drafts"))
    [result] = ingest([CORPUS / SEED], Sources(records, CORPUS))
    assert result.draft is None and "already in the corpus" in result.note
    assert not (records / "drafts").exists()


def test_published_records_are_never_touched(drafted):
    sources, _, _, _ = drafted
    assert sorted(p.name for p in sources.records_dir.glob("*.yaml")) == sorted(
        p.name for p in RECORDS.glob("*.yaml") if not p.name.startswith("000"))


AMBIGUOUS_RECORD = """\
article:
  slug: people
  file: 000_6a728bf7d395fcc2.txt
  url: https://example.org/p
  title: ~
  published: ~
  publisher: ~
  author: ~
entities:
  - id: person/anna-smith
    type: Person
    label: Anna Smith
    quote: ~
    metadata: true
  - id: person/john-smith
    type: Person
    label: John Smith
    quote: ~
    metadata: true
"""


def test_a_surname_two_known_people_share_is_ambiguous_with_both_candidates_and_never_merged(tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    (records / "people.yaml").write_text(AMBIGUOUS_RECORD, encoding="utf-8")
    article = tmp_path / "article.txt"
    article.write_text("Reform of the civil service\n\nAt the meeting on public administration, Dr. Smith said that the "
                       "reform of the civil service would continue and that the new law would be ready by the end of "
                       "the year, as the ministry had promised to the public and to the parliament.\n", encoding="utf-8")
    [result] = ingest([article], Sources(records, tmp_path / "no-corpus"))
    _, reviews = load_draft(result.draft)
    [ambiguous] = [r for r in reviews.values() if r.get("status") == "ambiguous"]
    assert sorted(ambiguous["candidates"]) == ["person/anna-smith", "person/john-smith"]


def test_a_bad_input_writes_no_draft(tmp_path):
    sources = left_out(tmp_path, "000")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(SourceError, match="image.txt"):
        ingest([CORPUS / SEED, binary], sources)  # the good one is not written either
    assert not sources.drafts_dir.exists()


def curated(draft: Path, **article: str) -> None:
    """What a curator does to the 001 draft before publishing: the article's URL and publisher,
    and the parent of each unit the shapes ask for."""
    text = draft.read_text(encoding="utf-8")
    for key, value in article.items():
        text = text.replace(f"\n  {key}:\n", f"\n  {key}: {value}\n", 1)
    for unit in ("organization/nu-graduate-school-of-public-policy", "organization/nu-press-office"):
        start = text.index(f"  - id: {unit}\n")
        at = text.index("    review:", start)
        text = text[:at] + "    facts:\n      - kgo:subOrganizationOf: organization/nazarbayev-university\n        quote: NU\n" + text[at:]
    draft.write_text(text, encoding="utf-8")


@pytest.fixture
def published_001(tmp_path, ns):
    sources = left_out(tmp_path, "001")
    for name in ("000_6a728bf7d395fcc2.txt", "002_af4b8f91d62aa13d.txt", "003_5275ec960448982b.txt", "004_1eaac0052576f68d.txt"):
        shutil.copy(CORPUS / name, sources.corpus_dir)
    [result] = ingest([CORPUS / "001_3cbba066ae2e4c25.txt"], sources)
    return sources, result


def snapshot(sources: Sources, data: Path) -> dict:
    files = [*sources.records_dir.glob("*.yaml"), *sources.corpus_dir.iterdir()]
    return {str(p): p.read_bytes() for p in files if p.is_file()} | {"current": (data / "current.json").read_bytes() if (data / "current.json").exists() else b""}


def test_review_says_what_blocks_publishing_and_publish_refuses_it_changing_nothing(published_001, ns, tmp_path):
    sources, result = published_001
    reviewed = review(result.draft, sources, ns)
    assert not reviewed.publishable
    messages = [str(v) for v in reviewed.checked.violations]
    assert any(f"{result.draft}:" in m and "needs the URL it was published at" in m for m in messages)
    data = tmp_path / "data"
    before = snapshot(sources, data)
    with pytest.raises(KgError):
        publish(result.draft, sources, ns, data)
    assert snapshot(sources, data) == before and result.draft.is_file()


def test_an_edited_draft_publishes_into_the_records_the_corpus_and_the_store(published_001, ns, tmp_path):
    sources, result = published_001
    curated(result.draft, url="https://nu.edu.kz/news/x", publisher="organization/nu-press-office")
    assert review(result.draft, sources, ns).publishable
    data = tmp_path / "data"
    info, record, version = publish(result.draft, sources, ns, data)
    assert record.name == "005-001-3cbba066ae2e4c25.yaml"  # numbered after the published records
    assert "review:" not in record.read_text(encoding="utf-8")
    entries, problems = read_index(sources.corpus_dir)
    assert problems == [] and entries["001-3cbba066ae2e4c25.txt"].url == "https://nu.edu.kz/news/x"
    assert not result.draft.exists() and not result.text.exists()
    changelog = (sources.records_dir / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## Version {version.number}, " in changelog and f"(digest {info.version})" in changelog
    assert "`005-001-3cbba066ae2e4c25.yaml`" in changelog
    assert version.digest == info.version and version.records == ("005-001-3cbba066ae2e4c25.yaml",)
    assert read_versions(sources.records_dir) == [version]
    assert "`person/colin-knox`" in changelog
    engine = EmbeddedEngine.open(data)
    try:
        found = rows(engine, "SELECT ?name WHERE { ?p a <%s/ontology#Person> ; rdfs:label ?name FILTER(STR(?name) = 'Colin Knox') }" % BASE)
        assert found == [{"name": "Colin Knox"}]
    finally:
        asyncio.run(engine.close())


def test_a_draft_with_a_quote_not_in_its_text_is_refused_naming_its_line(published_001, ns, tmp_path):
    sources, result = published_001
    curated(result.draft, url="https://nu.edu.kz/news/x", publisher="organization/nu-press-office")
    text = result.draft.read_text(encoding="utf-8").replace("quote: NU\n", "quote: NU is not quoted like this\n", 1)
    result.draft.write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    before = snapshot(sources, data)
    with pytest.raises(RecordErrors) as refused:
        publish(result.draft, sources, ns, data)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "NU is not quoted like this" in l) - 1
    assert f"{result.draft}:{line}:" in str(refused.value) and "quote not found" in str(refused.value)
    assert snapshot(sources, data) == before


def test_a_second_draft_proposing_a_published_entity_under_another_id_is_caught(published_001, ns, tmp_path):
    sources, result = published_001
    curated(result.draft, url="https://nu.edu.kz/news/x", publisher="organization/nu-press-office")
    publish(result.draft, sources, ns, tmp_path / "data")
    second = tmp_path / "again.txt"
    second.write_text("Ulster University and the NU Press Office\n\nColin Knox spoke at Ulster University about the reform "
                      "of public administration and the work of the NU Press Office in the region, with officials.\n",
                      encoding="utf-8")
    [again] = ingest([second], sources)
    text = again.draft.read_text(encoding="utf-8").replace("id: organization/ulster-university\n", "id: organization/ulster-university-2\n")
    again.draft.write_text(text, encoding="utf-8")
    reviewed = review(again.draft, sources, ns)
    assert any("organization/ulster-university-2 is proposed as new, but the records have 'Ulster University' as "
               "organization/ulster-university" in b for b in reviewed.blocking)


def test_a_figure_that_differs_from_the_graphs_is_kept_beside_it_and_listed(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records, ignore=shutil.ignore_patterns("drafts"))
    article = tmp_path / "hub.txt"
    article.write_text("The Hub grows\n\nIn 2023 the Astana Civil Service Hub, consisting of 45 member-countries, held its "
                       "annual conference on public administration and civil service reform with experts from the region.\n",
                       encoding="utf-8")
    [result] = ingest([article], Sources(records, tmp_path / "no-corpus"))
    record, reviews = load_draft(result.draft)
    hub = next(e for e in record.entities if e.id == "organization/astana-civil-service-hub")
    [figure] = [f for f in hub.facts if f.predicate == "kgo:memberCount"]
    assert figure.value["value"] == 45
    [conflict] = reviews["article"]["conflicts with the graph (both kept)"]
    assert "states 45 member-countries" in conflict and "the graph holds 40 member-countries" in conflict
    assert "strategy2050-astana-hub-session-wgs-2019" in conflict


def test_an_article_the_rules_were_not_written_for_gives_one_entity_per_thing_and_no_wrong_merge(tmp_path):
    """tests/data/unseen-article.txt: written for this test in the style of the seeds, with names
    the seeds do not have, a short form, a name with its country, two units named by their owner's
    short name, "the Academy" meaning another academy than the graph's, a dateline and a credit."""
    sources = left_out(tmp_path, "none")  # the whole seed graph
    [result] = ingest([Path(__file__).parent / "data" / "unseen-article.txt"], sources)
    record, reviews = load_draft(result.draft)
    by_id = {e.id: e for e in record.entities}
    agency = "organization/agency-for-civil-service-affairs-of-the-republic"
    assert set(reviews[agency]["written"]) == {"Agency", "Agency for Civil Service Affairs",
                                               "Agency for Civil Service Affairs of the Republic of Kazakhstan"}
    assert by_id["organization/e-governance-academy-of-estonia"].label == "e-Governance Academy of Estonia"
    assert not [e for e in record.entities if e.kind == "person" and e.label.startswith("of ")]
    apa = reviews["organization/academy-of-public-administration"]["written"]
    assert apa == ["Academy of Public Administration under the President of the Republic of Kazakhstan"]  # not "the Academy"
    committee = by_id["organization/steering-committee-of-the-astana-civil-service-hub"]
    assert {f.predicate: f.value for f in committee.facts}["kgo:subOrganizationOf"] == "organization/astana-civil-service-hub"
    department = by_id["organization/department-of-digital-services-of-the-agency-for"]
    assert {f.predicate: f.value for f in department.facts}["kgo:subOrganizationOf"] == agency
    assert [e.label for e in record.entities if e.kind == "programme"] == ["Digital Kazakhstan"]
    workshop = by_id["event/two-day-workshop-on-digital-transformation"]
    assert {(f.predicate, str(f.value)) for f in workshop.facts if f.predicate.startswith("schema:")} == {
        ("schema:startDate", "2024-03-12"), ("schema:endDate", "2024-03-13")}
    assert (str(record.article.published), record.article.publisher) == ("2024-03-14", "organization/kazinform")
    assert by_id["organization/kazinform"].types == ["NewsOutlet"]
