"""The articles the records quote, kept in the project (corpus/, KG_CORPUS_DIR) with one metadata
table, `index.tsv`: file, url, publisher, title, published (as the article states it; empty when
it does not), retrieved (the date the text was read; empty when not recorded), sha256 of the
file's bytes, licence, note.

The hash makes a quote re-checkable for ever: the build refuses a corpus file whose bytes no
longer match the table (an article edited after its facts were quoted), and a record that
quotes a file the table does not list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from graph.errors import Origin, Problem

INDEX = "index.tsv"
COLUMNS = ("file", "url", "publisher", "title", "published", "retrieved", "sha256", "licence", "note")


@dataclass(frozen=True)
class CorpusEntry:
    file: str
    url: str
    publisher: str
    title: str
    published: str
    retrieved: str
    sha256: str
    licence: str
    note: str

    def row(self) -> str:
        values = [getattr(self, column) for column in COLUMNS]
        for value in values:
            if "\t" in value or "\n" in value:
                raise ValueError(f"a corpus table cell may hold no tab or line break: {value!r}")
        return "\t".join(values)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_index(corpus_dir: Path) -> tuple[dict[str, CorpusEntry], list[Problem]]:
    """The table's rows by file name, and what is wrong with it (naming `index.tsv:line`)."""
    path = corpus_dir / INDEX
    if not path.is_file():
        return {}, [Problem(f"no {INDEX} in {corpus_dir}: the corpus needs its metadata table", Origin(path, 0))]
    entries: dict[str, CorpusEntry] = {}
    problems: list[Problem] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != COLUMNS:
        return {}, [Problem(f"{INDEX} must start with the header {' '.join(COLUMNS)} (tab-separated)", Origin(path, 1))]
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(COLUMNS):
            problems.append(Problem(f"{len(cells)} cells, expected {len(COLUMNS)}", Origin(path, number)))
            continue
        entry = CorpusEntry(*cells)
        if entry.file in entries:
            problems.append(Problem(f"{entry.file} is listed twice", Origin(path, number)))
        entries[entry.file] = entry
    return entries, problems


def check_corpus(corpus_dir: Path, quoted_files: dict[str, Origin]) -> list[Problem]:
    """Every quoted file is in the table and its bytes still have the table's hash."""
    entries, problems = read_index(corpus_dir)
    if problems:
        return problems
    for name, origin in sorted(quoted_files.items()):
        entry = entries.get(name)
        if entry is None:
            problems.append(Problem(f"article file {name} is not listed in {corpus_dir / INDEX}", origin))
            continue
        path = corpus_dir / name
        if not path.is_file():
            problems.append(Problem(f"article file {name} not found in {corpus_dir}", origin))
        elif sha256_of(path) != entry.sha256:
            problems.append(Problem(
                f"article file {name} has changed since it was recorded (sha256 {sha256_of(path)[:12]}..., "
                f"the table says {entry.sha256[:12]}...): its quotes can no longer be trusted", origin))
    return problems
