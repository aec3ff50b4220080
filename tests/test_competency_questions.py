"""Each public competency question is answered by a SPARQL query kept in queries/competency/,
and again by one in queries/competency-standard/ written with the standard vocabularies.

The expected answers come from ../shared/questions/public.yaml. An expected item matches a
result row when every part of it (label or one alias, number, qualifier, unit, dates,
attributes) is among the row's values, compared case-, whitespace- and punctuation-insensitively;
`exact_set` questions also fail on rows that match no expected item.

The standard version of a question replaces every kgo: term by the schema.org, W3C ORG, SKOS,
PROV, Dublin Core or FOAF term the ontology aligns it to (rdfs:subClassOf, rdfs:subPropertyOf,
owl:inverseOf; the entailed graph holds what they entail) and rdfs:label by skos:prefLabel. It
must give the same rows as the kgo: version, and may keep an aligned kgo: term only when its
second line, `# kgo terms kept: ...`, names it and says why.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rdflib import OWL, RDFS, Graph, URIRef

import queries
from graph.vocabulary import load_ontology
from tests.support.paths import BASE, QUESTIONS, needs_questions
from tests.support.queries import rows as run_rows

QUESTIONS_FILE = QUESTIONS
QUERIES = queries.COMPETENCY
STANDARD_QUERIES = queries.STANDARD
STANDARD_HEADER = "# {id}, in standard vocabularies: "
KEPT_HEADER = "# kgo terms kept: "  # then `none`, or `kgo:Term: why` entries separated by `; `
KGO_TERM = re.compile(r"\bkgo:([A-Za-z_][A-Za-z0-9_-]*)")
KEPT_ENTRY = re.compile(r"kgo:([A-Za-z_][A-Za-z0-9_-]*): (\S.*)")
GROUP_CONCAT = re.compile(r'GROUP_CONCAT\s*\(.*?separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)', re.IGNORECASE | re.DOTALL)
ALIGNMENTS = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.inverseOf)
QUALIFIER_WORDS = {"exact": "exactly", "around": "around", "over": "over"}


def _questions() -> list[dict]:
    if not QUESTIONS_FILE.is_file():
        return []
    return yaml.safe_load(QUESTIONS_FILE.read_text())["questions"]


def norm(value: object) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", str(value).casefold()).split())


def row_values(row: dict[str, str]) -> set[str]:
    values = set()
    for value in row.values():
        values.add(norm(value))
        values.update(norm(part) for part in value.split(" | "))
        values.add(norm(Path(value).name))  # an article IRI or file path by its last segment
    return values


def item_parts(item: dict) -> list[set[str]]:
    """Each part is a set of acceptable spellings; a row must contain one spelling of every part."""
    parts: list[set[str]] = []
    if "label" in item:
        parts.append({norm(item["label"]), *(norm(a) for a in item.get("aliases") or [])})
    value = item.get("value")
    if isinstance(value, dict):
        parts.extend({norm(v)} for v in value.values())
    elif value is not None:
        parts.append({norm(value), *(norm(a) for a in item.get("aliases") or [])})
    if "qualifier" in item:
        parts.append({norm(QUALIFIER_WORDS[item["qualifier"]])})
    for key, attribute in (item.get("attributes") or {}).items():
        parts.append({norm(attribute if attribute is not None else key)})
    return parts


def matches(item: dict, row: dict[str, str]) -> bool:
    values = row_values(row)
    unit = item.get("unit")
    if unit and not any(norm(unit) in v or (v and v in norm(unit)) for v in values if len(v) > 3):
        return False
    return all(part & values for part in item_parts(item))


def check_answer(question: dict, rows: list[dict[str, str]], version: str = "") -> None:
    """The rows answer the question: every expected item is in a row, and for `exact_set`
    questions every row is an expected item."""
    name = f"{question['id']}{version}"
    expected = question["answer"]
    for item in expected:
        assert any(matches(item, row) for row in rows), f"{name}: no row answers {item}; rows: {rows}"
    if question["match"] == "exact_set":
        extra = [row for row in rows if not any(matches(item, row) for item in expected)]
        assert not extra, f"{name}: rows beyond the expected answer: {extra}"


def answer_set(sparql: str, rows: list[dict[str, str]]) -> set[tuple]:
    """The rows as a set of sorted (variable, value) tuples; a GROUP_CONCAT value is the set of
    its parts, so that two queries agree whatever order the engine concatenated them in."""
    separators = {variable: separator for separator, variable in GROUP_CONCAT.findall(sparql)}

    def value(variable: str, text: str) -> str | frozenset[str]:
        return frozenset(text.split(separators[variable])) if variable in separators else text

    return {tuple(sorted(((k, value(k, v)) for k, v in row.items()), key=lambda kv: kv[0])) for row in rows}


def aligned_kgo_terms(ontology: Graph, kgo: str) -> set[str]:
    """Local names of the kgo: terms that a query can replace by a standard one: those with an
    rdfs:subClassOf, rdfs:subPropertyOf or owl:inverseOf to a non-kgo IRI, or (through our own
    super-terms, as kgo:Conference is a kgo:Event is a schema:Event) to an aligned kgo: term."""
    edges: dict[str, set[str]] = {}
    for relation in ALIGNMENTS:
        for s, o in ontology.subject_objects(relation):
            if isinstance(s, URIRef) and isinstance(o, URIRef) and str(s).startswith(kgo):
                edges.setdefault(str(s), set()).add(str(o))
    aligned = {term for term, targets in edges.items() if any(not t.startswith(kgo) for t in targets)}
    while True:
        more = {term for term, targets in edges.items() if term not in aligned and targets & aligned}
        if not more:
            break
        aligned |= more
    return {term[len(kgo):] for term in aligned}


def query_body(sparql: str) -> str:
    """The query without its comment lines (which may name kgo: terms in prose)."""
    return "\n".join(line for line in sparql.splitlines() if not line.lstrip().startswith("#"))


def kept_terms(kept_line: str) -> dict[str, str]:
    """`# kgo terms kept: kgo:a: why; kgo:b: why` (or `none`) as {local name: why}; an entry
    that does not parse is returned under its own text with an empty reason."""
    text = kept_line.removeprefix(KEPT_HEADER).strip()
    if text == "none":
        return {}
    entries = {}
    for entry in text.split("; "):
        match = KEPT_ENTRY.fullmatch(entry.strip())
        entries[match.group(1) if match else entry] = match.group(2) if match else ""
    return entries


@pytest.fixture(scope="module")
def aligned(ns) -> set[str]:
    terms = aligned_kgo_terms(load_ontology(ns), str(ns.kgo))
    assert {"holder", "subOrganizationOf", "Event", "Conference", "venue"} <= terms  # the check has something to check
    return terms


@needs_questions
@pytest.mark.parametrize("question", _questions(), ids=lambda q: q["id"])
def test_competency_question(question: dict, engine) -> None:
    query_file = QUERIES / f"{question['id']}.rq"
    check_answer(question, run_rows(engine, queries.for_base(query_file.read_text(), BASE)))


@needs_questions
@pytest.mark.parametrize("question", _questions(), ids=lambda q: q["id"])
def test_the_question_in_standard_vocabularies_gives_the_same_answer(question: dict, engine) -> None:
    kgo_query = queries.for_base((QUERIES / f"{question['id']}.rq").read_text(), BASE)
    standard_query = queries.for_base((STANDARD_QUERIES / f"{question['id']}.rq").read_text(), BASE)
    kgo_rows = run_rows(engine, kgo_query)
    standard_rows = run_rows(engine, standard_query)
    check_answer(question, standard_rows, " (standard vocabularies)")
    assert answer_set(standard_query, standard_rows) == answer_set(kgo_query, kgo_rows), (
        f"{question['id']}: the standard version answers {standard_rows}, the kgo: version {kgo_rows}"
    )


@needs_questions
def test_every_public_question_has_a_query() -> None:
    ids = {q["id"] for q in _questions()}
    assert ids
    missing = sorted(i for i in ids if not (QUERIES / f"{i}.rq").is_file())
    assert not missing


@needs_questions
def test_every_public_question_has_a_standard_version() -> None:
    questions = _questions()
    assert questions
    missing = sorted(q["id"] for q in questions if not (STANDARD_QUERIES / f"{q['id']}.rq").is_file())
    assert not missing
    for question in questions:
        lines = (STANDARD_QUERIES / f"{question['id']}.rq").read_text().splitlines()
        header = STANDARD_HEADER.format(id=question["id"])
        assert lines[0] == header + " ".join(question["question"].split()), f"{question['id']}: first line {lines[0]!r}"
        assert lines[1].startswith(KEPT_HEADER), f"{question['id']}: second line {lines[1]!r}"


@needs_questions
@pytest.mark.parametrize("question", _questions(), ids=lambda q: q["id"])
def test_a_standard_version_keeps_an_aligned_kgo_term_only_where_it_says_why(question: dict, aligned) -> None:
    sparql = (STANDARD_QUERIES / f"{question['id']}.rq").read_text()
    kept = kept_terms(sparql.splitlines()[1])
    assert all(kept.values()), f"{question['id']}: a 'kgo terms kept' entry is not `kgo:Term: why`: {kept}"
    unexplained = sorted(set(KGO_TERM.findall(query_body(sparql))) & aligned - kept.keys())
    assert not unexplained, f"{question['id']}: uses aligned kgo: terms its 'kgo terms kept' line does not name: {unexplained}"
