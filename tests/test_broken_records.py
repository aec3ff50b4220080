"""Each kind of broken record gets its own precise message, naming the record file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.build import ValidationFailed, build, check
from graph.config import Sources
from graph.errors import RecordErrors
from graph.namespaces import Namespaces
from graph.store import read_info
from tests.support.paths import BASE, CORPUS, needs_corpus
from tests.support.records import VALID

pytestmark = needs_corpus


def write(tmp_path: Path, text: str) -> Path:
    records = tmp_path / "records"
    records.mkdir(parents=True)
    (records / "000-test.yaml").write_text(text)
    return records


def problems_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(RecordErrors) as caught:
        check(Sources(write(tmp_path, text), CORPUS), Namespaces(BASE))
    return str(caught.value)


def violations_of(tmp_path: Path, text: str) -> list[str]:
    checked = check(Sources(write(tmp_path, text), CORPUS), Namespaces(BASE))
    return [str(v) for v in checked.violations]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_valid_record_conforms(tmp_path):
    assert violations_of(tmp_path, VALID) == []


def test_missing_label_is_a_shacl_violation_naming_the_entity_and_line(tmp_path):
    text = VALID.replace("    label: National Analytical Center\n", "")
    [violation] = violations_of(tmp_path, text)
    assert f"000-test.yaml:{line_of(text, 'id: organization/nac')}:" in violation
    assert "organization:nac" in violation and "rdfs:label" in violation
    assert "needs exactly one English rdfs:label" in violation


def test_wrong_datatype_is_a_shacl_violation_naming_the_value(tmp_path):
    text = VALID.replace("schema:startDate: 2025-06-09", 'schema:startDate: "June 2025"')
    [violation] = violations_of(tmp_path, text)
    assert "A series of events" in violation and "schema:startDate" in violation
    assert "must be an xsd:date, xsd:gYearMonth or xsd:gYear" in violation
    assert "'June 2025'" in violation


def test_dangling_reference(tmp_path):
    text = VALID.replace("kgo:basedAt: organization/nu", "kgo:basedAt: organization/nowhere")
    message = problems_of(tmp_path, text)
    assert f"000-test.yaml:{line_of(text, 'organization/nowhere')}:" in message
    assert "organization/nac kgo:basedAt: dangling reference `organization/nowhere` (no record declares it)" in message


def test_quote_not_in_the_article(tmp_path):
    text = VALID.replace("quote: Between 9 and 11 June 2025", "quote: Between 9 and 12 June 2025")
    message = problems_of(tmp_path, text)
    assert f"000-test.yaml:{line_of(text, 'schema:startDate')}:" in message
    assert 'quote not found in 000_6a728bf7d395fcc2.txt: "Between 9 and 12 June 2025"' in message


def test_quote_matches_across_no_break_spaces_and_line_breaks(tmp_path):
    text = VALID.replace("quote: a series of three events have been held", 'quote: "a series   of three\\u00a0events\\nhave been held"')
    assert violations_of(tmp_path, text) == []


def test_quotes_differing_only_in_white_space_are_one_passage(tmp_path):
    text = VALID.replace(
        "        quote: Nazarbayev University-based policy think tank\n",
        "        quote: Nazarbayev University-based policy think tank\n"
        "      - schema:description: a think tank\n"
        "        quote: \"Nazarbayev University-based  policy\\nthink tank\"\n",
    )
    assert violations_of(tmp_path, text) == []


def test_unknown_property(tmp_path):
    text = VALID.replace("kgo:basedAt: organization/nu", "kgo:hostedBy: organization/nu")
    message = problems_of(tmp_path, text)
    assert "organization/nac kgo:hostedBy: unknown property `kgo:hostedBy` (not declared in the ontology)" in message


def test_unknown_class(tmp_path):
    message = problems_of(tmp_path, VALID.replace("type: ThinkTank", "type: PolicyLab"))
    assert "organization/nac: unknown class `PolicyLab` (not declared in the ontology)" in message


def test_fact_without_quote(tmp_path):
    text = VALID.replace("        quote: Nazarbayev University-based policy think tank\n", "")
    assert "every fact needs a `quote` from the article" in problems_of(tmp_path, text)


def test_two_files_disagreeing_on_a_label(tmp_path):
    records = write(tmp_path, VALID)
    other = VALID.replace("slug: test-article", "slug: other-article").replace(
        "label: Nazarbayev University", "label: Nazarbayev Univ."
    )
    (records / "001-other.yaml").write_text(other)
    with pytest.raises(RecordErrors) as caught:
        check(Sources(records, CORPUS), Namespaces(BASE))
    assert "organization/nu: label 'Nazarbayev Univ.' differs from 'Nazarbayev University' declared at" in str(caught.value)


def test_yaml_syntax_error_names_the_line(tmp_path):
    message = problems_of(tmp_path, VALID + "  - id: [unclosed\n")
    assert "000-test.yaml:" in message and "not valid YAML" in message


def test_a_position_without_holder_is_reported(tmp_path):
    text = VALID + """\
  - id: position/someone
    type: Position
    label: Chairman
    quote: Chairman of the NAC Management Board
"""
    [violation] = violations_of(tmp_path, text)
    assert "kgo:holder" in violation and "a position has exactly one holder, a person" in violation


def test_a_failed_build_leaves_the_previous_store_untouched(tmp_path):
    data = tmp_path / "data"
    good = write(tmp_path, VALID)
    info, _ = build(Sources(good, CORPUS), Namespaces(BASE), data)
    (good / "000-test.yaml").write_text(VALID.replace("    label: National Analytical Center\n", ""))
    with pytest.raises(ValidationFailed):
        build(Sources(good, CORPUS), Namespaces(BASE), data)
    assert read_info(data) == info
    assert (data / info.path).is_dir()
    assert len(list((data / "stores").iterdir())) == 1


def test_an_alternative_label_its_quote_does_not_contain_is_refused(tmp_path):
    text = VALID.replace("    alt: [NAC]\n", "    alt: [NAC, NAC think tank]\n")
    message = problems_of(tmp_path, text)
    assert "organization/nac: the alternative label 'NAC think tank' does not occur in its quote" in message
    assert f"000-test.yaml:{line_of(text, 'id: organization/nac')}" in message or "000-test.yaml:" in message


def test_an_alternative_label_with_a_quote_of_its_own_is_accepted_and_the_quote_checked(tmp_path):
    good = VALID.replace("    alt: [NAC]\n", "    alt:\n      - NAC\n      - {label: NU, quote: a guest lecture at NU}\n")
    assert violations_of(tmp_path, good) == []
    bad = VALID.replace("    alt: [NAC]\n", "    alt:\n      - NAC\n      - {label: NU, quote: NU is nowhere like this}\n")
    assert "organization/nac alternative label 'NU': quote not found" in problems_of(tmp_path / "bad", bad)


def test_a_quote_that_lies_only_in_the_pages_furniture_is_refused(tmp_path):
    text = VALID.replace("  author: ~\n", "  author: ~\n  furniture:\n    - Autoreload\n").replace(
        "    quote: DKnews.kz reports\n", "    quote: Autoreload\n")
    message = problems_of(tmp_path, text)
    assert 'organization/dknews: the quote lies in the page\'s furniture ("Autoreload"), which is never evidence' in message


def test_furniture_that_is_not_in_the_article_is_refused(tmp_path):
    text = VALID.replace("  author: ~\n", "  author: ~\n  furniture:\n    - Go to UNDP Global\n")
    assert 'article furniture not found in 000_6a728bf7d395fcc2.txt: "Go to UNDP Global"' in problems_of(tmp_path, text)


def test_not_stated_names_a_declared_property_and_a_reason(tmp_path):
    good = VALID.replace("      - schema:startDate: 2025-06-09\n", "      - schema:startDate: 2025-06-09\n").replace(
        "    quote: a series of three events have been held\n",
        "    quote: a series of three events have been held\n    not_stated:\n      - {property: schema:endDate, reason: the text gives no end}\n")
    assert violations_of(tmp_path, good) == []
    unknown = good.replace("schema:endDate", "schema:finishDate")
    assert "event/series: not_stated names an unknown property `schema:finishDate`" in problems_of(tmp_path / "unknown", unknown)
    no_reason = good.replace(", reason: the text gives no end", "")
    assert "each `not_stated` entry is `{property: CURIE, reason:" in problems_of(tmp_path / "no-reason", no_reason)


def test_an_announcement_placed_at_something_that_is_not_an_event_is_a_violation(tmp_path):
    text = VALID.replace("""      - kgo:basedAt: organization/nu
        quote: Nazarbayev University-based policy think tank
""", """      - kgo:basedAt: organization/nu
        quote: Nazarbayev University-based policy think tank
      - kgo:announcedAt: organization/nu
        quote: Nazarbayev University-based policy think tank
""")
    [violation] = violations_of(tmp_path, text)
    assert "kgo:announcedAt" in violation and "an announcement is placed at an event" in violation


def test_not_stated_beside_a_stated_value_from_the_same_article_is_refused(tmp_path):
    text = VALID.replace("    quote: a series of three events have been held\n",
                         "    quote: a series of three events have been held\n"
                         "    not_stated:\n      - {property: schema:startDate, reason: no date given}\n")
    assert "event/series: not_stated says the article leaves schema:startDate unsaid, but a fact of this article states it" in problems_of(tmp_path, text)
