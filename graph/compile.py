"""Compiling curated records into RDF quads: one named graph per article, every fact with its evidence.

Each fact `s p o` of an article becomes the triple itself in the article's graph plus an
assertion node (a reified statement that is also a Web Annotation) whose target is the quoted
passage: a `oa:SpecificResource` of the article with a `oa:TextQuoteSelector`. Quotes are shared:
every fact taken from the same passage points to the same selector.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from graph.errors import Origin, Problem, RecordErrors
from graph.evidence import digest, reify
from graph.links import LinkRow, compile_links
from graph.namespaces import DCTERMS, OA, PROV, RDF, RDFS, SCHEMA, SKOS, XSD, Namespaces
from graph.quotes import normalise
from graph.records import EntityRecord, Fact, RecordFile
from graph.vocabulary import Vocabulary

QUALIFIERS = {"exactly": "Exactly", "around": "Approximately", "over": "MoreThan"}
QUANTITY_KEYS = {"value", "qualifier", "unit"}
_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass
class CompiledGraph:
    dataset: Dataset
    origins: dict[URIRef, Origin] = field(default_factory=dict)

    def union(self, without: frozenset[URIRef] = frozenset()) -> Graph:
        """The named graphs (but those in `without`) as one graph."""
        union = Graph()
        for prefix, namespace in self.dataset.namespaces():
            union.bind(prefix, namespace, override=True)
        for s, p, o, g in self.dataset.quads((None, None, None, None)):
            if g not in without:
                union.add((s, p, o))
        return union


class _Compiler:
    def __init__(self, files: list[RecordFile], ns: Namespaces, vocab: Vocabulary):
        self.files = files
        self.ns = ns
        self.kgo = ns.kgo
        self.vocab = vocab
        self.problems: list[Problem] = []
        self.dataset = Dataset()
        for prefix, iri in ns.prefixes().items():
            self.dataset.bind(prefix, iri, override=True)
        self.origins: dict[URIRef, Origin] = {}
        self.declared: dict[str, EntityRecord] = {}

    # -- driver -------------------------------------------------------------------------------

    def run(self, ontology: Graph, links: "list[LinkRow]") -> CompiledGraph:
        self._index()
        for record in self.files:
            self._article(record)
            for entity in record.entities:
                self._entity(record, entity)
        self._check_unsaid()
        problems, origins = compile_links(links, self.dataset, self.ns, set(self.declared))
        self.problems.extend(problems)
        self.origins.update(origins)
        if self.problems:
            raise RecordErrors(self.problems)
        ontology_graph = self.dataset.graph(self.ns.ontology_graph)
        for triple in ontology:
            ontology_graph.add(triple)
        return CompiledGraph(self.dataset, self.origins)

    def _check_unsaid(self) -> None:
        """"Not stated" and a stated value cannot both come from one article."""
        for record in self.files:
            graph = self.dataset.graph(self.ns.article_graph(record.article.slug))
            for entity in record.entities:
                for unsaid in entity.not_stated:
                    predicate = self.ns.expand(unsaid.predicate)
                    if predicate is not None and (self.ns.entity(entity.id), predicate, None) in graph:
                        self._problem(f"{entity.id}: not_stated says the article leaves {unsaid.predicate} unsaid, "
                                      "but a fact of this article states it", unsaid.origin)

    def _problem(self, message: str, origin: Origin) -> None:
        self.problems.append(Problem(message, origin))

    # -- the entity index: one IRI per entity, consistent across articles -----------------------

    def _index(self) -> None:
        slugs: dict[str, Origin] = {}
        for record in self.files:
            article = record.article
            if article.slug in slugs:
                self._problem(f"article slug `{article.slug}` is also used at {slugs[article.slug]}", article.origin)
            slugs[article.slug] = article.origin
            seen_here: set[str] = set()
            for entity in record.entities:
                if entity.id in seen_here:
                    self._problem(f"{entity.id} is declared twice in this file", entity.origin)
                seen_here.add(entity.id)
                first = self.declared.setdefault(entity.id, entity)
                if first is entity:
                    continue
                for attr in ("types", "label"):
                    mine, theirs = getattr(entity, attr), getattr(first, attr)
                    if mine and theirs and mine != theirs:
                        self._problem(
                            f"{entity.id}: {attr} {mine!r} differs from {theirs!r} declared at {first.origin}",
                            entity.origin,
                        )
                if not first.types and entity.types:
                    self.declared[entity.id] = entity

    # -- article metadata ----------------------------------------------------------------------

    def _article(self, record: RecordFile) -> None:
        art = record.article
        article = self.ns.article(art.slug)
        graph = self.dataset.graph(self.ns.article_graph(art.slug))
        self.origins[article] = art.origin
        kgo = self.kgo
        graph.add((graph.identifier, RDF.type, kgo.ArticleGraph))
        graph.add((graph.identifier, DCTERMS.source, article))
        graph.add((graph.identifier, RDFS.label, Literal(f"Statements of article {art.file}", lang="en")))
        graph.add((article, RDF.type, kgo.NewsArticle))
        if art.url:
            graph.add((article, SCHEMA.url, Literal(art.url, datatype=XSD.anyURI)))
        graph.add((article, kgo.sourceFile, Literal(art.file)))
        def metadata(key: str, prop: URIRef, value: Node | None) -> None:
            """A stated metadata field with its evidence: the line of the text that states it,
            else the corpus's metadata table, said as such; an unstated one as kgo:notStated."""
            if value is None:
                note = f"the article does not state its {key}"
                self._assert((record, None, art.origin), article, kgo.notStated, prop, note=note)
                return
            quote = art.evidence.get(key)
            note = None if quote else f"from the corpus metadata table (index.tsv), not from the text: the article's text does not state its {key}"
            self._assert((record, quote, art.origin), article, prop, value, note=note)

        metadata("title", SCHEMA.headline, Literal(art.title, lang="en") if art.title else None)
        metadata("published", SCHEMA.datePublished, Literal(art.published.isoformat(), datatype=XSD.date) if art.published else None)
        for key, prop, ref in (("publisher", SCHEMA.publisher, art.publisher), ("author", SCHEMA.author, art.author)):
            if ref is not None and ref not in self.declared:
                self._problem(f"article {key}: dangling reference `{ref}` (no record declares it)", art.origin)
                continue
            metadata(key, prop, self.ns.entity(ref) if ref else None)
        publisher = self.declared.get(art.publisher or "")
        if art.title:
            label = art.title
        else:  # e.g. "NU Press Office, 2020-12-10 (001_3cbba066ae2e4c25.txt)"
            by = publisher.label if publisher and publisher.label else "Article"
            when = f", {art.published.isoformat()}" if art.published else ""
            label = f"{by}{when} ({art.file})"
        graph.add((article, RDFS.label, Literal(label, lang="en")))
        for note in art.notes:
            graph.add((article, kgo.curatorNote, Literal(note, lang="en")))

    # -- entities and facts --------------------------------------------------------------------

    def _entity(self, record: RecordFile, entity: EntityRecord) -> None:
        subject = self.ns.entity(entity.id)
        self.origins.setdefault(subject, entity.origin)
        if entity.quote is None and not entity.metadata:
            self._problem(f"{entity.id}: needs a `quote` (or `metadata: true` for an entity known only from the article's metadata)", entity.origin)
            return
        evidence = (record, entity.quote, entity.origin)
        for type_name in entity.types:
            cls = self._class(type_name, entity)
            if cls is not None:
                self._assert(evidence, subject, RDF.type, cls)
                if cls in (self.kgo.Topic, self.kgo.RoleType):
                    scheme = self.kgo.Topics if cls == self.kgo.Topic else self.kgo.RoleTypes
                    self._assert(evidence, subject, SKOS.inScheme, scheme)
                    if entity.label:
                        self._assert(evidence, subject, SKOS.prefLabel, Literal(entity.label, lang="en"))
        if entity.label:
            self._assert(evidence, subject, RDFS.label, Literal(entity.label, lang="en"))
        for alias in entity.alt:
            quote = alias.quote if alias.quote is not None else entity.quote
            if quote is not None and normalise(alias.label).casefold() not in normalise(str(quote)).casefold():
                self._problem(f"{entity.id}: the alternative label {alias.label!r} does not occur in its quote \"{quote}\": "
                              f"give it a quote of its own ({{label: {alias.label}, quote: ...}})", alias.origin)
                continue
            self._assert((record, quote, alias.origin), subject, SKOS.altLabel, Literal(alias.label, lang="en"))
        for unsaid in entity.not_stated:
            predicate = self.ns.expand(unsaid.predicate)
            if predicate is None or predicate not in self.vocab.properties:
                self._problem(f"{entity.id}: not_stated names an unknown property `{unsaid.predicate}`", unsaid.origin)
                continue
            self._assert((record, None, unsaid.origin), subject, self.kgo.notStated, predicate, note=unsaid.reason)
        if not entity.metadata:
            self._assert(evidence, self.ns.article(record.article.slug), SCHEMA.mentions, subject)
        graph = self.dataset.graph(self.ns.article_graph(record.article.slug))
        if entity.note:
            graph.add((subject, self.kgo.curatorNote, Literal(str(entity.note), lang="en")))
        if entity.interpretation:
            graph.add((subject, self.kgo.curatorInterpretation, Literal(entity.interpretation, lang="en")))
        for fact in entity.facts:
            self._fact(record, entity, subject, fact)

    def _class(self, name: str, entity: EntityRecord) -> URIRef | None:
        cls = self.ns.expand(name) if ":" in name else self.kgo[name]
        if cls is None or cls not in self.vocab.classes:
            self._problem(f"{entity.id}: unknown class `{name}` (not declared in the ontology)", entity.origin)
            return None
        return cls

    def _fact(self, record: RecordFile, entity: EntityRecord, subject: URIRef, fact: Fact) -> None:
        where = f"{entity.id} {fact.predicate}"
        if fact.quote is None:
            self._problem(f"{where}: every fact needs a `quote` from the article", fact.origin)
            return
        predicate = self.ns.expand(fact.predicate)
        if predicate is None or predicate not in self.vocab.properties:
            self._problem(f"{where}: unknown property `{fact.predicate}` (not declared in the ontology)", fact.origin)
            return
        evidence = (record, fact.quote, fact.origin)
        if predicate in self.vocab.object_properties:
            if isinstance(fact.value, dict):
                self._quantity(evidence, subject, predicate, fact, where)
                return
            target = self._reference(fact.value, where, fact.origin)
        else:
            target = self._literal(fact, predicate, where)
        if target is not None:
            self._assert(evidence, subject, predicate, target, note=fact.note, interpretation=fact.interpretation)

    def _reference(self, value: Any, where: str, origin: Origin) -> URIRef | None:
        if not isinstance(value, str):
            self._problem(f"{where}: expected the id of an entity, got {value!r}", origin)
            return None
        if ":" in value:
            term = self.ns.expand(value)
            if term is None or (term not in self.vocab.individuals and term not in self.vocab.classes):
                self._problem(f"{where}: unknown term `{value}` (not declared in the ontology)", origin)
                return None
            return term
        if value not in self.declared:
            self._problem(f"{where}: dangling reference `{value}` (no record declares it)", origin)
            return None
        return self.ns.entity(value)

    def _literal(self, fact: Fact, predicate: URIRef, where: str) -> Literal | None:
        value = fact.value
        if fact.datatype:
            datatype = self.ns.expand(str(fact.datatype))
            if datatype is None:
                self._problem(f"{where}: unknown datatype `{fact.datatype}`", fact.origin)
                return None
            lexical = value.isoformat() if isinstance(value, datetime.date) else str(value)
            return Literal(lexical, datatype=datatype)
        if isinstance(value, bool):
            return Literal(value)
        if isinstance(value, int):
            return Literal(value, datatype=XSD.integer)
        if isinstance(value, float):
            return Literal(str(value), datatype=XSD.decimal)
        if isinstance(value, datetime.datetime):
            return Literal(value.isoformat(), datatype=XSD.dateTime)
        if isinstance(value, datetime.date):
            return Literal(value.isoformat(), datatype=XSD.date)
        if isinstance(value, str):
            declared_range = self.vocab.range_of(predicate)
            if declared_range == RDF.langString:
                return Literal(value, lang="en")
            if declared_range != XSD.string:
                if _YEAR.match(value):
                    return Literal(value, datatype=XSD.gYear)
                if _YEAR_MONTH.match(value):
                    return Literal(value, datatype=XSD.gYearMonth)
            return Literal(value)
        self._problem(f"{where}: expected a literal value, got {value!r}", fact.origin)
        return None

    def _quantity(self, evidence, subject: URIRef, predicate: URIRef, fact: Fact, where: str) -> None:
        spec = dict(fact.value)
        if not (predicate == self.kgo.statedQuantity or self.vocab.is_subproperty_of(predicate, self.kgo.statedQuantity)):
            self._problem(f"{where}: a {{value, qualifier, unit}} figure needs a kgo:statedQuantity property", fact.origin)
            return
        unknown = set(spec) - QUANTITY_KEYS
        missing = QUANTITY_KEYS - set(spec)
        if unknown or missing:
            self._problem(f"{where}: a figure has exactly the keys value, qualifier, unit (missing {sorted(missing)}, unknown {sorted(unknown)})", fact.origin)
            return
        if spec["qualifier"] not in QUALIFIERS:
            self._problem(f"{where}: qualifier must be one of {', '.join(QUALIFIERS)}, got {spec['qualifier']!r}", fact.origin)
            return
        value, qualifier, unit = spec["value"], str(spec["qualifier"]), str(spec["unit"])
        local = predicate.split("#")[-1].split("/")[-1]
        node = URIRef(f"{subject}#{local}-{digest(str(value), qualifier, unit, length=8)}")
        self._assert(evidence, subject, predicate, node, note=fact.note, interpretation=fact.interpretation)
        self._assert(evidence, node, RDF.type, self.kgo.StatedQuantity)
        number = Literal(value, datatype=XSD.integer) if isinstance(value, int) else Literal(str(value), datatype=XSD.decimal)
        self._assert(evidence, node, SCHEMA.value, number)
        self._assert(evidence, node, self.kgo.qualifier, self.kgo[QUALIFIERS[qualifier]])
        self._assert(evidence, node, SCHEMA.unitText, Literal(unit))
        words = " ".join(w for w in ("" if qualifier == "exactly" else qualifier, str(value), unit) if w)
        self._assert(evidence, node, RDFS.label, Literal(words, lang="en"))
        self.origins.setdefault(node, fact.origin)

    # -- one fact and its evidence ------------------------------------------------------------

    def _assert(self, evidence, s: URIRef, p: URIRef, o: Node, note: str | None = None, interpretation: str | None = None) -> None:
        record, quote, origin = evidence
        slug = record.article.slug
        article = self.ns.article(slug)
        graph = self.dataset.graph(self.ns.article_graph(slug))
        graph.add((s, p, o))
        assertion = self.ns.entity(f"assertion/{digest(slug, s, p, o.n3())}")
        reify(graph, assertion, self.kgo.Assertion, (s, p, o))
        graph.add((assertion, PROV.wasDerivedFrom, article))
        if quote is None:
            graph.add((assertion, OA.hasTarget, article))
        else:
            passage = self.ns.entity(f"quote/{slug}-{digest(normalise(str(quote)), length=12)}")
            selector = URIRef(f"{passage}#selector")
            graph.add((assertion, OA.hasTarget, passage))
            graph.add((passage, RDF.type, OA.SpecificResource))
            graph.add((passage, OA.hasSource, article))
            graph.add((passage, OA.hasSelector, selector))
            graph.add((selector, RDF.type, OA.TextQuoteSelector))
            graph.add((selector, OA.exact, Literal(normalise(str(quote)))))  # one spelling per passage
        if note:
            graph.add((assertion, self.kgo.curatorNote, Literal(str(note), lang="en")))
        if interpretation:
            graph.add((assertion, self.kgo.curatorInterpretation, Literal(interpretation, lang="en")))
        self.origins.setdefault(assertion, origin)


def compile_records(files: list[RecordFile], ns: Namespaces, ontology: Graph, links: "list[LinkRow] | None" = None) -> CompiledGraph:
    """Records (and identity links) to quads; raises RecordErrors naming every record at fault."""
    return _Compiler(files, ns, Vocabulary(ontology)).run(ontology, links or [])
