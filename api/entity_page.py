"""The statements of an entity's page, as a reader wants them: grouped by property in a fixed
order (when and where first, then who, then what it is part of, then the rest by name), each
property by its label in the ontology, each value as a reader writes it ("28 January 2016",
"over 4,000 participants", a link named by its label), and beside each value the quote it was
taken from, with its article. The order is the table STATEMENT_ORDER below (README, "Browsing")."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from markupsafe import Markup, escape
from rdflib import Graph

from graph.links import SCHEME_NAMES, identifier_of
from graph.overview import written_date
from graph.vocabulary import class_derivation, derivation

XSD = "http://www.w3.org/2001/XMLSchema#"
DATE_TYPES = {XSD + "date": "day", XSD + "gYearMonth": "month", XSD + "gYear": "year"}
STATEMENT_ORDER = (  # keys of the entity documents; the keys not listed follow, by label
    "startDate", "endDate", "dateAsWritten", "statedAsOf", "notBefore", "notAfter",
    "hasPlace", "locatedIn", "basedIn", "basedAt", "venue",
    "holder", "titleAsWritten", "roleType", "postIn", "isFormer",
    "organizer", "openedBy", "welcomedBy", "chairedBy", "speaker", "presentedBy", "presentedRemotelyBy", "attendee",
    "participantCount", "participantCountry", "memberCount", "componentCount", "statedQuantity",
    "viewHolder", "about", "stance", "summary", "quotation",
    "partOf", "hasPart", "subOrganizationOf", "hasSubOrganization", "partner", "supportedBy", "memberOf",
    "description",
)
IDENTITY_KEYS = ("sameAs", "exactMatch", "closeMatch")  # identity links to other datasets (graph/links.py)
CODE_KEYS = {"iso3166Alpha2": "iso3166-2", "iso3166Alpha3": "iso3166-3"}  # codes without IRIs, by their scheme
HIDDEN = {"label", "evidence", "mentionedIn", "incomingLinks", "altLabel", "prefLabel", "name", "alternateName",
          *IDENTITY_KEYS, *CODE_KEYS}  # the last two shown as the page's external identifiers
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass
class Value:
    html: Markup
    quotes: list[dict] = field(default_factory=list)  # exact, source (href), source_label


@dataclass
class Row:
    key: str
    label: str
    values: list[Value]
    source: Markup = Markup("")  # for a derived row: what it follows from ("from organizer", "inverse of holder")


def statement_rows(doc: dict, property_iris: dict[str, str], property_labels: dict[str, str], expand, compact) -> list[Row]:
    """The rows of the page's statements table from the entity's JSON-LD document."""
    quotes = _quotes_by_statement(doc, expand)
    rows = []
    for key, values in doc.items():
        if key.startswith("@") or key in HIDDEN or not values:
            continue
        iri = property_iris.get(key, expand(key))
        row = Row(key, _property_label(key, property_iris, property_labels, expand), [])
        for value in values:
            target = value.get("@id") if isinstance(value, dict) else None
            said = quotes.get((compact(iri), target if target else _literal_key(value)), [])
            row.values.append(Value(_written(value, expand), said))
        rows.append(row)
    return _ordered(rows)


def derived_rows(derived: dict[str, list], property_iris: dict[str, str], labels: dict[str, str], expand,
                 ontology: Graph | None = None, doc: dict | None = None) -> list[Row]:
    """The rows of the page's Derived table (what the ontology entails about the entity): each
    property by its label in the ontology, each class by its label (or its prefixed name when
    the ontology gives it none: `schema:Person`), each value as the statements' are written; the
    classes first, then in the statements' order, with no quote (nothing derived has one). With
    the `ontology` and the entity's document `doc`, each says what it follows from: a class the
    asserted class is a kind of, a property an asserted one specialises, or is the inverse of."""
    doc = doc or {}
    asserted_out = {property_iris.get(k, expand(k)) for k in doc if not k.startswith("@")}
    asserted_in = {property_iris.get(k, expand(k)) for k in doc.get("@reverse") or {}}
    asserted_types = {expand(t) for t in doc.get("@type", [])}
    keys = {iri: key for key, iri in property_iris.items()}  # a property the ontology gives no label: by its document key

    def kind_of(name: str) -> Markup:
        source = class_derivation(ontology, expand(name), asserted_types) if ontology is not None else None
        note = Markup(' <span class="muted">(every {} is one)</span>').format(labels.get(source) or source) if source else Markup("")
        return _class(name, labels, expand) + note

    def source_of(key: str) -> Markup:
        found = derivation(ontology, property_iris.get(key, expand(key)), asserted_out, asserted_in) if ontology is not None else None
        if found is None:
            return Markup("")
        how, prop = found
        side = " (stated from the other side)" if how == "inverse of" else ""
        return Markup("{} <em>{}</em>{}").format(how, labels.get(prop) or keys.get(prop, prop), side)

    types = [Row("@type", labels.get(RDF_TYPE) or "type", [Value(kind_of(name)) for name in derived.get("@type", [])])]
    rows = [Row(key, _property_label(key, property_iris, labels, expand), [Value(_written(v, expand)) for v in values], source_of(key))
            for key, values in derived.items() if key != "@type" and values]
    return [row for row in types if row.values] + _ordered(rows)


def _ordered(rows: list[Row]) -> list[Row]:
    """Rows in the page's order: STATEMENT_ORDER, then the others by label."""
    position = {key: i for i, key in enumerate(STATEMENT_ORDER)}
    return sorted(rows, key=lambda r: (position.get(r.key, len(position)), r.label.casefold()))


def _property_label(key: str, property_iris: dict[str, str], property_labels: dict[str, str], expand) -> str:
    """A document key's property by its label in the ontology, else the key itself."""
    return property_labels.get(property_iris.get(key, expand(key))) or key


def _class(name: str, labels: dict[str, str], expand) -> Markup:
    """A class (a prefixed name) as a link to its IRI, named by its label in the ontology."""
    iri = expand(name)
    return Markup('<a href="{}">{}</a>').format(iri, labels.get(iri) or name)


@dataclass(frozen=True)
class ExternalId:
    """An identifier of the entity in another dataset, as a reader names it: the scheme
    ("Wikidata"), the identifier ("Q232"), the IRI it stands for (None for a code, which has
    none), and what it names ("Kazakhstan", our entity's label; "close match" for a close one)."""

    scheme: str
    identifier: str
    href: str | None
    names: str


def external_identifiers(doc: dict, label: str, expand) -> list[ExternalId]:
    """The entity's identity links and codes (records/links.tsv, compiled to owl:sameAs,
    skos:exactMatch, skos:closeMatch and the ISO 3166 codes), each with its scheme and
    identifier read from the IRI's namespace (graph/links.py), in the schemes' order."""
    found = []
    for key in IDENTITY_KEYS:
        for value in doc.get(key, []):
            iri = expand(value["@id"]) if isinstance(value, dict) else str(value)
            scheme, identifier = identifier_of(iri) or ("", "")
            host = urlsplit(iri).netloc
            found.append(ExternalId(SCHEME_NAMES.get(scheme) or host or "link", identifier or iri.split(host, 1)[-1].strip("/") or iri,
                                    iri, "close match" if key == "closeMatch" else label))
    for key, scheme in CODE_KEYS.items():
        for value in doc.get(key, []):
            found.append(ExternalId(SCHEME_NAMES[scheme], str(value.get("@value") if isinstance(value, dict) else value), None, ""))
    order = {name: i for i, name in enumerate(SCHEME_NAMES.values())}
    return sorted(found, key=lambda e: (order.get(e.scheme, len(order)), e.scheme, e.identifier))


def _quotes_by_statement(doc: dict, expand) -> dict[tuple, list[dict]]:
    found: dict[tuple, list[dict]] = {}
    for assertion in doc.get("evidence", []):
        predicate = (assertion.get("predicate") or [{}])[0].get("@id")
        obj = (assertion.get("object") or [None])[0]
        target = obj.get("@id") if isinstance(obj, dict) and "@id" in obj else _literal_key(obj)
        for passage in assertion.get("hasTarget", []):
            exact = next((s["exact"][0]["@value"] if isinstance(s["exact"][0], dict) else s["exact"][0]
                          for s in passage.get("hasSelector", []) if s.get("exact")), None)
            source = (passage.get("hasSource") or [{}])[0]
            if exact:
                found.setdefault((predicate, target), []).append(
                    {"exact": exact, "source": expand(source.get("@id", "")), "source_label": (source.get("label") or [""])[0]})
    return found


def _literal_key(value) -> str | None:
    if isinstance(value, dict):
        return str(value.get("@value")) if "@value" in value else None
    return None if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _written(value, expand) -> Markup:
    """A value as a reader writes it."""
    if isinstance(value, bool):
        return Markup("yes" if value else "no")
    if isinstance(value, int):
        return escape(f"{value:,}")
    if isinstance(value, str):
        return _linked_if_url(value)
    if "@value" in value:
        precision = DATE_TYPES.get(value.get("@type", ""))
        if precision:
            return escape(written_date(str(value["@value"]), precision))
        return _linked_if_url(str(value["@value"]))
    if "value" in value and ("unitText" in value or "qualifier" in value):  # a figure: "over 4,000 participants"
        number = value["value"][0]
        number = number.get("@value") if isinstance(number, dict) else number
        qualifier = (value.get("qualifier") or [{}])[0]
        qualifier_label = (qualifier.get("label") or [""])[0] if isinstance(qualifier, dict) else ""
        unit = (value.get("unitText") or [""])[0]
        unit = unit.get("@value", "") if isinstance(unit, dict) else unit
        words = " ".join(w for w in (qualifier_label if qualifier_label != "exactly" else "", _number(number), unit) if w)
        return escape(words)
    if value.get("exact"):  # a quote's selector: its sentence, the quoted words marked
        def text(key: str) -> str:
            return "".join(v["@value"] if isinstance(v, dict) else str(v) for v in value.get(key, []))
        return Markup("<span class=\"quote\">“{}<mark>{}</mark>{}”</span>").format(text("prefix"), text("exact"), text("suffix"))
    target = value.get("@id", "")
    name = (value.get("label") or [target])[0]
    return Markup('<a href="{}">{}</a>').format(expand(target), name)


def _linked_if_url(text: str) -> Markup:
    """A web address (an article's own URL, an xsd:anyURI) as a link to it; other text as it is."""
    if text.startswith(("https://", "http://")) and " " not in text:
        return Markup('<a href="{}">{}</a>').format(text, text)
    return escape(text)


def _number(value) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


MACHINERY = ("assertion:", "quote:")  # reification and quote nodes: the evidence of statements, not related entities


def incoming_rows(doc: dict, property_iris: dict[str, str], property_labels: dict[str, str], expand) -> list[tuple[str, list]]:
    """(property label, the entities linking to this one by it), grouped by property, without the
    assertions and quotes that point here (they are the evidence of statements, shown with them)."""
    rows = []
    for key, values in sorted((doc.get("@reverse") or {}).items()):
        related = [v for v in values if not str(v.get("@id", "")).startswith(MACHINERY)]
        if related:
            rows.append((_property_label(key, property_iris, property_labels, expand), related))
    return rows
