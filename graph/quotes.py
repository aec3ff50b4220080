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


def check_quotes(files: list[RecordFile], corpus_dir: Path) -> list[Problem]:
    problems: list[Problem] = []
    for record in files:
        article_path = corpus_dir / record.article.file
        if not article_path.is_file():
            problems.append(Problem(f"article file {record.article.file} not found in {corpus_dir}", record.article.origin))
            continue
        text = normalise(article_path.read_text(encoding="utf-8"))
        for entity in record.entities:
            quoted = [(entity.quote, entity.origin, entity.id)] + [
                (fact.quote, fact.origin, f"{entity.id} {fact.predicate}") for fact in entity.facts
            ]
            for quote, origin, what in quoted:
                if quote is not None and normalise(str(quote)) not in text:
                    problems.append(
                        Problem(f"{what}: quote not found in {record.article.file}: \"{quote}\"", origin)
                    )
    return problems
