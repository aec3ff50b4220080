"""The W3C Reconciliation API 0.2 at /reconcile: every response validates against the published
schemas, and reconciling name variants is precise."""

from __future__ import annotations

import json

import jsonschema
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT7

from bench.reconcile_quality import evaluate, load_variants
from tests.support.paths import BASE, SHARED

SCHEMAS = SHARED / "reconciliation-0.2" / "schemas"
needs_schemas = pytest.mark.skipif(not SCHEMAS.is_dir(), reason="../shared/reconciliation-0.2 is not present")


def validator(name: str):
    resources = []
    for path in SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text())
        if "$id" in schema:
            resources.append((schema["$id"], DRAFT7.create_resource(schema)))
    registry = Registry().with_resources(resources)
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    return jsonschema.Draft7Validator(schema, registry=registry)


def post_queries(http, queries: dict) -> dict:
    response = http.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.text
    return response.json()


@needs_schemas
def test_manifest_validates_and_points_to_our_services(http):
    manifest = http.get("/reconcile").json()
    validator("manifest").validate(manifest)
    assert manifest["identifierSpace"] == f"{BASE}/id/"
    assert manifest["view"]["url"] == f"{BASE}/id/{{{{id}}}}"
    assert {"entity", "type", "property"} <= set(manifest["suggest"])
    assert http.get("/reconcile", headers={"Origin": "http://localhost:3333"}).headers["access-control-allow-origin"] == "*"


@needs_schemas
def test_the_published_query_examples_are_accepted_and_answers_validate(http):
    results_validator = validator("reconciliation-result-batch")
    examples = sorted((SHARED / "reconciliation-0.2" / "examples" / "reconciliation-query-batch" / "valid").glob("*.json"))
    assert examples
    for example in examples:
        results = post_queries(http, json.loads(example.read_text()))
        results_validator.validate(results)


@needs_schemas
def test_variants_validate_and_are_reconciled_precisely(http):
    variants = load_variants()
    queries = {f"q{i}": v["spec"] for i, v in enumerate(variants)}
    validator("reconciliation-query-batch").validate(queries)
    results = post_queries(http, queries)
    validator("reconciliation-result-batch").validate(results)
    report = evaluate(http)
    print(f"\nreconciliation: top-1 {report['top1_accuracy']:.1%}, match precision {report['match_precision']:.1%}, recall {report['match_recall']:.1%}")
    assert report["match_precision"] == 1.0  # a `match` is never wrong on this set
    assert report["top1_accuracy"] >= 0.95
    assert report["match_recall"] >= 0.85


def test_match_only_when_unambiguous(http):
    results = post_queries(http, {
        "exact": {"query": "Colin Knox"},
        "vague": {"query": "University"},
        "nothing": {"query": "Harvard University", "type": "Organization"},
    })
    assert results["exact"]["result"][0]["match"] is True
    assert not any(c["match"] for c in results["vague"]["result"])
    assert not any(c["match"] for c in results["nothing"]["result"])


def test_type_and_property_constraints_separate_namesakes(http):
    results = post_queries(http, {
        "uk": {"query": "University", "type": "University", "properties": [{"pid": "basedIn", "v": "United Kingdom"}]},
        "us": {"query": "University", "type": "University", "properties": [{"pid": "basedIn", "v": {"id": "place/united-states"}}]},
        "typed": {"query": "Nazarbayev", "type": "Person"},
    })
    assert results["uk"]["result"][0]["id"] == "organization/ulster-university"
    assert results["us"]["result"][0]["id"] == "organization/cornell-university"
    assert all("Person" in [t["id"] for t in c["type"]] for c in results["typed"]["result"])


def test_should_type_prefers_without_blurring_the_lead(http):
    # OpenRefine sends type_strict "should": the type must not narrow the lead of the right entity
    results = post_queries(http, {"q": {"query": "UNDP", "type": "Organization", "type_strict": "should"}})
    top = results["q"]["result"][0]
    assert top["id"] == "organization/undp" and top["match"] is True


def test_get_queries_and_jsonp(http):
    response = http.get("/reconcile", params={"queries": json.dumps({"q0": {"query": "NAC"}})})
    assert response.json()["q0"]["result"][0]["id"] == "organization/national-analytical-center"
    jsonp = http.get("/reconcile", params={"callback": "cb"})
    assert jsonp.headers["content-type"].startswith("application/javascript") and jsonp.text.startswith("cb({")
    assert http.get("/reconcile", params={"callback": "alert(1)//"}).status_code == 400


@needs_schemas
def test_suggest_services_validate(http):
    entities = http.get("/reconcile/suggest/entity", params={"prefix": "nazar"}).json()
    validator("suggest-entities-response").validate(entities)
    assert entities["result"][0]["id"] == "organization/nazarbayev-university"
    people = http.get("/reconcile/suggest/entity", params={"prefix": "k", "type": "Person"}).json()
    assert people["result"] and all(any(t["id"] == "Person" for t in r["notable"]) for r in people["result"])
    types = http.get("/reconcile/suggest/type", params={"prefix": "univ"}).json()
    validator("suggest-types-response").validate(types)
    assert types["result"][0] == {"id": "University", "name": "University"}
    props = http.get("/reconcile/suggest/property", params={"prefix": "based"}).json()
    validator("suggest-properties-response").validate(props)
    assert {"basedAt", "basedIn"} <= {p["id"] for p in props["result"]}


def test_preview(http):
    page = http.get("/reconcile/preview", params={"id": "person/rassul-rysmambetov"})
    assert page.status_code == 200 and "Rassul Rysmambetov" in page.text and "Chairman of the NAC Management Board" in page.text
    assert http.get("/reconcile/preview", params={"id": "person/nobody"}).status_code == 404


@pytest.mark.parametrize("data,status", [
    ({"queries": "{not json"}, 400),
    ({"queries": "[1, 2]"}, 400),
    ({"queries": json.dumps({"q0": {"query": 5}})}, 400),
    ({"queries": json.dumps({"q0": {"limit": 3}})}, 400),
    ({}, 400),
    ({"queries": json.dumps({f"q{i}": {"query": "x"} for i in range(101)})}, 413),
])
def test_bad_batches_are_400_problems(http, data, status):
    response = http.post("/reconcile", data=data)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


@needs_schemas
def test_data_extension_gives_an_entitys_verified_identifiers_and_validates(http):
    manifest = http.get("/reconcile").json()
    validator("manifest").validate(manifest)
    assert manifest["extend"]["propose_properties"]["service_path"] == "/reconcile/propose_properties"
    proposal = http.get("/reconcile/propose_properties", params={"type": "Organization"}).json()
    validator("data-extension-property-proposal").validate(proposal)
    query = {"ids": ["organization/ulster-university", "person/colin-knox"], "properties": [{"id": "owl:sameAs"}]}
    validator("data-extension-query").validate(query)
    answer = http.post("/reconcile", data={"extend": json.dumps(query)})
    assert answer.status_code == 200, answer.text
    validator("data-extension-response").validate(answer.json())
    rows = answer.json()["rows"]
    assert {v["str"] for v in rows["organization/ulster-university"]["owl:sameAs"]} == {
        "http://www.wikidata.org/entity/Q2096524", "https://ror.org/01yp9g959"}
    assert rows["person/colin-knox"]["owl:sameAs"] == []  # no verified identifier for people
    assert http.get("/reconcile", params={"extend": json.dumps(query)}).json() == answer.json()


@pytest.mark.parametrize("extend,message", [
    ("{not json", "`extend` is not JSON"),
    ('{"ids": "person/colin-knox", "properties": [{"id": "owl:sameAs"}]}', "`extend` needs `ids`"),
    ('{"ids": ["person/colin-knox"], "properties": [{"id": "basedIn"}]}', "offers one property: owl:sameAs"),
])
def test_a_bad_data_extension_is_400_naming_what_is_wrong(http, extend, message):
    answer = http.post("/reconcile", data={"extend": extend})
    assert answer.status_code == 400 and message in answer.text
