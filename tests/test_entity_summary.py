"""The summaries entity pages open with (graph/summary.py) and the query of a page's "query this"
link (graph/entity.py), over the curated graph in the embedded engine: what each kind's summary
says of real entities of the records, that lists are capped and say how many more, and that the
query runs as it is."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph import summary as summaries
from graph.entity import statements_query
from graph.summary import SHOWN, Summary, summary
from tests.support.paths import BASE

CONFERENCE = f"{BASE}/id/event/civil-service-model-conference-2016"


def fields(found: Summary | None) -> dict[str, list[str]]:
    """Each field's entries as text: the entry's label, the labels it names, its notes."""
    assert found is not None
    return {f.name: [f.text] if f.text else [" ".join([i.link.label, *(f"{word} {v.label}" for word, v in i.via)])
                                             + "".join(f" · {n}" for n in i.notes) for i in f.items] for f in found.fields}


def test_an_events_summary_says_when_where_who_organised_it_who_took_part_how_and_of_what_it_is_part(engine, ns):
    said = fields(summary(engine, ns, CONFERENCE))
    assert said["When"] == ["28 January 2016"]
    assert said["Where"] == ["Astana", "Nazarbayev University"]
    assert said["Organizer"] == ["Ministry of Civil Service Affairs"]
    assert said["Speaker"] == ["Norimasa Shimomura"]
    assert said["Presented remotely by"] == ["Charles Whitehead", "Eduardo Araral"]
    assert said["Part of"] == ["Events celebrating the 25th anniversary of Kazakhstan's independence"]
    assert [p.split(" · ")[0] for p in said["Parts"]] == [
        'Panel of the conference "Nazarbayev and Kazakhstan Model of Civil Service"',
        'Section works of the conference "Nazarbayev and Kazakhstan Model of Civil Service"']
    assert list(said)[:2] == ["When", "Where"]


def test_an_events_people_are_listed_under_their_own_role_only_not_the_roles_it_entails(engine, ns):
    # presentedRemotelyBy entails presentedBy and speaker: the summary reads the asserted role
    said = fields(summary(engine, ns, CONFERENCE))
    assert "Presented by" not in said
    assert "Eduardo Araral" not in said["Speaker"]


def test_a_part_the_articles_leave_undated_is_dated_within_its_whole(engine, ns):
    series = fields(summary(engine, ns, f"{BASE}/id/event/behavioural-science-event-series-2025"))
    assert series["When"] == ["9-11 June 2025"]
    assert "Specialized training for NAC staff · within 9-11 June 2025" in series["Parts"]
    panel = fields(summary(engine, ns, f"{BASE}/id/event/civil-service-model-conference-2016-panel"))
    assert panel["When"] == ["not before 28 January 2016"]  # the conference has no end date


def test_a_persons_summary_lists_posts_with_organisation_and_date_views_with_stance_and_events_with_role(engine, ns):
    said = fields(summary(engine, ns, f"{BASE}/id/person/colin-knox"))
    assert said["Posts"][0] == ("Professor of the NU Graduate School of Public Policy at NU Graduate School of Public Policy"
                                " · as of 10 December 2020")
    assert "Post at Ulster University (Colin Knox) at Ulster University · former" in said["Posts"]
    assert "Local government post in the UK (Colin Knox) in United Kingdom · former" in said["Posts"]  # no employer named: the place
    assert "Colin Knox on public councils about Public councils · mixed" in said["Stated views"]
    assert len(said["Stated views"]) == 5
    took_part = said["Took part in"]
    assert "NU Graduate School of Public Policy training sessions on best practices for Kazakh officials · speaker" in took_part
    assert "Colin Knox's research on public sector reform in Kazakhstan · carried out by · 2016" in took_part


def test_an_organisations_summary_lists_the_people_of_its_units_its_parts_partners_events_and_views(engine, ns):
    said = fields(summary(engine, ns, f"{BASE}/id/organization/astana-civil-service-hub"))
    assert said["People"] == ["Alikhan Baimenov as Chairman of the Astana Hub’s Steering Civil Service Committee "
                              "in Steering Civil Service Committee of the Astana Civil Service Hub · as of 13 February 2019"]
    assert said["Parts"] == ["Steering Civil Service Committee of the Astana Civil Service Hub"]
    assert said["Partners"] == ["ASPA"]
    assert said["Based in"] == ["Astana"]
    assert said["Took part in"][0] == "Astana Civil Service Hub session at the 7th World Government Summit · organizer · 13 February 2019"
    assert len(said["Took part in"]) == 4
    assert "William Shields on ASPA's partnership with the Astana Civil Service Hub by William Shields · supportive" in said["Views about it"]


def test_a_partner_is_found_from_either_side_of_the_symmetric_link(engine, ns):
    # recorded once, as the Hub's partner: ASPA's summary names the Hub too
    assert "Astana Civil Service Hub" in fields(summary(engine, ns, f"{BASE}/id/organization/aspa"))["Partners"]


def test_an_articles_summary_gives_its_date_publisher_and_how_many_facts_it_holds(engine, ns):
    article = f"{BASE}/id/article/undp-civil-service-conference-2016"
    said = fields(summary(engine, ns, article))
    [row] = engine.select(f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{ns.kgo}Assertion> ; "
                          f"<http://www.w3.org/ns/prov#wasDerivedFrom> <{article}> }}")
    assert said["Published"] == ["28 January 2016"]
    assert said["Publisher"] == ["UNDP Kazakhstan"]
    assert said["Facts"] == [f"{int(row['n'].value):,} quoted statements"]
    undated = fields(summary(engine, ns, f"{BASE}/id/article/dknews-nac-bit-behavioural-policy"))
    assert undated["Published"] == ["not stated"]


def jurisdiction_of_kazakhstan(engine, ns) -> int:
    [row] = engine.select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x <{ns.kgo}jurisdiction> <{BASE}/id/place/kazakhstan> }}")
    return int(row["n"].value)


def test_a_long_list_shows_the_first_entries_and_says_how_many_more_there_are(engine, ns):
    found = summary(engine, ns, f"{BASE}/id/place/kazakhstan")
    [field] = [f for f in found.fields if f.name == "Jurisdiction of"]
    total = jurisdiction_of_kazakhstan(engine, ns)
    assert total > SHOWN
    assert len(field.items) == SHOWN and field.more == total - SHOWN


def test_a_list_cut_while_read_is_counted_by_a_query_of_its_own(engine, ns, monkeypatch):
    monkeypatch.setattr(summaries, "FETCH", 3)
    found = summary(engine, ns, f"{BASE}/id/place/kazakhstan")
    [field] = [f for f in found.fields if f.name == "Jurisdiction of"]
    assert len(field.items) + field.more == jurisdiction_of_kazakhstan(engine, ns)


@pytest.mark.parametrize("slug", ["view/knox-public-councils", "position/colin-knox-nu-gspp-professor", "person/nobody-at-all"])
def test_kinds_whose_statements_are_already_short_and_unknown_entities_get_no_summary(engine, ns, slug):
    assert summary(engine, ns, f"{BASE}/id/{slug}") is None


def test_the_statements_query_declares_its_prefixes_and_lists_statements_and_incoming_links_with_labels(engine, ns):
    query = statements_query(f"{BASE}/id/person/colin-knox", ns, "Colin Knox")
    ox.Store().query(query)  # parses with no prefix predefined: it declares every one it uses
    rows = engine.select(query)
    directions = {row["direction"].value for row in rows}
    assert directions == {"statement", "incoming"}
    holder = [row for row in rows if row["property"].value == f"{ns.kgo}holder"]
    assert holder and all(row["direction"].value == "incoming" and row["propertyLabel"].value == "holder" for row in holder)
    assert {row["valueLabel"].value for row in holder} >= {"Professor of the NU Graduate School of Public Policy"}
    assert not [row for row in rows if row["property"].value.endswith("22-rdf-syntax-ns#subject")]  # no evidence nodes
    assert {row["derived"].value for row in rows} == {"true", "false"}


def test_the_statements_query_names_the_entity_on_one_comment_line_whatever_its_label(ns):
    query = statements_query(f"{BASE}/id/person/colin-knox", ns, "Colin\nKnox")
    assert "# Colin Knox: its statements" in query
