"""Identity links: the verified identifiers, their integrity checks, /sameas, and schema.org markup."""

from __future__ import annotations

import csv
import json
import re

import pytest

from graph.build import check
from graph.config import Sources
from graph.errors import RecordErrors
from graph.links import read_links
from graph.namespaces import Namespaces
from tests.support.paths import BASE, CORPUS, RECORDS, SHARED, needs_corpus
from tests.support.records import VALID

SHARED_TABLE = SHARED / "links" / "external_ids.tsv"
needs_table = pytest.mark.skipif(not SHARED_TABLE.is_file(), reason="../shared/links is not present")


@needs_table
def test_every_verified_identifier_is_attached_with_its_source_and_no_other():
    shared = [r for r in csv.DictReader(SHARED_TABLE.open(), delimiter="\t") if r["status"] == "VERIFIED"]
    ours = {(r.scheme, r.identifier): r for r in read_links(RECORDS / "links.tsv")}
    unattached = {r["entity_label"] for r in shared if (r["scheme"], r["identifier"]) not in ours}
    assert unattached == {"United Arab Emirates"}  # verified, but no article mentions it
    shared_keys = {(r["scheme"], r["identifier"]): r for r in shared}
    for key, row in ours.items():
        assert key in shared_keys, f"{key} is not a verified identifier of the shared table"
        assert row.source == shared_keys[key]["source"]


def check_with_links(tmp_path, rows: list[str], extra_records: str = ""):
    records = tmp_path / "records"
    records.mkdir()
    (records / "000-test.yaml").write_text(VALID + extra_records)
    header = "entity\tscheme\tidentifier\trelation\tsource\tnote\n"
    (records / "links.tsv").write_text(header + "".join(r + "\n" for r in rows))
    return check(Sources(records, CORPUS), Namespaces(BASE))


@needs_corpus
def test_a_valid_link_conforms(tmp_path):
    checked = check_with_links(tmp_path, ["organization/nu\twikidata\tQ2783344\tsameAs\tROR record\t"])
    assert checked.violations == []


@needs_corpus
@pytest.mark.parametrize("row,message", [
    ("organization/nu\twikidata\t2783344\tsameAs\tsrc\t", "not a wikidata identifier"),
    ("organization/nowhere\twikidata\tQ1\tsameAs\tsrc\t", "no record declares the entity `organization/nowhere`"),
    ("organization/nu\twikidata\tQ1\tsameAs\t\t", "a link needs the source that verifies it"),
    ("organization/nu\tiso3166-2\tKZ\tsameAs\tsrc\t", "relation `sameAs` does not fit the scheme (use code)"),
    ("organization/nu\torcid\t0000\tsameAs\tsrc\t", "unknown scheme `orcid`"),
])
def test_broken_link_rows_name_the_row(tmp_path, row, message):
    with pytest.raises(RecordErrors) as caught:
        check_with_links(tmp_path, [row])
    assert "links.tsv:2:" in str(caught.value) and message in str(caught.value)


@needs_corpus
def test_two_entities_claiming_one_identifier(tmp_path):
    with pytest.raises(RecordErrors) as caught:
        check_with_links(tmp_path, ["organization/nu\twikidata\tQ5\tsameAs\tsrc\t", "organization/nac\twikidata\tQ5\tsameAs\tsrc\t"])
    assert "links.tsv:3:" in str(caught.value) and "already claimed at" in str(caught.value)


@needs_corpus
def test_a_scheme_the_type_cannot_have_is_a_violation(tmp_path):
    person = """\
  - id: person/someone
    type: Person
    label: Rassul Rysmambetov
    quote: Rassul Rysmambetov
"""
    checked = check_with_links(tmp_path, [
        "person/someone\tgeonames\t1526273\tsameAs\tsrc\t",
        "organization/nu\tgeonames\t1526274\tsameAs\tsrc\t",
    ], person)
    messages = "\n".join(str(v) for v in checked.violations)
    assert "a person has no GeoNames or ROR identifier" in messages
    assert "an organization has no GeoNames identifier" in messages


@needs_corpus
def test_codes_only_on_countries(tmp_path):
    checked = check_with_links(tmp_path, ["organization/nu\tiso3166-2\tKZ\tcode\tsrc\t"])
    assert any("Country" in str(v) or "only a country" in str(v) or "more than one top-level kind" in str(v) for v in checked.violations)


# -- over HTTP, in-process ----------------------------------------------------------------------

@pytest.mark.parametrize("path,expected", [
    ("/id/place/kazakhstan", {"http://www.wikidata.org/entity/Q232", "https://sws.geonames.org/1522867/", "http://dbpedia.org/resource/Kazakhstan"}),
    ("/id/organization/nazarbayev-university", {"http://www.wikidata.org/entity/Q2783344", "https://ror.org/052bx8q98"}),
    ("/id/organization/undp", {"http://www.wikidata.org/entity/Q161718", "https://ror.org/051777d98"}),
])
def test_entity_jsonld_carries_the_verified_identifiers(http, path, expected):
    doc = http.get(path, headers={"Accept": "application/ld+json"}).json()
    context = http.get("/context.jsonld").json()["@context"]
    prefixes = {k: v for k, v in context.items() if isinstance(v, str)}

    def expand(curie):
        prefix, _, local = curie.partition(":")
        return prefixes.get(prefix, prefix + ":") + local if prefix in prefixes else curie

    assert {expand(v["@id"]) for v in doc["sameAs"]} == expected
    provenance = [e for e in doc["evidence"] if "kgo:IdentityLink" in e.get("@type", [])]
    assert provenance and all(e["verifiedIn"] for e in provenance)


def test_undp_kazakhstan_is_not_undp(http):
    doc = http.get("/id/organization/undp-kazakhstan", headers={"Accept": "application/ld+json"}).json()
    assert doc["sameAs"] == []
    assert doc["subOrganizationOf"] == []  # only the page's navigation said so: furniture is never evidence


@pytest.mark.parametrize("uri,entity", [
    ("Q232", "place/kazakhstan"),
    ("wd:Q232", "place/kazakhstan"),
    ("http://www.wikidata.org/entity/Q232", "place/kazakhstan"),
    ("https://www.wikidata.org/entity/Q232", "place/kazakhstan"),
    ("https://www.wikidata.org/wiki/Q2783344", "organization/nazarbayev-university"),
    ("http://wikidata.org/wiki/Q161718", "organization/undp"),
    ("https://sws.geonames.org/1522867/", "place/kazakhstan"),
    ("http://www.geonames.org/1526273/astana.html", "place/astana"),
    ("sws.geonames.org/1526273", "place/astana"),
    ("052bx8q98", "organization/nazarbayev-university"),
    ("https://ror.org/052bx8q98", "organization/nazarbayev-university"),
    ("http://ror.org/051777d98", "organization/undp"),
    ("https://dbpedia.org/page/Kazakhstan", "place/kazakhstan"),
    ("http://dbpedia.org/resource/Dubai", "place/dubai"),
    ("Q178079", "topic/meritocracy"),
])
def test_sameas_resolves_every_variant(http, uri, entity):
    response = http.get("/sameas", params={"uri": uri})
    assert response.status_code == 303
    assert response.headers["location"] == f"{BASE}/id/{entity}"


def test_sameas_unknown_is_404_problem(http):
    response = http.get("/sameas", params={"uri": "Q878"})  # the UAE: verified, but not in the graph
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert http.get("/sameas").status_code == 400


def test_entity_pages_embed_schema_org_markup(http):
    page = http.get("/id/organization/nazarbayev-university", headers={"Accept": "text/html"}).text
    event = http.get("/id/event/world-government-summit-2019", headers={"Accept": "text/html"}).text
    [markup] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page)
    data = json.loads(markup)
    assert data["@context"] == "https://schema.org" and data["@type"] == "CollegeOrUniversity"
    assert data["name"] == "Nazarbayev University" and "https://ror.org/052bx8q98" in data["sameAs"]
    assert "https://ror.org/052bx8q98" in page  # shown as an outgoing link too
    [markup] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', event)
    data = json.loads(markup)
    assert data["@type"] == "Event" and data["startDate"] == "2019" and data["location"][0]["name"] == "Dubai"
