"""What an entity page says first: a short summary by kind, read from the graph.

An event: when, where, organised by whom, who opened, chaired, spoke, presented or attended it
(each under the ontology's label of the property: "speaker", "presented remotely by"), what it
is part of and its parts. A person: their posts (title as written, organisation, former, the
date the article places them at), their stated views, the events they took part in and in what
role. An organisation: its people (the posts held in it or in its units), where it is based,
what it is part of, its parts, partners, the events it organised or took part in, the views
about it. A place, a policy, a topic and an article get a few lines each; other kinds none
(their statements table is already short).

Only asserted links are read (never those the entailed graph adds: a remote presenter is not
listed again as a presenter and a speaker), every list is capped at `SHOWN` entries and says how
many more there are, and each kind costs a few bounded queries. Nothing here is written that the
graph does not state; a value the graph lacks is left out, not guessed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from graph.engine.base import Engine
from graph.namespaces import Namespaces
from graph.overview import PRECISION, Dated, property_words

SHOWN = 8  # entries a list shows; past it, "and N more"
FETCH = 400  # rows a list query reads at most; past it, the totals are counted by a second query
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SCHEMA = "http://schema.org/"
SKOS_BROADER = "http://www.w3.org/2004/02/skos/core#broader"
# who took part in an activity and how, most specific first: the order of an event's summary
ROLES = ("organizer", "collaborator", "openedBy", "welcomedBy", "chairedBy", "moderatedBy", "speaker", "presentedBy",
         "presentedRemotelyBy", "attendee", "carriedOutBy", "developedBy")
KINDS = ("Activity", "Person", "Organization", "Place", "Policy", "Topic", "NewsArticle")  # the first the entity is wins


@dataclass(frozen=True)
class Link:
    """An entity of the graph, by its IRI (which resolves on this server) and its label."""

    iri: str
    label: str


@dataclass(frozen=True)
class Item:
    """One entry of a list: an entity, the others it names here, each after a word that says
    how ("at" a post's organisation, "about" a view's subject), and short notes in words
    ("former", "speaker", "28 January 2016")."""

    link: Link
    via: tuple[tuple[str, Link], ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    """One line of a summary: a name, and either a text ("9-11 June 2025") or a list of entries
    with how many more the graph holds than are shown."""

    name: str
    items: tuple[Item, ...] = ()
    text: str = ""
    more: int = 0


@dataclass(frozen=True)
class Summary:
    kind: str  # the ontology class's local name: Activity, Person...
    fields: tuple[Field, ...]


@dataclass
class Linked:
    """Entities linked to the entity by one property in one direction: those read (at most
    FETCH rows in all) and how many there are."""

    label: str  # the property's label in the ontology
    links: list[Link]
    total: int


def summary(engine: Engine, ns: Namespaces, iri: str) -> Summary | None:
    """The summary of the entity `iri` by its kind, or None for a kind without one (or an entity
    with nothing to summarise)."""
    kind = _kind(engine, ns, iri)
    if kind is None:
        return None
    fields = tuple(f for f in SUMMARIES[kind](engine, ns, iri) if f.items or f.text)
    return Summary(kind, fields) if fields else None


def _kind(engine: Engine, ns: Namespaces, iri: str) -> str | None:
    values = " ".join(f"<{ns.kgo}{k}>" for k in KINDS)
    found = {row["k"].value[len(str(ns.kgo)):] for row in engine.select(f"SELECT ?k WHERE {{ VALUES ?k {{ {values} }} <{iri}> a ?k }}")}
    return next((k for k in KINDS if k in found), None)


# -- the summaries of each kind ------------------------------------------------------------------


def activity_summary(engine: Engine, ns: Namespaces, iri: str) -> list[Field]:
    """An event (or any activity): when, where, organised by whom, who took part in what role,
    what it is part of and its parts (dated, in time order)."""
    k = str(ns.kgo)
    linked = _links(engine, ns, iri, outgoing=[k + p for p in ("place", "venue", "partOf", "hasTask", *ROLES)],
                    incoming=[k + "partOf"])
    out = _by_direction(linked, "out")
    when = _when(engine, ns, [iri]).get(iri)
    fields = [Field("When", text=when.written if when else ""),
              _field("Where", out.get(k + "place"), out.get(k + "venue"))]
    fields += [_field(_capital(out[k + r].label), out[k + r]) for r in ROLES if k + r in out]
    fields.append(_field("Part of", out.get(k + "partOf")))
    parts = (linked.get((k + "partOf", "in")), out.get(k + "hasTask"))
    if any(parts):
        fields.append(_dated_field("Parts", engine, ns, _merged(*parts), _total(*parts)))
    return fields


def person_summary(engine: Engine, ns: Namespaces, iri: str) -> list[Field]:
    """A person: posts, stated views, and the events they took part in with their role."""
    return [posts(engine, ns, iri, of="holder"), views(engine, ns, iri, by="viewHolder"),
            roles_at_events(engine, ns, iri, ROLES)]


def organization_summary(engine: Engine, ns: Namespaces, iri: str) -> list[Field]:
    """An organisation: its people, where it is based, its parent, parts and partners, the
    events it organised, hosted or took part in, and the views about it."""
    k = str(ns.kgo)
    linked = _links(engine, ns, iri, outgoing=[k + p for p in ("basedIn", "basedAt", "subOrganizationOf", "partner", "assistedBy")],
                    incoming=[k + "subOrganizationOf", k + "partner"])
    out = _by_direction(linked, "out")
    return [posts(engine, ns, iri, of="postIn"),
            _field("Based in", out.get(k + "basedIn"), out.get(k + "basedAt")),
            _field("Part of", out.get(k + "subOrganizationOf")),
            _field("Parts", linked.get((k + "subOrganizationOf", "in"))),
            _field("Partners", out.get(k + "partner"), linked.get((k + "partner", "in"))),
            _field("Assisted by", out.get(k + "assistedBy")),
            roles_at_events(engine, ns, iri, (*ROLES, "venue", "supportedBy")),
            views(engine, ns, iri, by="about")]


def place_summary(engine: Engine, ns: Namespaces, iri: str) -> list[Field]:
    """A place: where it lies, the places in it, the events held there, the organisations based
    there and what has it as jurisdiction."""
    k = str(ns.kgo)
    linked = _links(engine, ns, iri, outgoing=[k + "containedInPlace"],
                    incoming=[k + p for p in ("containedInPlace", "basedIn", "basedAt", "jurisdiction")])
    into = _by_direction(linked, "in")
    return [_field("In", linked.get((k + "containedInPlace", "out"))),
            _field("Places in it", into.get(k + "containedInPlace")),
            roles_at_events(engine, ns, iri, ("place",), name="Events and activities there", with_role=False),
            _field("Based there", into.get(k + "basedIn"), into.get(k + "basedAt")),
            _field("Jurisdiction of", into.get(k + "jurisdiction"))]


def policy_summary(engine: Engine, ns: Namespaces, iri: str) -> list[Field]:
    """A policy: who implements it, what it is part of, its parts, and the views about it."""
    k = str(ns.kgo)
    linked = _links(engine, ns, iri, outgoing=[k + "implementedBy", k + "partOf"], incoming=[k + "partOf"])
    return [_field("Implemented by", linked.get((k + "implementedBy", "out"))),
            _field("Part of", linked.get((k + "partOf", "out"))),
            _field("Parts", linked.get((k + "partOf", "in"))),
            views(engine, ns, iri, by="about")]


def topic_summary(engine: Engine, ns: Namespaces, iri: str) -> list[Field]:
    """A topic: broader and narrower topics, and what is on it (activities, research, views)."""
    k = str(ns.kgo)
    on_it = [k + p for p in ("topic", "researchTopic", "appliesApproach", "proposedTopic", "about")]
    linked = _links(engine, ns, iri, outgoing=[SKOS_BROADER], incoming=[SKOS_BROADER, *on_it])
    return [_field("Broader", linked.get((SKOS_BROADER, "out"))),
            _field("Narrower", linked.get((SKOS_BROADER, "in"))),
            _field("On this topic", *(linked.get((p, "in")) for p in on_it))]


def article_summary(engine: Engine, ns: Namespaces, iri: str) -> list[Field]:
    """An article: when it was published, by whom, how many quoted facts the graph takes from it,
    and what it mentions."""
    linked = _links(engine, ns, iri, outgoing=[SCHEMA + "publisher", SCHEMA + "author", SCHEMA + "mentions"], incoming=[])
    [row] = engine.select(f"""SELECT (SAMPLE(?d) AS ?published) (SAMPLE(?u) AS ?unstated) (COUNT(DISTINCT ?a) AS ?facts) WHERE {{
        {{ <{iri}> <{SCHEMA}datePublished> ?d }} UNION {{ <{iri}> <{ns.kgo}notStated> <{SCHEMA}datePublished> BIND(true AS ?u) }}
        UNION {{ ?a a <{ns.kgo}Assertion> ; <http://www.w3.org/ns/prov#wasDerivedFrom> <{iri}> }} }}""")
    facts = int(row["facts"].value)
    published = _written(row["published"]) if row["published"] is not None else "not stated" if row["unstated"] is not None else ""
    return [Field("Published", text=published),
            _field("Publisher", linked.get((SCHEMA + "publisher", "out"))),
            _field("Author", linked.get((SCHEMA + "author", "out"))),
            Field("Facts", text=f"{facts:,} quoted statement{'s' if facts != 1 else ''}" if facts else ""),
            _field("Mentions", linked.get((SCHEMA + "mentions", "out")))]


SUMMARIES = {"Activity": activity_summary, "Person": person_summary, "Organization": organization_summary,
             "Place": place_summary, "Policy": policy_summary, "Topic": topic_summary, "NewsArticle": article_summary}


# -- the lists that need more than one link: posts, views, roles at events --------------------------


def posts(engine: Engine, ns: Namespaces, iri: str, of: str) -> Field:
    """The posts of a person (`of="holder"`: each post by its title as written, "at" its
    organisation, or "in" its place when the article names no organisation) or held in an
    organisation or its units (`of="postIn"`: each holder "as" the post, "in" the unit when it
    is not the organisation itself); with "former" and the date the article places the post at."""
    k = str(ns.kgo)
    label_a, label_b = f"OPTIONAL {{ ?a <{RDFS_LABEL}> ?al }}", f"OPTIONAL {{ ?b <{RDFS_LABEL}> ?bl }}"
    if of == "holder":  # ?a the organisation, ?b the place (each labelled only when there is one)
        where = (f"?post <{k}holder> <{iri}> . OPTIONAL {{ ?post <{k}postIn> ?a {label_a} }} "
                 f"OPTIONAL {{ ?post <{k}place> ?b {label_b} }}")
    else:  # ?a the holder, ?b the unit
        where = f"?b <{k}subOrganizationOf>* <{iri}> . ?post <{k}postIn> ?b ; <{k}holder> ?a . {label_a} {label_b}"
    rows, total = _fetch(engine, """?post (SAMPLE(?a) AS ?first) (SAMPLE(?b) AS ?second) (SAMPLE(?t) AS ?title) (SAMPLE(?pl) AS ?postLabel)
        (SAMPLE(?al) AS ?firstLabel) (SAMPLE(?bl) AS ?secondLabel) (SAMPLE(?f) AS ?former) (SAMPLE(?d) AS ?asOf)""", f"""
        {where}
        OPTIONAL {{ ?post <{k}titleAsWritten> ?t }} OPTIONAL {{ ?post <{RDFS_LABEL}> ?pl }}
        OPTIONAL {{ ?post <{k}isFormer> ?f }} OPTIONAL {{ ?post <{k}statedAsOf> ?d }}""", "?post", "?post")
    items = []
    for row in rows:
        post = Link(row["post"].value, _value(row, "title") or _value(row, "postLabel") or _tail(row["post"].value))
        notes = tuple(n for n in ("former" if _value(row, "former") == "true" else "",
                                  f"as of {_written(row['asOf'])}" if row["asOf"] is not None else "") if n)
        first, second = _link(row, "first", "firstLabel"), _link(row, "second", "secondLabel")
        if of == "holder":
            items.append(Item(post, (("at", first),) if first else (("in", second),) if second else (), notes))
        elif first:
            items.append(Item(first, (("as", post),) + ((("in", second),) if second and second.iri != iri else ()), notes))
    items.sort(key=lambda item: ("former" in item.notes, item.link.label.casefold()))
    return _capped("Posts" if of == "holder" else "People", items, total.get((), 0))


def views(engine: Engine, ns: Namespaces, iri: str, by: str) -> Field:
    """The stated views held by a person (`by="viewHolder"`: each with what it is about) or about
    an entity (`by="about"`: each with its holder), with their stance."""
    k = str(ns.kgo)
    other = "about" if by == "viewHolder" else "viewHolder"
    rows, total = _fetch(engine, "?view ?other (SAMPLE(?vl) AS ?viewLabel) (SAMPLE(?ol) AS ?otherLabel) (SAMPLE(?sl) AS ?stance)", f"""
        ?view a <{k}StatedView> ; <{k}{by}> <{iri}> .
        OPTIONAL {{ ?view <{k}{other}> ?other OPTIONAL {{ ?other <{RDFS_LABEL}> ?ol }} }}
        OPTIONAL {{ ?view <{RDFS_LABEL}> ?vl }} OPTIONAL {{ ?view <{k}stance>/<{RDFS_LABEL}> ?sl }}""", "?view ?other", "?view")
    found: dict[str, Item] = {}
    for row in rows:
        view = row["view"].value
        item = found.get(view) or Item(Link(view, _value(row, "viewLabel") or _tail(view)), (),
                                       (_value(row, "stance"),) if row["stance"] is not None else ())
        named = _link(row, "other", "otherLabel")
        found[view] = Item(item.link, item.via + (("about" if by == "viewHolder" else "by", named),), item.notes) if named else item
    items = sorted(found.values(), key=lambda item: item.link.label.casefold())
    return _capped("Stated views" if by == "viewHolder" else "Views about it", items, total.get((), 0))


def roles_at_events(engine: Engine, ns: Namespaces, iri: str, roles: Iterable[str], name: str = "Took part in",
                    with_role: bool = True) -> Field:
    """The activities that link to the entity by one of `roles` (asserted), each with its dates
    and (`with_role`) the role's label, in time order (the undated last)."""
    k = str(ns.kgo)
    values = " ".join(f"<{k}{r}>" for r in roles)
    rows, total = _fetch(engine, "?event ?p (SAMPLE(?l) AS ?label) (SAMPLE(?pl) AS ?role)", f"""
        VALUES ?p {{ {values} }} ?event ?p <{iri}> ; a <{k}Activity> .
        FILTER NOT EXISTS {{ GRAPH <{ns.entailed_graph}> {{ ?event ?p <{iri}> }} }}
        OPTIONAL {{ ?event <{RDFS_LABEL}> ?l }} OPTIONAL {{ ?p <{RDFS_LABEL}> ?pl }}""", "?event ?p", "?event")
    roles_of: dict[Link, list[str]] = {}
    for row in rows:
        event = _link(row, "event", "label")
        roles_of.setdefault(event, []).append(_value(row, "role") or property_words(row["p"].value))
    field = _dated_field(name, engine, ns, list(roles_of), total.get((), 0))
    if with_role:
        field = Field(field.name, tuple(Item(i.link, i.via, (*roles_of[i.link], *i.notes)) for i in field.items), more=field.more)
    return field


# -- reading and shaping ---------------------------------------------------------------------------


def _links(engine: Engine, ns: Namespaces, iri: str, outgoing: list[str], incoming: list[str]) -> dict[tuple[str, str], Linked]:
    """The entities linked to `iri` by the properties `outgoing` (it is the subject) and
    `incoming` (it is the object), as asserted, by (property, "out" | "in"), with their labels."""
    branches = []
    for direction, properties, pattern in (("out", outgoing, f"<{iri}> ?p ?x"), ("in", incoming, f"?x ?p <{iri}>")):
        if properties:
            values = " ".join(f"<{p}>" for p in properties)
            branches.append(f"""{{ VALUES ?p {{ {values} }} {pattern} BIND("{direction}" AS ?dir)
                FILTER NOT EXISTS {{ GRAPH <{ns.entailed_graph}> {{ {pattern} }} }} }}""")
    where = " UNION ".join(branches) + f" FILTER(isIRI(?x)) OPTIONAL {{ ?x <{RDFS_LABEL}> ?l }} OPTIONAL {{ ?p <{RDFS_LABEL}> ?pl }}"
    rows, totals = _fetch(engine, "?dir ?p ?x (SAMPLE(?l) AS ?label) (SAMPLE(?pl) AS ?plabel)", where, "?dir ?p ?x", "?x", ("dir", "p"))
    linked: dict[tuple[str, str], Linked] = {}
    for row in sorted(rows, key=lambda r: (_value(r, "label") or r["x"].value).casefold()):
        key = (row["p"].value, row["dir"].value)
        group = linked.setdefault(key, Linked(_value(row, "plabel") or property_words(key[0]), [], totals.get((key[1], key[0]), 0)))
        group.links.append(_link(row, "x", "label"))
    return linked


def _fetch(engine: Engine, projection: str, where: str, group: str, counted: str,
           keys: tuple[str, ...] = ()) -> tuple[list, dict[tuple, int]]:
    """The rows of `SELECT projection WHERE { where } GROUP BY group`, at most FETCH, and how many
    distinct `counted` there are for each value of the variables `keys` (from the rows when
    they are all there, else by a counting query: a cut list still says how long it is)."""
    rows = engine.select(f"SELECT {projection} WHERE {{ {where} }} GROUP BY {group} LIMIT {FETCH}")
    if len(rows) < FETCH:
        seen: dict[tuple, set[str]] = {}
        for row in rows:
            seen.setdefault(tuple(row[k].value for k in keys), set()).add(row[counted[1:]].value)
        return rows, {key: len(found) for key, found in seen.items()}
    grouping = " ".join(f"?{k}" for k in keys)
    counts = engine.select(f"SELECT {grouping} (COUNT(DISTINCT {counted}) AS ?n) WHERE {{ {where} }} {'GROUP BY ' + grouping if keys else ''}")
    return rows, {tuple(row[k].value for k in keys): int(row["n"].value) for row in counts}


@dataclass(frozen=True)
class When:
    """An activity's dates in words, and the first day they reach (for ordering)."""

    first_day: datetime.date
    written: str


def _when(engine: Engine, ns: Namespaces, iris: list[str]) -> dict[str, When]:
    """The dates of activities as a reader writes them, by IRI: the stated ones ("9-11 June
    2025"); for one the articles leave undated but that lies within a dated whole, the window the
    entailed graph gives ("within 9-11 June 2025", "not before 28 January 2016"); none else."""
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris)
    k = str(ns.kgo)
    rows = engine.select(f"""SELECT ?e (MIN(?s) AS ?start) (MAX(?f) AS ?end) (MIN(?a) AS ?from) (MAX(?b) AS ?to) WHERE {{
        VALUES ?e {{ {values} }} OPTIONAL {{ ?e <{SCHEMA}startDate> ?s }} OPTIONAL {{ ?e <{SCHEMA}endDate> ?f }}
        OPTIONAL {{ ?e <{k}notBefore> ?a }} OPTIONAL {{ ?e <{k}notAfter> ?b }} }} GROUP BY ?e""")
    found = {}
    for row in rows:
        start, end, window_from, window_to = (_dated(row[name]) for name in ("start", "end", "from", "to"))
        if start:
            stated = Dated("", "", start.start, end.start if end else None, start.precision)
            found[row["e"].value] = When(stated.first_day, stated.written)
        elif window_from and window_to:
            window = Dated("", "", window_from.start, window_to.start, window_from.precision)
            found[row["e"].value] = When(window.first_day, f"within {window.written}")
        elif window_from or window_to:
            bound = window_from or window_to
            found[row["e"].value] = When(bound.first_day, f"{'not before' if window_from else 'not after'} {bound.written}")
    return found


def _dated(term) -> Dated | None:
    """A date literal as a Dated (None for another literal, or none)."""
    precision = PRECISION.get(term.datatype.value) if term is not None else None
    return Dated("", "", term.value, None, precision) if precision else None


def _dated_field(name: str, engine: Engine, ns: Namespaces, links: list[Link], total: int | None = None) -> Field:
    """Activities in time order, each with its dates in words; the undated last, by label."""
    when = _when(engine, ns, [link.iri for link in links])

    def order(link: Link) -> tuple:
        dated = when.get(link.iri)
        return (dated is None, dated.first_day if dated else None, link.label.casefold())

    items = [Item(link, (), (when[link.iri].written,) if link.iri in when else ()) for link in sorted(links, key=order)]
    return _capped(name, items, len(links) if total is None else total)


def _field(name: str, *groups: Linked | None) -> Field:
    """A list of the entities of `groups` (one property or several), each once."""
    return _capped(name, [Item(link) for link in _merged(*groups)], _total(*groups))


def _merged(*groups: Linked | None) -> list[Link]:
    """The entities of `groups`, each once, in their order."""
    return list(dict.fromkeys(link for group in groups if group for link in group.links))


def _total(*groups: Linked | None) -> int:
    """How many entities `groups` hold together: their totals, less those read in more than one."""
    return sum(g.total for g in groups if g) - (sum(len(g.links) for g in groups if g) - len(_merged(*groups)))


def _capped(name: str, items: list[Item], total: int) -> Field:
    shown = tuple(items[:SHOWN])
    return Field(name, shown, more=max(total, len(items)) - len(shown))


def _by_direction(linked: dict[tuple[str, str], Linked], direction: str) -> dict[str, Linked]:
    return {p: group for (p, d), group in linked.items() if d == direction}


def _link(row, name: str, label: str) -> Link | None:
    term = row[name]
    return Link(term.value, _value(row, label) or _tail(term.value)) if term is not None else None


def _value(row, name: str) -> str | None:
    term = row[name]
    return term.value if term is not None else None


def _written(term) -> str:
    """A date literal as a reader writes it ("10 December 2020", "June 2025"), another literal as is."""
    dated = _dated(term)
    return dated.written if dated else term.value


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]
