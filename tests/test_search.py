"""The search index's ranking: exact tiers first, then names spelled differently, never the reverse."""

from __future__ import annotations

from graph.search import Name, SearchIndex, fold


def index(*entries: tuple[str, str, bool]) -> SearchIndex:
    names = [Name(entity, text, fold(text), preferred) for entity, text, preferred in entries]
    labels = {entity: text for entity, text, preferred in entries if preferred}
    return SearchIndex(names, {}, labels)


ORGS = index(
    ("nu", "Nazarbayev University", True),
    ("bit", "Behavioral Insights Team", True),
    ("apa", "Academy of Public Administration under the President", True),
    ("apa", "Academy of Public Administration", False),
    ("branches", "Regional branches of the Academy of Public Administration", True),
    ("academy", "Academy", True),
    ("astana", "Astana", True),
)


def entities(query: str, limit: int = 10) -> list[str]:
    return [hit.entity for hit in ORGS.search(query, limit=limit)]


def test_a_transliteration_or_a_spelling_the_articles_do_not_use_still_finds_the_entity():
    assert entities("Nazarbaev") == ["nu"]
    assert entities("behavioural insights") == ["bit"]
    assert entities("Academy of Public Administation")[:2] == ["apa", "branches"]  # the one it starts like first


def test_a_shorter_name_is_not_taken_for_a_longer_query_it_is_part_of():
    assert "academy" not in entities("Academy of Public Administation")


def test_names_spelled_differently_only_fill_places_the_exact_matches_leave():
    both = index(("university", "Nazarbayev University", True), ("fund", "Nazarbaev Fund", True))
    assert [hit.entity for hit in both.search("nazarbayev", limit=1)] == ["university"]
    assert [hit.entity for hit in both.search("nazarbayev", limit=10)] == ["university", "fund"]


def test_short_or_unlike_queries_guess_nothing():
    assert entities("astna") == ["astana"]  # five letters: guessed
    assert entities("astn") == []  # four: too few to guess from
    assert entities("xyzzy plugh") == []


def test_a_guessed_hit_on_a_label_scores_below_a_substring_hit_on_an_alias():
    names = index(("label", "Behavioral Insights Team", True), ("alias", "Team", True), ("alias", "The Behavioural Insights Unit", False))
    hits = names.search("behavioural insights")
    assert [hit.entity for hit in hits] == ["alias", "label"]
    assert hits[1].score < 39 < hits[0].score  # 39: the least an exact hit scores (a substring of a 100-letter alias)


def test_words_in_any_order_find_the_name():
    assert entities("Insights Behavioral")[:1] == ["bit"]
    assert entities("administration academy")[:2] == ["apa", "branches"]


def test_a_page_says_how_many_there_are_and_pages_through_them_all():
    many = index(*((f"e{i}", f"Civil servant number {i}", True) for i in range(25)))
    first, total, exact = many.page("civil servant", None, 0, 10)
    assert (len(first), total, exact) == (10, 25, True)
    seen = [hit.entity for offset in (0, 10, 20) for hit in many.page("civil servant", None, offset, 10)[0]]
    assert len(seen) == 25 and len(set(seen)) == 25  # every result once, none lost between pages
