"""The HTML page `kg review` writes beside a draft: its entries, what blocks publishing, and the
article's text with every quote of the draft marked and its furniture struck through."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

_templates = Environment(loader=PackageLoader("kg", "templates"), autoescape=select_autoescape(["html"]))


def _spans(text: str, passage: str) -> list[tuple[int, int]]:
    """Where `passage` occurs in `text`, white space compared loosely (as the quote check does)."""
    words = [re.escape(w) for w in passage.split()]
    if not words:
        return []
    return [m.span() for m in re.finditer(r"\s+".join(words), text)]


def marked_text(text: str, quotes: list[str], furniture: list[str]) -> Markup:
    marks: list[tuple[int, int, str]] = []
    for passage in furniture:
        marks += [(s, e, "furniture") for s, e in _spans(text, passage)]
    for quote in quotes:
        marks += [(s, e, "quote") for s, e in _spans(text, quote)]
    marks.sort(key=lambda mark: (mark[0], -mark[1]))  # at one start, the longest passage is marked
    out, at = [], 0
    for start, end, kind in marks:
        if start < at:  # overlapping quotes: the earlier mark covers it
            continue
        out.append(escape(text[at:start]))
        tag = '<span class="furniture">' if kind == "furniture" else "<mark>"
        out.append(Markup(tag) + escape(text[start:end]) + Markup("</span>" if kind == "furniture" else "</mark>"))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def write_review_page(reviewed, text: str) -> Path:
    record = reviewed.record
    quotes = sorted({q for e in record.entities for q in [e.quote, *(f.quote for f in e.facts), *(a.quote for a in e.alt)] if q}, key=len, reverse=True)
    entries = []
    for entity in record.entities:
        review = reviewed.reviews.get(entity.id) or {}
        why = review.get("reason") or (f"score {review['score']}" if "score" in review else "")
        if review.get("candidates"):
            why = "candidates: " + ", ".join(review["candidates"])
        entries.append({"status": review.get("status", "edited"), "id": entity.id, "label": entity.label or "",
                        "written": review.get("written", []), "why": why})
    article_review = reviewed.reviews.get("article") or {}
    page = _templates.get_template("review.html").render(
        draft=reviewed.draft, record=record, reviewed=reviewed, entries=entries,
        facts=sum(len(e.facts) for e in record.entities),
        violations=reviewed.checked.violations if reviewed.checked else [],
        unclassified=article_review.get("unclassified names (not proposed)") or [],
        for_review=article_review.get("facts seen, not proposed") or [],
        conflicts=article_review.get("conflicts with the graph (both kept)") or [],
        marked=marked_text(text, quotes, list(record.article.furniture)))
    target = reviewed.draft.with_suffix(".html")
    target.write_text(page, encoding="utf-8")
    return target
