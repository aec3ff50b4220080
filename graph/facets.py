"""What a list of entities is filtered and sorted by besides names: the articles that mention
each entity (`schema:mentions`, filled by the compiler for every fact's subject and object) and
the date each event starts. Read from the graph once per version (two queries) and kept with
the search index; the orders of a class's list are computed once each, then only sliced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graph.engine.base import Engine

MENTIONS = "SELECT ?article ?entity WHERE { ?article <http://schema.org/mentions> ?entity FILTER(isIRI(?entity)) }"
STARTS = "SELECT ?entity (MIN(STR(?date)) AS ?start) WHERE { ?entity <http://schema.org/startDate> ?date } GROUP BY ?entity"
# how a list can be ordered, and what each means (the search form offers them in this order)
SORTS = {
    "name": "by name, A to Z",
    "-name": "by name, Z to A",
    "articles": "most articles first",
    "date": "by date, earliest first (undated last)",
    "-date": "by date, latest first (undated last)",
}


@dataclass(frozen=True)
class Facets:
    mentioned_in: dict[str, frozenset[str]]  # entity -> the articles that mention it
    starts: dict[str, str]  # event -> its (earliest) start date, lexical: "2019", "2019-02", "2019-02-13"
    mentions: dict[str, frozenset[str]]  # article -> the entities it mentions

    @classmethod
    def from_engine(cls, engine: Engine) -> "Facets":
        mentioned: dict[str, set[str]] = {}
        mentions: dict[str, set[str]] = {}
        for row in engine.select(MENTIONS):
            entity, article = row["entity"].value, row["article"].value
            mentioned.setdefault(entity, set()).add(article)
            mentions.setdefault(article, set()).add(entity)
        starts = {row["entity"].value: row["start"].value for row in engine.select(STARTS) if row["start"] is not None}
        return cls({entity: frozenset(articles) for entity, articles in mentioned.items()}, starts,
                   {article: frozenset(entities) for article, entities in mentions.items()})

    def mentioned_by(self, article: str) -> frozenset[str]:
        """The entities `article` mentions."""
        return self.mentions.get(article, frozenset())

    def order(self, sort: str) -> Callable[[list[str]], list[str]]:
        """A function putting entities already sorted by name in the order `sort` names (one of
        SORTS); ties keep their order by name."""
        if sort == "-name":
            return lambda entities: entities[::-1]
        if sort == "articles":
            return lambda entities: sorted(entities, key=lambda e: -len(self.mentioned_in.get(e, ())))
        if sort in ("date", "-date"):
            later_first = sort == "-date"

            def by_date(entities: list[str]) -> list[str]:
                dated = sorted((e for e in entities if e in self.starts), key=lambda e: self.starts[e], reverse=later_first)
                return dated + [e for e in entities if e not in self.starts]
            return by_date
        return lambda entities: entities
