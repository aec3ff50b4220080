"""The quote check: every quote of a record occurs in its article."""

from __future__ import annotations

import re
from pathlib import Path

from graph.errors import Problem
from graph.records import RecordFile

_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """No-break spaces become spaces and runs of white space one space."""
    return _WHITESPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def occurrences(text: str, passage: str) -> list[tuple[int, int]]:
    """Where `passage` occurs in `text` (overlapping occurrences included), as (start, end)."""
    found, start = [], text.find(passage)
    while start != -1:
        found.append((start, start + len(passage)))
        start = text.find(passage, start + 1)
    return found


def check_quotes(files: list[RecordFile], corpus_dir: Path) -> list[Problem]:
    """Every quote occurs in its article, and at least once outside the passages the record
    marks as page furniture (navigation, menus, footers): furniture is never evidence."""
    problems: list[Problem] = []
    for record in files:
        article = record.article
        article_path = corpus_dir / article.file
        if not article_path.is_file():
            problems.append(Problem(f"article file {article.file} not found in {corpus_dir}", article.origin))
            continue
        text = normalise(article_path.read_text(encoding="utf-8"))
        furniture: list[tuple[int, int, str]] = []
        for passage in article.furniture:
            spans = occurrences(text, normalise(passage))
            if not spans:
                problems.append(Problem(f"article furniture not found in {article.file}: \"{passage}\"", article.origin))
            furniture.extend((start, end, passage) for start, end in spans)
        quoted = [(quote, article.origin, f"article {key}") for key, quote in article.evidence.items()]
        for entity in record.entities:
            quoted.append((entity.quote, entity.origin, entity.id))
            quoted.extend((alias.quote, alias.origin, f"{entity.id} alternative label {alias.label!r}") for alias in entity.alt)
            quoted.extend((fact.quote, fact.origin, f"{entity.id} {fact.predicate}") for fact in entity.facts)
        for quote, origin, what in quoted:
            if quote is None:
                continue
            spans = occurrences(text, normalise(str(quote)))
            if not spans:
                problems.append(Problem(f"{what}: quote not found in {article.file}: \"{quote}\"", origin))
                continue
            inside = [next((f for f in furniture if s < f[1] and f[0] < e), None) for s, e in spans]
            if all(inside):
                problems.append(Problem(f"{what}: the quote lies in the page's furniture (\"{inside[0][2]}\"), "
                                        f"which is never evidence: \"{quote}\"", origin))
    return problems
