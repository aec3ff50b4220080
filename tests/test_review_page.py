"""The review page marks every quote in the article's text and escapes what the text holds."""

from __future__ import annotations

from kg.review_page import marked_text


def test_quotes_are_marked_across_line_breaks_and_furniture_struck():
    text = "Headline\nShare this\nThe NAC, a think\n  tank, met <b>today</b>."
    html = str(marked_text(text, ["a think tank"], ["Share this"]))
    assert "<mark>a think\n  tank</mark>" in html
    assert '<span class="furniture">Share this</span>' in html
    assert "&lt;b&gt;today&lt;/b&gt;" in html and "<b>" not in html


def test_of_two_quotes_starting_at_one_place_the_longer_is_marked():
    text = "Dr. Aigerim Sultanova, Rector of the Academy, said so."
    html = str(marked_text(text, ["Dr. Aigerim Sultanova", "Dr. Aigerim Sultanova, Rector of the Academy, said so."], []))
    assert html.startswith("<mark>Dr. Aigerim Sultanova, Rector of the Academy, said so.</mark>")
