"""Facts a query can reach in one pattern or a small join: who did what at an event, what was
announced where, what the article leaves unsaid, and where things are."""

from __future__ import annotations

import asyncio
import json

from graph.engine import QueryJob
from tests.support.paths import BASE
from tests.support.queries import rows

PREFIXES = f"""
PREFIX kgo: <{BASE}/ontology#>
PREFIX schema: <http://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX event: <{BASE}/id/event/>
PREFIX person: <{BASE}/id/person/>
PREFIX place: <{BASE}/id/place/>
PREFIX organization: <{BASE}/id/organization/>
"""


def select(engine, query: str) -> list[dict[str, str]]:
    return rows(engine, PREFIXES + query)


def ask(engine, query: str) -> bool:
    outcome = asyncio.run(engine.run(QueryJob(PREFIXES + query, "json", limit=10)))
    return json.loads(outcome.result.body)["boolean"]


def test_who_opened_the_executive_training_and_what_he_announced_is_one_small_join(engine):
    found = select(engine, """SELECT ?name ?what WHERE {
        event:executive-training-senior-officials-2025 kgo:openedBy ?p . ?p rdfs:label ?name .
        ?x kgo:announcedBy ?p ; kgo:announcedAt event:executive-training-senior-officials-2025 ; rdfs:label ?what }""")
    assert found == [{"name": "Rassul Rysmambetov", "what": "Center for Public Administration and Behavioral Policy"}]


def test_who_welcomed_the_participants_is_one_triple_pattern(engine):
    found = select(engine, "SELECT ?p WHERE { ?event kgo:welcomedBy ?p }")
    assert {r["p"] for r in found} >= {f"{BASE}/id/person/waqar-ahmad"}


def test_a_role_is_also_found_as_speaker_and_performer(engine):
    for prop in ("kgo:speaker", "schema:performer"):
        assert ask(engine, f"ASK {{ event:executive-training-senior-officials-2025 {prop} person:rassul-rysmambetov }}")


def test_an_announcement_is_dated_by_its_event(engine):
    found = select(engine, """SELECT ?from ?to WHERE {
        organization:center-for-public-administration-and-behavioral-policy kgo:announcedAt ?e .
        ?e kgo:notBefore ?from ; kgo:notAfter ?to }""")
    assert found == [{"from": "2025-06-09", "to": "2025-06-11"}]


def test_not_stated_is_data_that_an_ask_tells_from_not_recorded(engine):
    assert ask(engine, "ASK { event:nu-guest-lecture-2025 kgo:notStated schema:startDate }")
    assert not ask(engine, "ASK { event:nu-guest-lecture-2025 schema:startDate ?d }")
    assert not ask(engine, "ASK { event:behavioural-science-event-series-2025 kgo:notStated schema:startDate }")
    reasons = select(engine, """SELECT ?why WHERE {
        ?a <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> event:nu-guest-lecture-2025 ;
           <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> kgo:notStated ;
           <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> schema:startDate ; kgo:curatorNote ?why }""")
    assert reasons and "series" in reasons[0]["why"]


def test_the_behavioural_insights_team_has_one_asserted_type(engine):
    found = select(engine, """SELECT ?t WHERE { GRAPH ?g { organization:behavioural-insights-team a ?t } ?g a kgo:ArticleGraph }""")
    assert [r["t"] for r in found] == [f"{BASE}/ontology#ResearchOrganization"]


def test_everything_located_in_kazakhstan_is_one_pattern_reaching_the_nac_through_nu_and_astana(engine):
    located = {r["x"] for r in select(engine, "SELECT ?x WHERE { ?x kgo:locatedIn place:kazakhstan }")}
    assert f"{BASE}/id/organization/national-analytical-center" in located  # NAC based at NU, NU in Astana, Astana in Kazakhstan
    assert f"{BASE}/id/organization/behavioural-insights-team" not in located
    why = select(engine, """SELECT ?why WHERE {
        ?a <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> place:astana ;
           <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> kgo:containedInPlace ; kgo:curatorInterpretation ?why }""")
    assert why, "Astana in Kazakhstan is the curator's reading and says so"


def test_who_presented_by_videoconference_at_the_2016_conference_is_one_triple_pattern(engine):
    found = {r["p"] for r in select(engine, "SELECT ?p WHERE { event:civil-service-model-conference-2016 kgo:presentedRemotelyBy ?p }")}
    assert found == {f"{BASE}/id/person/eduardo-araral", f"{BASE}/id/person/charles-whitehead"}


def test_a_groups_view_keeps_the_members_the_text_names(engine):
    members = {r["name"] for r in select(engine, """SELECT ?name WHERE {
        ?view kgo:viewHolder ?group . ?group a kgo:Group ; kgo:groupMember/rdfs:label ?name }""")}
    assert {"Chester Newland", "Stephen Condrey", "Guido Bertucci"} <= members


def test_the_hubs_two_sessions_are_two_events_and_only_one_is_in_dubai(engine):
    in_dubai = {r["e"] for r in select(engine, "SELECT ?e WHERE { ?e a kgo:Session ; kgo:place place:dubai }")}
    assert in_dubai == {f"{BASE}/id/event/astana-hub-session-wgs-2019"}
    undated = select(engine, "SELECT ?e WHERE { ?e a kgo:Session ; kgo:notStated schema:startDate ; kgo:participantCountry place:belarus }")
    assert len(undated) == 1
