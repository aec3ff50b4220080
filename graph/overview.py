"""What the graph holds, for the home page and the pictures: entities by class, the articles, the
most connected entities, and events in time, each with its dates as precise as the graph states
them (a day, a window of days, a month, a year) and none given a date it does not have."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from graph.engine.base import Engine
from graph.namespaces import Namespaces

XSD = "http://www.w3.org/2001/XMLSchema#"
PRECISION = {XSD + "date": "day", XSD + "dateTime": "day", XSD + "gYearMonth": "month", XSD + "gYear": "year"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
OVERVIEW_CLASSES = ("Person", "Organization", "Event", "Policy", "Place", "Topic", "Position", "StatedView", "NewsArticle")
MOST_CONNECTED = 10


@dataclass(frozen=True)
class Dated:
    """An event and its dates as stated: `start` and `end` as their lexical forms, `precision`
    that of `start` (None for an undated event)."""

    iri: str
    label: str
    start: str | None
    end: str | None
    precision: str | None

    @property
    def first_day(self) -> datetime.date | None:
        return _first_day(self.start, self.precision) if self.start else None

    @property
    def last_day(self) -> datetime.date | None:
        """The last day the stated dates reach: the end's, else the last of the start's month or year."""
        if self.end:
            return _last_day(self.end, precision_of(self.end))
        return _last_day(self.start, self.precision) if self.start else None

    @property
    def written(self) -> str:
        """The dates as a reader writes them: "9-11 June 2025", "28 January 2016", "June 2025", "2019"."""
        if not self.start:
            return "date not stated"
        if self.precision == "year":
            return self.start[:4]
        if self.precision == "month":
            return f"{MONTHS[int(self.start[5:7]) - 1]} {self.start[:4]}"
        first = self.first_day
        last = _last_day(self.end, "day") if self.end and precision_of(self.end) == "day" else None
        if last is None or last == first:
            return f"{first.day} {MONTHS[first.month - 1]} {first.year}"
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}-{last.day} {MONTHS[first.month - 1]} {first.year}"
        if first.year == last.year:
            return f"{first.day} {MONTHS[first.month - 1]} - {last.day} {MONTHS[last.month - 1]} {first.year}"
        return f"{first.day} {MONTHS[first.month - 1]} {first.year} - {last.day} {MONTHS[last.month - 1]} {last.year}"


def written_date(start: str, precision: str | None = None) -> str:
    """A date of no particular event as a reader writes it ("28 January 2016", "June 2025",
    "2019"), its precision from its datatype when known, else from its lexical form."""
    return Dated("", "", start, None, precision or precision_of(start)).written


def precision_of(value: str) -> str:
    """The precision of a date by its lexical form: "2019", "2019-02", "2019-02-13"."""
    return {4: "year", 7: "month"}.get(len(value), "day")


def _first_day(value: str, precision: str | None) -> datetime.date:
    if precision == "year":
        return datetime.date(int(value[:4]), 1, 1)
    if precision == "month":
        return datetime.date(int(value[:4]), int(value[5:7]), 1)
    return datetime.date.fromisoformat(value[:10])


def _last_day(value: str, precision: str | None) -> datetime.date:
    if precision == "year":
        return datetime.date(int(value[:4]), 12, 31)
    if precision == "month":
        start = datetime.date(int(value[:4]), int(value[5:7]), 1)
        following = datetime.date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return following - datetime.timedelta(days=1)
    return datetime.date.fromisoformat(value[:10])


TIMELINE_LIMIT = 200  # events a timeline reads at most; past it, it says so


def timeline(engine: Engine, ns: Namespaces, about: str | None = None) -> tuple[list[Dated], list[Dated]]:
    """(dated, undated) events of the graph, or of the events linked to `about` either way; dated
    ones in time order, undated ones by label; at most `limit` together (a page says when it is cut:
    `len(dated) + len(undated) == TIMELINE_LIMIT`)."""
    limit = TIMELINE_LIMIT
    linked = f"{{ ?event ?link <{about}> }} UNION {{ <{about}> ?link ?event }}" if about else ""
    rows = engine.select(f"""
        SELECT ?event (SAMPLE(?name) AS ?label) (MIN(?s) AS ?start) (MAX(?e) AS ?end) WHERE {{
          {linked}
          ?event a <{ns.kgo}Event> .
          OPTIONAL {{ ?event <http://www.w3.org/2000/01/rdf-schema#label> ?name }}
          OPTIONAL {{ ?event <http://schema.org/startDate> ?s }}
          OPTIONAL {{ ?event <http://schema.org/endDate> ?e }}
        }} GROUP BY ?event LIMIT {limit}""")
    dated, undated = [], []
    for row in rows:
        start = _text(row, "start") or None
        end = _text(row, "end") or None
        label = _text(row, "label") or row["event"].value.rsplit("/", 1)[-1]
        precision = PRECISION.get(row["start"].datatype.value) if start else None
        event = Dated(row["event"].value, label, start if precision else None, end if precision else None, precision)
        (dated if event.precision else undated).append(event)
    dated.sort(key=lambda e: (e.first_day, e.last_day, e.label))
    undated.sort(key=lambda e: e.label)
    return dated, undated


def class_counts(engine: Engine, ns: Namespaces) -> list[tuple[str, int]]:
    """(class name, entities) for the classes the home page lists, most first."""
    values = " ".join(f"<{ns.kgo}{name}>" for name in OVERVIEW_CLASSES)
    rows = engine.select(f"SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?class {{ {values} }} ?s a ?class }} GROUP BY ?class")
    counts = {row["class"].value.rsplit("#", 1)[-1]: int(row["n"].value) for row in rows}
    return sorted(((name, counts[name]) for name in OVERVIEW_CLASSES if counts.get(name)), key=lambda pair: -pair[1])


def articles(engine: Engine, ns: Namespaces) -> list[dict]:
    """Each article: IRI, headline, the date it was published (None: not stated), publisher."""
    rows = engine.select(f"""
        SELECT ?article (SAMPLE(COALESCE(?h, ?l)) AS ?headline) (SAMPLE(?d) AS ?published) (SAMPLE(?p) AS ?publisher) WHERE {{
          ?article a <{ns.kgo}NewsArticle> .
          OPTIONAL {{ ?article <http://schema.org/headline> ?h }}
          OPTIONAL {{ ?article <http://www.w3.org/2000/01/rdf-schema#label> ?l }}
          OPTIONAL {{ ?article <http://schema.org/datePublished> ?d }}
          OPTIONAL {{ ?article <http://schema.org/publisher>/<http://www.w3.org/2000/01/rdf-schema#label> ?p }}
        }} GROUP BY ?article ORDER BY DESC(?published) ?headline""")
    return [{"iri": row["article"].value, "headline": _text(row, "headline") or row["article"].value,
             "published": _text(row, "published") or None,
             "publisher": _text(row, "publisher") or None} for row in rows]


def most_connected(engine: Engine, ns: Namespaces, limit: int = MOST_CONNECTED) -> list[tuple[str, str, int]]:
    """(IRI, label, links to and from other entities) of the entities with the most links; the
    records' machinery (assertions, quotes, articles, identity links) is not counted."""
    rows = engine.select(f"""
        SELECT ?x (SAMPLE(?name) AS ?label) (COUNT(*) AS ?n) WHERE {{
          {{ ?x ?p ?other }} UNION {{ ?other ?p ?x }}
          {_an_entity("?x", ns)} {_an_entity("?other", ns)}
          ?x <http://www.w3.org/2000/01/rdf-schema#label> ?name
        }} GROUP BY ?x ORDER BY DESC(?n) LIMIT {limit}""")
    return [(row["x"].value, row["label"].value, int(row["n"].value)) for row in rows]


def _an_entity(variable: str, ns: Namespaces) -> str:
    machinery = " && ".join(f'!STRSTARTS(STR({variable}), "{ns.base}/id/{kind}/")' for kind in ("assertion", "quote", "article", "link", "version"))
    return f'FILTER(isIRI({variable}) && STRSTARTS(STR({variable}), "{ns.base}/id/") && !CONTAINS(STR({variable}), "#") && {machinery})'


def _text(row, name: str) -> str | None:
    term = row[name]
    return term.value if term is not None else None


INTERMEDIATE = ("position", "view")  # nodes that stand between two entities: shown as the link, not as a node


@dataclass(frozen=True)
class Neighbour:
    iri: str
    label: str
    kind: str  # the id segment: person, organization, event...
    link: str  # what ties it to the entity, in words ("post in", "Chairman of the NAC Management Board")


def neighbours(engine: Engine, ns: Namespaces, iri: str) -> list[Neighbour]:
    """The entities one link away, and those two away through a post or a stated view (a person
    and the organisation of their post; who said what about a policy), each once, by kind."""
    not_a_type = "FILTER(?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>)"
    direct = engine.select(f"""SELECT DISTINCT ?x ?p WHERE {{ {{ <{iri}> ?p ?x }} UNION {{ ?x ?p <{iri}> }}
                                {_an_entity("?x", ns)} {not_a_type} }}""")
    links: dict[str, str] = {}
    between = [row["x"].value for row in direct if _segment(row["x"].value, ns) in INTERMEDIATE]
    for row in direct:
        if row["x"].value not in between:
            links.setdefault(row["x"].value, property_words(row["p"].value))
    if between:
        values = " ".join(f"<{x}>" for x in between)
        for row in engine.select(f"""SELECT DISTINCT ?via ?x WHERE {{ VALUES ?via {{ {values} }} {{ ?via ?p ?x }} UNION {{ ?x ?p ?via }}
                                     {_an_entity("?x", ns)} {not_a_type} FILTER(?x != <{iri}>) }}"""):
            if _segment(row["x"].value, ns) not in INTERMEDIATE:
                links.setdefault(row["x"].value, row["via"].value)  # replaced by the post's or view's label below
    if not links:
        return []
    values = " ".join(f"<{x}>" for x in {*links, *between})
    labels = {row["x"].value: row["label"].value for row in engine.select(
        f"SELECT ?x (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?x {{ {values} }} ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l }} GROUP BY ?x")}
    found = [Neighbour(x, labels[x], _segment(x, ns), labels.get(link, link)) for x, link in links.items() if x in labels]
    return sorted(found, key=lambda n: (n.kind, n.label))


def _segment(iri: str, ns: Namespaces) -> str:
    return iri[len(ns.base) + len("/id/"):].split("/", 1)[0]


def property_words(predicate: str) -> str:
    """A property's name in words: "subOrganizationOf" -> "sub organization of"."""
    name = predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
