"""Identifiers proposed for the entities a draft adds, never accepted silently: each candidate
has a score and the evidence for the match, and goes into the entry's `review:`; the curator
accepts one by copying it into the entry's `links:`, which `kg publish` adds to links.tsv (and
the build checks like every row there).

Offline first: countries and major cities from patterns/places.tsv (GeoNames ids and names,
ISO 3166 codes, the Wikidata ids a verified table ties to the same GeoNames id; built by
scripts/build_places.py). An identifier links.tsv already gives another entity is a conflict,
shown, never proposed: an identifier has one owner.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import patterns
from graph.links import LinkRow
from graph.search import fold

THRESHOLD = 80  # a candidate scoring less is not proposed
PLACE_TYPES = {"Country": "country", "City": "city", "Place": "city"}  # the draft's class -> the table's kind


@dataclass(frozen=True)
class Place:
    kind: str  # country | city
    geonames: str
    name: str
    alternates: tuple[str, ...]
    iso2: str
    iso3: str
    country: str  # ISO 3166 alpha-2 of the country (a country's own)
    population: int
    wikidata: str
    wikidata_source: str


@dataclass(frozen=True)
class Candidate:
    scheme: str
    identifier: str
    relation: str  # sameAs, or code for an ISO 3166 code
    score: int  # 0-100
    evidence: str  # why it matches: the name, the type, the country
    source: str  # where the identifier comes from (links.tsv's `source` once accepted)

    def as_review(self) -> dict:
        return {"scheme": self.scheme, "identifier": self.identifier, "relation": self.relation, "score": self.score,
                "evidence": self.evidence, "source": self.source}


def normal(name: str) -> str:
    """A name compared as search compares names (accents, case, punctuation aside), a leading "the" too."""
    return re.sub(r"^the ", "", fold(name))


@cache
def places(path: Path = patterns.PLACES) -> dict[str, tuple[Place, ...]]:
    """Normalised name (its own or an alternate) -> the places it names."""
    index: dict[str, list[Place]] = {}
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        for row in rows:
            place = Place(row["kind"], row["geonames"], row["name"], tuple(filter(None, row["alternates"].split("|"))),
                          row["iso2"], row["iso3"], row["country"], int(row["population"] or 0), row["wikidata"],
                          row["wikidata_source"])
            for name in {place.name, *place.alternates}:
                index.setdefault(normal(name), []).append(place)
    return {name: tuple(found) for name, found in index.items()}


def place_candidates(names: list[str], draft_type: str, countries: set[str] = frozenset()) -> list[Candidate]:
    """The identifiers of the place that `names` (label first) name, for an entry of the draft's
    class `draft_type`; `countries`: ISO codes of the countries the article mentions, which
    decide between namesakes. Scores: 100 for the place's own name, 90 for another of its names;
    among namesakes, the one in a mentioned country keeps its score and the others lose 30, or,
    with no such clue, each loses 30 (below the threshold: nothing proposed)."""
    kind = PLACE_TYPES.get(draft_type)
    if kind is None:
        return []
    index = places()
    found: dict[str, tuple[Place, int, str]] = {}  # geonames id -> (place, score, the name that matched)
    for name in names:
        for place in index.get(normal(name), ()):
            if place.kind != kind:
                continue
            score = 100 if normal(place.name) == normal(name) else 90
            if score > found.get(place.geonames, (None, -1, ""))[1]:
                found[place.geonames] = (place, score, name)
    if not found:
        return []
    if len(found) > 1:
        clued = {g for g, (place, _, _) in found.items() if place.country in countries}
        found = {g: (p, s if g in clued and len(clued) == 1 else s - 30, n) for g, (p, s, n) in found.items()}
    place, score, name = max(found.values(), key=lambda f: (f[1], f[0].population))
    namesakes = len(found) - 1
    evidence = (f"{kind} named {name!r}: GeoNames {place.kind} {place.name!r}"
                + (f" in {place.country}" if kind == "city" else f" ({place.iso2}/{place.iso3})")
                + (f", population {place.population:,}" if place.population else "")
                + (f"; {namesakes} namesake(s) elsewhere" if namesakes else ""))
    geonames_source = "GeoNames (geonames.org, CC BY 4.0), patterns/places.tsv"
    candidates = [Candidate("geonames", place.geonames, "sameAs", score, evidence, geonames_source)]
    if place.wikidata:
        candidates.append(Candidate("wikidata", place.wikidata, "sameAs", score, evidence + "; Wikidata id tied to the same GeoNames id",
                                    place.wikidata_source))
    if kind == "country":
        candidates += [Candidate(scheme, code, "code", score, evidence, "ISO 3166-1 (pycountry), patterns/places.tsv")
                       for scheme, code in (("iso3166-2", place.iso2), ("iso3166-3", place.iso3))]
    return candidates


@dataclass(frozen=True)
class Proposals:
    proposed: list[Candidate]
    conflicts: list[tuple[Candidate, str]]  # a candidate, and the entity links.tsv already gives it to
    below: list[Candidate]  # under the threshold: not proposed


def proposals(candidates: list[Candidate], entity: str, links: list[LinkRow]) -> Proposals:
    """The candidates sorted out against the links the graph already has."""
    owners = {(row.scheme, row.identifier): row.entity for row in links}
    proposed, conflicts, below = [], [], []
    for candidate in candidates:
        owner = owners.get((candidate.scheme, candidate.identifier))
        if owner is not None and owner != entity:
            conflicts.append((candidate, owner))
        elif candidate.score < THRESHOLD:
            below.append(candidate)
        elif owner is None:
            proposed.append(candidate)
    return Proposals(proposed, conflicts, below)


def reconcilable(draft: dict) -> dict[str, str]:
    """The new people and organisations of a draft, by id: their names, for a reconciliation service."""
    return {e["id"]: str(e["label"]) for e in draft.get("entities") or []
            if isinstance(e.get("review"), dict) and e["review"].get("status") == "new" and e.get("label")
            and str(e.get("id", "")).split("/", 1)[0] in ("person", "organization")}


def propose_for_draft(draft: dict, links: list[LinkRow], remote: dict[str, list[Candidate]] | None = None) -> int:
    """Add to the `review:` of each new entry of a draft (the records' YAML as a dict) the
    identifiers proposed for it (places from the offline table, and what `remote` holds: a
    reconciliation service's candidates, by entity), the conflicts and how many candidates fell
    below the threshold; the number of identifiers proposed."""
    entries = draft.get("entities") or []
    iso = {row.entity: row.identifier for row in links if row.scheme == "iso3166-2"}
    countries = {iso[e["id"]] for e in entries if e.get("id") in iso}
    candidates_of = {}
    for entry in entries:
        review = entry.get("review")
        if not isinstance(review, dict) or review.get("status") != "new":
            continue
        names = [entry.get("label") or "", *(a for a in entry.get("alt") or [] if isinstance(a, str))]
        candidates_of[entry["id"]] = place_candidates(names, str(entry.get("type")), countries) + (remote or {}).get(entry["id"], [])
        countries |= {c.identifier for c in candidates_of[entry["id"]] if c.scheme == "iso3166-2" and c.score >= THRESHOLD}
    proposed = 0
    for entry in entries:
        if not candidates_of.get(entry.get("id")):
            continue
        found = proposals(candidates_of[entry["id"]], entry["id"], links)
        review = entry["review"]
        if found.proposed:
            review["links"] = [c.as_review() for c in found.proposed]
            proposed += len(found.proposed)
        if found.conflicts:
            review["link_conflicts"] = [{**c.as_review(), "linked_to": owner} for c, owner in found.conflicts]
        if found.below:
            review["links_not_proposed"] = f"{len(found.below)} candidate(s) scored under {THRESHOLD}: " + found.below[0].evidence
    return proposed
