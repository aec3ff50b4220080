"""Finding entities by label and alias: case- and diacritic-insensitive, prefix and substring, ranked.

The index holds every `rdfs:label` and `skos:altLabel` of the store in memory, folded
(NFKD, accents stripped, case-folded, punctuation to spaces), with each entity's types. A query
is folded the same way and each name scored:

    exact name 100 > name starts with the query 80 > a word of the name starts with it 60
    > the name contains it 40;  +5 for the preferred label over an alias; shorter names first.

An entity scores its best name. Linear in the number of names, which is fine for autocompletion
up to some 10^5 names (a few ms).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox

_NON_WORD = re.compile(r"[^\w]+")

NAMES_QUERY = """
SELECT ?entity ?name ?preferred WHERE {
  { ?entity rdfs:label ?name BIND(true AS ?preferred) }
  UNION { ?entity skos:altLabel ?name BIND(false AS ?preferred) }
  FILTER(isIRI(?entity))
}"""
TYPES_QUERY = "SELECT ?entity ?type WHERE { ?entity a ?type FILTER(isIRI(?entity)) }"


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold()).split())


@dataclass(frozen=True)
class Name:
    entity: str
    text: str
    folded: str
    preferred: bool


@dataclass(frozen=True)
class Hit:
    entity: str
    label: str
    matched: str
    score: float
    types: tuple[str, ...]


class SearchIndex:
    def __init__(self, names: list[Name], types: dict[str, tuple[str, ...]], labels: dict[str, str]):
        self.names = names
        self.types = types
        self.labels = labels

    @classmethod
    def from_store(cls, store: ox.Store, prefixes: dict[str, str], exclude_types: set[str] = frozenset()) -> "SearchIndex":
        types: dict[str, list[str]] = {}
        for row in store.query(TYPES_QUERY, prefixes=prefixes):
            types.setdefault(row["entity"].value, []).append(row["type"].value)
        names, labels = [], {}
        for row in store.query(NAMES_QUERY, prefixes=prefixes):
            entity = row["entity"].value
            if exclude_types & set(types.get(entity, ())):
                continue
            text = row["name"].value
            preferred = row["preferred"].value == "true"
            if preferred:
                labels.setdefault(entity, text)
            names.append(Name(entity, text, fold(text), preferred))
        return cls(names, {k: tuple(sorted(v)) for k, v in types.items()}, labels)

    def search(self, query: str, type_filter: set[str] | None = None, limit: int = 10) -> list[Hit]:
        needle = fold(query)
        if not needle:
            return []
        best: dict[str, tuple[float, Name]] = {}
        for name in self.names:
            folded = name.folded
            if folded == needle:
                score = 100.0
            elif folded.startswith(needle):
                score = 80.0
            elif f" {needle}" in f" {folded}":
                score = 60.0
            elif needle in folded:
                score = 40.0
            else:
                continue
            score += (5 if name.preferred else 0) - min(len(folded), 100) / 100
            if type_filter and not type_filter & set(self.types.get(name.entity, ())):
                continue
            current = best.get(name.entity)
            if current is None or score > current[0]:
                best[name.entity] = (score, name)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], self.labels.get(kv[0], kv[1][1].text), kv[0]))
        return [
            Hit(entity, self.labels.get(entity, name.text), name.text, round(score, 2), self.types.get(entity, ()))
            for entity, (score, name) in ranked[:limit]
        ]
