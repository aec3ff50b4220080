"""Events and policies an article describes rather than names."""

from __future__ import annotations

import pytest

from graph.ingest.mentions import MentionFinder
from graph.ingest.prose import described, quoted_events


@pytest.fixture(scope="module")
def finder():
    return MentionFinder([])


def descriptions(finder, text: str) -> list[tuple[str, str]]:
    mentions = finder.find(text)
    return [(m.text, m.kind) for m in described(finder.sentences(text), mentions)]


def test_a_described_event_keeps_its_words_and_what_follows_its_head(finder):
    text = "The centre held an executive training for senior government officials in June."
    assert ("executive training for senior government officials", "event") in descriptions(finder, text)


def test_the_head_alone_a_choice_among_several_or_a_phrase_of_law_is_not_a_new_one(finder):
    text = ("The conference was long. The last event in the series ended it. "
            "They spoke of the rule of law and of the context of crisis and reforms.")
    assert descriptions(finder, text) == []


def test_a_policy_a_programme_and_a_project_by_their_head(finder):
    text = ("She points to the free health screening initiative. He led a doctoral program for senior officials. "
            "It was supported through a tied grand project.")
    assert descriptions(finder, text) == [("free health screening initiative", "policy"),
                                          ("doctoral program for senior officials", "programme"),
                                          ("tied grand project", "project")]


def test_a_shorter_description_joins_its_fuller_one(finder):
    text = "They held an executive training for senior officials. The executive training lasted two days."
    found = described(finder.sentences(text), finder.find(text))
    short = next(m for m in found if m.text == "executive training")
    assert short.same_as == "executive training for senior officials"


def test_a_quoted_title_after_an_event_word_names_an_event(finder):
    text = 'International conference "Nazarbayev and Kazakhstan Model of Civil Service" was hosted today.'
    mentions = finder.find(text)
    quoted_events(text, mentions)
    assert [(m.text, m.kind) for m in mentions if "Model" in m.text] == [("Nazarbayev and Kazakhstan Model of Civil Service", "event")]


def test_what_something_is_said_to_be_is_not_a_new_one(finder):
    assert descriptions(finder, "The summit is a large global platform for reformers. They launched a new platform for reformers.") == [
        ("new platform for reformers", "policy")]


def test_a_shorter_description_whose_words_are_in_a_fuller_one_joins_it(finder):
    text = "The centre has launched a series of events. Between 9 and 11 June 2025, a series of three events have been held."
    found = described(finder.sentences(text), finder.find(text))
    assert [(m.text, m.same_as) for m in found] == [("series of events", "series of three events"), ("series of three events", None)]
