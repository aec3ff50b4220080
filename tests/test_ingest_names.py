"""Names written another way than the graph writes them resolve to the graph's entity, and names
that only look alike stay apart: the resolution rules of graph/ingest/mentions.py."""

from __future__ import annotations

import pytest

from graph.ingest.mentions import Known, MentionFinder

HUB = Known("organization/astana-civil-service-hub", "Astana Civil Service Hub", ("Astana Civil Service Hub",),
            ("InternationalOrganization",))
GOVERNMENT = Known("organization/government-of-kazakhstan", "Government of Kazakhstan", ("Government of Kazakhstan",),
                   ("GovernmentBody",))
EGOV = Known("policy/e-government", "Electronic government (e-Gov)", ("Electronic government (e-Gov)",), ("Policy",))


@pytest.fixture(scope="module")
def finder():
    return MentionFinder([HUB, GOVERNMENT, EGOV])


def found(finder, text: str) -> dict[str, object]:
    return {m.text: m for m in finder.find(text)}


def resolved(mention) -> str | None:
    return mention.candidates[0].id if mention.status == "resolved" else None


def test_a_longer_name_with_the_same_head_and_every_word_of_a_known_one_is_that_one(finder):
    # the no-break space is as the UNDP page writes it
    mentions = found(finder, "UNDP was directly involved in organization of Regional Hub\xa0of Civil Service in Astana.")
    assert resolved(mentions["Regional Hub\xa0of Civil Service in Astana"]) == HUB.id


def test_a_unit_whose_name_holds_a_known_name_is_not_that_one(finder):
    mentions = found(finder, "He chairs the Steering Civil Service Committee of the Astana Civil Service Hub.")
    committee = mentions["Steering Civil Service Committee of the Astana Civil Service Hub"]
    assert committee.status == "new"
    assert resolved(committee.part_of) == HUB.id


def test_a_country_adjective_and_government_is_that_countrys_government(finder):
    mentions = found(finder, "She notes that the Kazakhstani government has used behavioral tools, as the Estonian government did.")
    assert resolved(mentions["Kazakhstani government"]) == GOVERNMENT.id
    estonian = mentions["Estonian government"]
    assert (estonian.status, estonian.label) == ("new", "Government of Estonia")


def test_both_halves_of_a_label_with_its_abbreviation_are_its_names(finder):
    mentions = found(finder, "He supports creating an electronic government. The e-Gov platform helps.")
    assert resolved(mentions["electronic government"]) == EGOV.id
    assert resolved(mentions["e-Gov"]) == EGOV.id


def test_a_possessive_unit_is_labelled_by_its_owner_and_the_short_form_is_the_full_one(finder):
    text = ("ASPA praised the Astana Civil Service Hub, consisting of 40 member-countries. "
            "In this session, the Chairman of the Astana Hub’s Steering Civil Service Committee, Alikhan Baimenov, spoke.")
    mentions = found(finder, text)
    unit = mentions["Astana Hub’s Steering Civil Service Committee"]
    assert unit.label == "Steering Civil Service Committee of the Astana Civil Service Hub"
    assert resolved(unit.part_of) == HUB.id
    assert resolved(mentions["Astana Hub"]) == HUB.id


def test_a_short_form_is_not_taken_for_another_organisation_the_article_does_not_name(finder):
    mentions = found(finder, "The Astana Hub hosted the meeting.")
    assert mentions["Astana Hub"].status == "new"


def test_of_the_keeps_a_name_whole_and_its_owner_is_named_too(finder):
    mentions = found(finder, "Charles Whitehead, professor of Law School of the Cornell University (USA) spoke.")
    school = mentions["Law School of the Cornell University"]
    assert school.part_of.text == "Cornell University"
    assert mentions["USA"].kind == "place"


def test_common_abbreviations_and_hyphenated_openers(finder):
    mentions = found(finder, "Councils were to consist of NGO groups. Of course, the One-Stop Shop initiative clearly helped.")
    assert "NGO" not in mentions
    assert mentions["One-Stop Shop"].kind == "policy"
