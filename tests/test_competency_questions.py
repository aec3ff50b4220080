"""Each public competency question is answered by a SPARQL query kept in queries/competency/.

The expected answers come from ../shared/questions/public.yaml. An expected item matches a
result row when every part of it (label or one alias, number, qualifier, unit, dates,
attributes) is among the row's values, compared case-, whitespace- and punctuation-insensitively;
`exact_set` questions also fail on rows that match no expected item.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import queries
from tests.support.paths import QUESTIONS, needs_questions
from tests.support.queries import rows as run_rows

QUESTIONS_FILE = QUESTIONS
QUERIES = queries.COMPETENCY
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


@needs_questions
@pytest.mark.parametrize("question", _questions(), ids=lambda q: q["id"])
def test_competency_question(question: dict, engine) -> None:
    query_file = QUERIES / f"{question['id']}.rq"
    rows = run_rows(engine, query_file.read_text())
    expected = question["answer"]
    for item in expected:
        assert any(matches(item, row) for row in rows), f"{question['id']}: no row answers {item}; rows: {rows}"
    if question["match"] == "exact_set":
        extra = [row for row in rows if not any(matches(item, row) for item in expected)]
        assert not extra, f"{question['id']}: rows beyond the expected answer: {extra}"


@needs_questions
def test_every_public_question_has_a_query() -> None:
    ids = {q["id"] for q in _questions()}
    assert ids
    missing = sorted(i for i in ids if not (QUERIES / f"{i}.rq").is_file())
    assert not missing
