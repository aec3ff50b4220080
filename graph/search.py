"""Finding entities by label and alias: case- and diacritic-insensitive, prefix and substring, ranked.

The index holds every `rdfs:label` and `skos:altLabel` of the store in memory, folded
(NFKD, accents stripped, case-folded, punctuation to spaces), with each entity's types. A query
is folded the same way and each name scored:

    exact name 100 > name starts with the query 80 > a word of the name starts with it 60
    > every word of the query starts a word of the name, in any order ("Knox Colin") 50
    > the name contains it 40 > the name starts with it spelled differently 20-30
    > the name contains it spelled differently 10-20;
    +5 for the preferred label over an alias; shorter names first. (A tier outweighs the +5.)

Spelled differently: when the first four tiers fill fewer than `limit` places and the query has
at least 5 letters, the names whose best-aligned part is at least 85% similar to it (rapidfuzz's
partial ratio; for a name shorter than the query, the whole name), so that transliterations
and spellings the articles do not use still find their entity: "Nazarbaev" Nazarbayev
University, "behavioural insights" the Behavioral Insights Team. Within a tier, the more
similar first.

An entity scores its best name. The folded names are laid out in one string, in the order of
their score within a tier, so each tier is a few `str.find` scans (in C) that stop once the page
is full. On the harness's 1M-triple graph (127,477 names): the first 1-6 letters of a name,
0.65 ms (p50; 2.5 ms p95), where scoring every name took 56 ms; a word with a letter left
out, which only the spelling pass finds (it reads each distinct name), 38 ms (119 ms p95).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from graph.engine.base import Engine

_NON_WORD = re.compile(r"[^\w]+")
SIMILAR = 85  # the least similarity (0-100) of a name spelled differently
SIMILAR_MIN_LENGTH = 5  # letters a query needs before spellings are guessed at
MAX_COUNTED = 1000  # results a search counts (and pages through) at most: "1000+" beyond

NAMES_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entity ?name ?property WHERE {
  VALUES ?property { rdfs:label skos:altLabel }
  ?entity ?property ?name FILTER(isIRI(?entity))
}"""  # the property, not BIND(true AS ...): Virtuoso writes a boolean expression's value as 1
PREFERRED = "http://www.w3.org/2000/01/rdf-schema#label"
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
        # within a tier: the preferred label first, then the shorter name, then by label (as ranked)
        self._ranked = sorted(names, key=lambda n: (not n.preferred, min(len(n.folded), 100), labels.get(n.entity, n.text), n.entity))
        self._text = "\n" + "\n".join(name.folded for name in self._ranked) + "\n"
        self._starts, start = [], 1
        for name in self._ranked:
            self._starts.append(start)
            start += len(name.folded) + 1
        self._exact: dict[str, list[Name]] = {}
        for name in self._ranked:
            self._exact.setdefault(name.folded, []).append(name)
        self._distinct_by_length = sorted(self._exact, key=len)  # for the spelling pass
        self._lengths = [len(folded) for folded in self._distinct_by_length]
        self._class_lists: dict[tuple, list[str]] = {}  # filled on first use: `_members_of`

    @classmethod
    def from_engine(cls, engine: Engine, exclude_types: set[str] = frozenset()) -> "SearchIndex":
        types: dict[str, list[str]] = {}
        for row in engine.select(TYPES_QUERY):
            types.setdefault(row["entity"].value, []).append(row["type"].value)
        names, labels = [], {}
        for row in engine.select(NAMES_QUERY):
            entity = row["entity"].value
            if exclude_types & set(types.get(entity, ())):
                continue
            text = row["name"].value
            preferred = row["property"].value == PREFERRED
            if preferred:
                labels.setdefault(entity, text)
            names.append(Name(entity, text, fold(text), preferred))
        return cls(names, {k: tuple(sorted(v)) for k, v in types.items()}, labels)

    def search(self, query: str, type_filter: set[str] | None = None, limit: int = 10,
               spell_below: int | None = None) -> list[Hit]:
        """The best `limit` entities for `query`. Names spelled differently are looked for when
        the other tiers find fewer than `spell_below` (default: `limit`)."""
        needle = fold(query)
        if not needle:
            return []
        best: dict[str, tuple[float, Name]] = {}
        tiers = (
            _scored(100.0, self._exact.get(needle, ())),
            _scored(80.0, (n for n in self._containing("\n" + needle, 1) if n.folded != needle)),
            _scored(60.0, self._containing(" " + needle, 0)),
            _scored(50.0, self._all_words(needle)),
            _scored(40.0, self._containing(needle, 0)),
        )
        for candidates in tiers:
            if self._fill(best, candidates, type_filter, limit):
                break
        else:
            if len(needle) >= SIMILAR_MIN_LENGTH and len(best) < (limit if spell_below is None else spell_below):
                self._fill(best, self._spelled_like(needle), type_filter, limit)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], self.labels.get(kv[0], kv[1][1].text), kv[0]))
        return [
            Hit(entity, self.labels.get(entity, name.text), name.text, round(score, 2), self.types.get(entity, ()))
            for entity, (score, name) in ranked[:limit]
        ]

    def _fill(self, best: dict[str, tuple[float, Name]], candidates: Iterable[tuple[float, Name]], type_filter: set[str] | None, limit: int) -> bool:
        """Add the entities of scored names, best first; True once `limit` are found (and their ties)."""
        floor = None
        for score, name in candidates:
            if floor is not None and score < floor:
                break
            if name.entity in best or not self._admits(name, type_filter):
                continue  # an entity already found scores its earlier, better name
            best[name.entity] = (score, name)
            if len(best) >= limit and floor is None:
                floor = score
        return len(best) >= limit

    def page(self, query: str, type_filter: set[str] | None, offset: int, limit: int,
             within: frozenset[str] | None = None, sort: str | None = None,
             order: Callable[[list[str]], list[str]] | None = None) -> tuple[list[Hit], int, bool]:
        """One page of results, the number of results (counted up to MAX_COUNTED) and whether
        that number is the whole count. No words and a class (or `within`): a list, every entity
        of the class by label. `within` keeps only those entities (an article's); `order`
        reorders the entities (sorted by label for a list, by rank for a search), `sort` naming
        it so that a class's list is reordered once, not on every page of it."""
        if not fold(query) and (type_filter or within is not None):
            members = self._members_of(frozenset(type_filter or ()), sort, order)
            if within is not None:
                members = [e for e in members if e in within]
            hits = [Hit(e, self.labels[e], self.labels[e], 0.0, self.types.get(e, ())) for e in members[offset:offset + limit]]
            return hits, len(members), True
        hits = self.search(query, type_filter, MAX_COUNTED, spell_below=offset + limit)
        exact = len(hits) < MAX_COUNTED
        if within is not None:
            hits = [hit for hit in hits if hit.entity in within]
        if order is not None:
            by_entity = {hit.entity: hit for hit in hits}
            hits = [by_entity[e] for e in order(list(by_entity))]
        return hits[offset:offset + limit], len(hits), exact

    def _members_of(self, classes: frozenset[str], sort: str | None = None,
                    order: Callable[[list[str]], list[str]] | None = None) -> list[str]:
        """The entities of any of `classes` (none: every entity with a label), by label, then in
        the order `sort` names: sorted once per class list and order (the index lives as long as
        its graph version), not on every page of it."""
        key = (classes, sort if order is not None else None)
        members = self._class_lists.get(key)
        if members is None:
            by_label = self._class_lists.get((classes, None))
            if by_label is None:
                by_label = self._class_lists[(classes, None)] = sorted(
                    (e for e, types in self.types.items() if (not classes or classes & set(types)) and e in self.labels),
                    key=lambda e: (fold(self.labels[e]), e))
            members = self._class_lists[key] = order(by_label) if order is not None else by_label
        return members

    def _all_words(self, needle: str) -> Iterator[Name]:
        """Names every word of a query of two words or more starts a word of, in any order."""
        words = needle.split()
        if len(words) < 2:
            return
        for name in self._containing(words[0], 0):
            own = name.folded.split()
            if all(any(word.startswith(part) for word in own) for part in words):
                yield name

    def _containing(self, pattern: str, skip: int) -> Iterator[Name]:
        """The names in which `pattern` occurs (`skip` of its characters before the name), each
        once, in rank order."""
        text, starts, find = self._text, self._starts, self._text.find
        at = find(pattern)
        while at >= 0:
            index = bisect.bisect_right(starts, at + skip) - 1
            yield self._ranked[index]
            following = index + 1
            at = find(pattern, starts[following] - 1 if following < len(starts) else len(text))

    def _admits(self, name: Name, type_filter: set[str] | None) -> bool:
        return not type_filter or bool(type_filter & set(self.types.get(name.entity, ())))

    def _spelled_like(self, needle: str) -> list[tuple[float, Name]]:
        """The names at least SIMILAR alike to `needle`, scored, best first: the best-aligned part of
        a name as long as it or longer, a shorter name whole (else "academy" would be 100% like
        "academy of ...")."""
        cut = bisect.bisect_left(self._lengths, len(needle))
        scored = []
        for scorer, choices in ((fuzz.ratio, self._distinct_by_length[:cut]), (fuzz.partial_ratio, self._distinct_by_length[cut:])):
            for folded, similarity, _ in process.extract(needle, choices, scorer=scorer, score_cutoff=SIMILAR, limit=None):
                starts = fuzz.ratio(needle, folded[: len(needle)]) >= SIMILAR
                tier = 10.0 + 10 * starts + (similarity - SIMILAR) * 10 / (100 - SIMILAR)
                scored += _scored(tier, self._exact[folded])
        return sorted(scored, key=lambda pair: -pair[0])


def _scored(tier: float, names: Iterable[Name]) -> Iterator[tuple[float, Name]]:
    return ((tier + _bonus(name), name) for name in names)


def _bonus(name: Name) -> float:
    """Within a tier: +5 for the preferred label, then shorter names first."""
    return (5 if name.preferred else 0) - min(len(name.folded), 100) / 100
