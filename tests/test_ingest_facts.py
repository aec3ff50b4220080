"""The facts `kg ingest` proposes: posts in the three shapes articles write them (titles in a
list go to the right person), figures with their qualifier, and event dates; nothing it cannot
tie to a named mention."""

from __future__ import annotations

import pytest

from graph.ingest.facts import extract
from graph.ingest.mentions import MentionFinder, name_patterns


@pytest.fixture(scope="module")
def finder():
    return MentionFinder([])


def facts_of(finder, text: str):
    mentions = finder.find(text)
    return extract(text, finder.sentences(text), mentions, name_patterns())


def posts(found) -> set[tuple[str, str, str, bool]]:
    return {(p.person.text, p.title, p.organization.text, p.former) for p in found.posts}


def test_a_post_written_after_the_name(finder):
    found = facts_of(finder, "Opening the program, Rassul Rysmambetov, Chairman of the National Analytical Center, said the work goes on.")
    assert posts(found) == {("Rassul Rysmambetov", "Chairman", "National Analytical Center", False)}


def test_a_post_written_before_the_name(finder):
    found = facts_of(finder, "The event was opened by Ulster University President Professor Waqar Ahmad, who welcomed the guests.")
    assert ("Waqar Ahmad", "President", "Ulster University", False) in posts(found)


def test_titles_in_a_list_go_to_the_name_they_precede(finder):
    text = ("All the participants, including former director of the Federal Executive Institute, Dr. Chester Newland, "
            "former Chairman of the Federal Salary Council, Dr. Stephen Condrey, noted the Hub's role.")
    assert posts(facts_of(finder, text)) == {
        ("Chester Newland", "director", "Federal Executive Institute", True),
        ("Stephen Condrey", "Chairman", "Federal Salary Council", True),
    }


@pytest.mark.parametrize("sentence,value,qualifier", [
    ("The Regional Council brought together over 4000 participants from the region.", 4000, "over"),
    ("The Regional Council gathered around 40 senior government officials.", 40, "around"),
    ("The Astana Civil Service Hub, consisting of 40 member-countries, met again.", 40, "exactly"),
    ("The Regional Council held a series of three events in spring.", 3, "exactly"),
])
def test_a_figure_keeps_its_qualifier_and_its_subject(finder, sentence, value, qualifier):
    [fact] = facts_of(finder, sentence).facts
    assert (fact.value["value"], fact.value["qualifier"]) == (value, qualifier)
    assert fact.quote in sentence and fact.subject.text in sentence


def test_a_figure_refers_back_to_this_summit(finder):
    text = ("The World Government Summit took place in Dubai.\n"
            "This summit gathered over 4000 participants from 150 countries.")
    found = facts_of(finder, text)
    assert {(f.subject.text, f.value["value"], f.value["qualifier"]) for f in found.facts} == {
        ("World Government Summit", 4000, "over"), ("World Government Summit", 150, "exactly")}


def test_durations_years_and_figures_with_nothing_to_belong_to_are_not_proposed(finder):
    found = facts_of(finder, "Before that, he worked in local government for 8 years. In 2016 some 600 units were created.")
    assert found.facts == []
    assert any("600 units" in why for why in found.for_review)


def test_an_event_date_needs_one_named_event_in_its_sentence(finder):
    found = facts_of(finder, "The World Government Summit opened on 12 February 2019 in Dubai.")
    assert [(f.predicate, str(f.value)) for f in found.facts] == [("schema:startDate", "2019-02-12")]
    assert facts_of(finder, "On 13 February 2019, the session took place in Dubai.").facts == []


def test_a_date_opening_a_sentence_is_its_subjects_not_that_of_the_event_it_took_place_within(finder):
    found = facts_of(finder, "On 13 February 2019, the session took place within the World Government Summit in Dubai.")
    assert found.facts == []


def test_a_date_opening_a_sentence_goes_to_the_event_right_after_it(finder):
    text = ("Between 9 and 11 June 2025, a Summer Training Series has been held, including a Guest Lecture "
            "and an Executive Conference.")
    found = facts_of(finder, text)
    assert {(f.subject.text, f.predicate, str(f.value)) for f in found.facts if f.predicate.startswith("schema:")} == {
        ("Summer Training Series", "schema:startDate", "2025-06-09"), ("Summer Training Series", "schema:endDate", "2025-06-11")}


def test_a_year_written_before_an_events_name_is_its_year(finder):
    found = facts_of(finder, "The session took place within the 7th 2019 World Government Summit in Dubai.")
    assert [(f.subject.text, str(f.value), f.quote) for f in found.facts] == [
        ("World Government Summit", "2019", "2019 World Government Summit")]


def test_today_is_kept_for_the_articles_date(finder):
    found = facts_of(finder, "The International Conference on Reform was hosted today in Astana.").facts
    [fact] = [f for f in found if f.predicate == "schema:startDate"]
    assert (fact.subject.text, fact.value.days_before, fact.value.phrase) == ("International Conference on Reform", 0, "was hosted today")


def test_a_figure_after_what_something_took_place_within_is_not_that_things(finder):
    text = "The session took place within the World Government Summit, bringing together experts from over 15 countries."
    found = facts_of(finder, text)
    assert found.facts == [] and any("15 countries" in why for why in found.for_review)


def test_a_post_with_no_title_is_former_in_the_past_tense(finder):
    found = facts_of(finder, "Before joining NU, Dr. Colin Knox worked at Ulster University in the UK.")
    assert posts(found) == {("Colin Knox", "", "Ulster University", True)}


def test_a_post_after_a_country_in_brackets_and_the(finder):
    text = "Section works included presentations by professor Eduardo Araral (Singapore), the vice-dean of High School of Public Policy."
    assert posts(facts_of(finder, text)) == {("Eduardo Araral", "vice-dean", "High School of Public Policy", False)}


def test_a_title_before_the_owner_of_a_unit_goes_with_the_unit(finder):
    text = ("In this session, the Chairman of the Astana Hub’s Steering Civil Service Committee, Alikhan Baimenov, "
            "noted that the progress goes on.")
    assert posts(facts_of(finder, text)) == {("Alikhan Baimenov", "Chairman", "Astana Hub’s Steering Civil Service Committee", False)}


def test_who_organised_an_event_and_where_it_was_held(finder):
    text = ("The International Conference on Reform was hosted today in Nazarbayev University in Astana. "
            "The Global Summit is organized by the Ministry of Civil Service Affairs as a part of events.")
    found = {(f.subject.text, f.predicate, f.value.text) for f in facts_of(finder, text).facts if hasattr(f.value, "text")}
    assert found == {("International Conference on Reform", "kgo:venue", "Nazarbayev University"),
                     ("International Conference on Reform", "kgo:place", "Astana"),
                     ("Global Summit", "kgo:organizer", "Ministry of Civil Service Affairs")}


def test_a_stated_view_in_reported_and_in_direct_speech(finder):
    text = ("In turn, ASPA Executive Director William Shields noted that the One-Stop Shop initiative helped.\n"
            "The event was attended by Prof. Pan Suk Kim, who spoke of professionalization.\n"
            "“The countries of the region need to improve the recruitment of civil servants”, he said.")
    views = facts_of(finder, text).views
    reported, direct = views
    assert (reported.person.text, reported.quotation, [m.text for m in reported.about]) == ("William Shields", False, ["One-Stop Shop"])
    assert (direct.person.text, direct.quotation, direct.attribution) == ("Pan Suk Kim", True, "he said")
    assert direct.quote == direct.gist == "The countries of the region need to improve the recruitment of civil servants"


def test_a_quotation_with_no_person_named_before_it_is_no_view(finder):
    assert facts_of(finder, "“We will reform the service at last, all of it”, he said.").views == []


def test_a_view_after_an_apposition_and_a_quotation_whose_opening_mark_the_sentencizer_moved(finder):
    text = ('Hannes Astok, Executive Director of the e-Governance Academy, noted that the Academy has worked with '
            'many countries. "Digital services must be built around citizens, not institutions," he said.')
    reported, direct = facts_of(finder, text).views
    assert reported.attribution == "Hannes Astok, Executive Director of the e-Governance Academy, noted"
    assert reported.gist.startswith("the Academy has worked")
    assert (direct.person.text, direct.quote) == ("Hannes Astok", "Digital services must be built around citizens, not institutions")


def test_a_view_introduced_by_as(finder):
    [view] = facts_of(finder, "As Mr Norimasa Shimomura emphasized, the institutional reforms form a building block.").views
    assert (view.person.text, view.attribution) == ("Norimasa Shimomura", "As Mr Norimasa Shimomura emphasized")
    assert view.gist == "the institutional reforms form a building block."


def test_based_at_partner_of_and_who_opened_or_chaired(finder):
    text = ("The National Analytical Center (NAC), Nazarbayev University-based policy think tank, has launched a series of events.\n"
            "UNDP, being a long-term partner of the Government of Kazakhstan, has been providing assistance.\n"
            "The Astana Civil Service Hub, based in Astana, supports reforms.\n"
            "The Global Summit was opened by Mr Darkhan Zhazykbayev and chaired by Alikhan Baimenov.")
    found = {(f.subject.text, f.predicate, f.value.text, f.quote) for f in facts_of(finder, text).facts if hasattr(f.value, "text")}
    assert found == {
        ("NAC", "kgo:basedAt", "Nazarbayev University", "Nazarbayev University-based"),
        ("UNDP", "kgo:partner", "Government of Kazakhstan", "a long-term partner of the Government of Kazakhstan"),
        ("Astana Civil Service Hub", "kgo:basedIn", "Astana", "Astana Civil Service Hub, based in Astana"),
        ("Global Summit", "kgo:openedBy", "Darkhan Zhazykbayev", "opened by Mr Darkhan Zhazykbayev"),
        ("Global Summit", "kgo:chairedBy", "Alikhan Baimenov", "chaired by Alikhan Baimenov"),
    }


def test_an_events_collaborator_and_a_speaker(finder):
    text = ("The Summer Training Series was organized in collaboration with the Behavioral Insights Team.\n"
            "Professor Colin Knox spoke at the Astana Civil Service Forum.")
    found = {(f.subject.text, f.predicate, f.value.text) for f in facts_of(finder, text).facts if hasattr(f.value, "text")}
    assert found == {("Summer Training Series", "kgo:collaborator", "Behavioral Insights Team"),
                     ("Astana Civil Service Forum", "kgo:speaker", "Colin Knox")}
