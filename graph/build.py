"""From records to a store: load, check quotes, compile, validate, write atomically."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Dataset, Literal, URIRef
from rdflib.term import Node

from graph.compile import CompiledGraph, compile_records
from graph.config import Sources
from graph.corpus import check_corpus
from graph.entailment import Rules, describe_entailed_graph, entail
from graph.errors import KgError, RecordErrors, listing
from graph.links import read_links
from graph.namespaces import Namespaces
from graph.quotes import check_quotes
from graph.records import load_records, record_paths
from graph.store import StoreInfo, replace_store
from graph.validate import Violation, validate
from graph.versions import Version, append_version, describe_versions, next_version, read_versions
from graph.vocabulary import load_ontology, load_shapes


class ValidationFailed(KgError):
    def __init__(self, violations: list[Violation]):
        self.violations = violations
        super().__init__(listing(violations, "SHACL violation"))


@dataclass
class Checked:
    compiled: CompiledGraph
    violations: list[Violation]
    quotes_checked: bool
    version: str
    entailed: int = 0  # triples in the entailed graph


def _term(term: Node) -> ox.NamedNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise KgError(f"the compiled graph holds a blank node ({term}); entities must have IRIs")


def to_oxigraph(dataset: Dataset) -> Iterator[ox.Quad]:
    for s, p, o, g in dataset.quads((None, None, None, None)):
        yield ox.Quad(_term(s), _term(p), _term(o), _term(g))


def records_version(sources: Sources) -> str:
    """The digest of what a graph is built from: records, ontology, shapes, links and the corpus's
    table (not the base IRI: the same records make the same version wherever they are served)."""
    digest = hashlib.sha256()
    links_file = sources.links_file
    corpus_index = sources.corpus_dir / "index.tsv" if sources.corpus_dir else None
    for path in [*record_paths(sources.records_dir), sources.ontology_file, sources.shapes_file,
                 *([links_file] if links_file.is_file() else []),
                 *([corpus_index] if corpus_index and corpus_index.is_file() else [])]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def check(sources: Sources, ns: Namespaces, pending: Version | None = None) -> Checked:
    """Everything `kg validate` does; raises RecordErrors for broken records. `pending`: the
    version a publish is about to make (its digest is this build's)."""
    files = load_records(sources.records_dir)
    versions = read_versions(sources.records_dir)
    version = records_version(sources)
    if pending is not None:
        versions = [*versions, replace(pending, digest=version)]
    links = read_links(sources.links_file) if sources.links_file.is_file() else []
    links += [link for f in files for entity in f.entities for link in entity.links]  # accepted in a draft
    corpus_dir = sources.corpus_dir
    quotes_checked = corpus_dir is not None and corpus_dir.is_dir()
    if quotes_checked:
        problems = check_corpus(corpus_dir, {f.article.file: f.article.origin for f in files}) or check_quotes(files, corpus_dir)
        if problems:
            raise RecordErrors(problems)
    ontology = load_ontology(ns, sources.ontology_file)
    compiled = compile_records(files, ns, ontology, links)
    describe_versions(compiled.dataset, ns, files, versions)
    entailed = add_entailment(compiled, ontology, ns)
    violations = validate(compiled, ontology, load_shapes(ns, sources.shapes_file), ns)
    return Checked(compiled, violations, quotes_checked, version, entailed)


def add_entailment(compiled: CompiledGraph, ontology, ns: Namespaces) -> int:
    """The entailed named graph (graph/entailment.py), from the article graphs; its size."""
    dataset = compiled.dataset
    articles = sorted(g.identifier for g in dataset.graphs() if (g.identifier, RDF.type, ns.kgo.ArticleGraph) in g)
    asserted = (t for name in articles for t in dataset.graph(name))
    graph = dataset.graph(ns.entailed_graph)
    for triple in entail(asserted, Rules(ontology, ns.kgo)):
        graph.add(triple)
    describe_entailed_graph(graph, articles, ns.ontology_graph, ns.kgo)
    return len(graph)


def build(sources: Sources, ns: Namespaces, data_dir: Path) -> tuple[StoreInfo, Checked]:
    checked = check(sources, ns)
    return store_checked(checked, sources, ns, data_dir), checked


def store_checked(checked: Checked, sources: Sources, ns: Namespaces, data_dir: Path) -> StoreInfo:
    """A new store in `data_dir` from records `check` passed (the atomic swap of every build)."""
    if checked.violations:
        raise ValidationFailed(checked.violations)
    quads = list(to_oxigraph(checked.compiled.dataset))

    def fill(store: ox.Store) -> None:
        store.extend(quads)

    info = replace_store(
        data_dir,
        fill,
        origin="curated",
        version=checked.version,
        base_iri=ns.base,
        sources=[p.name for p in record_paths(sources.records_dir)],
    )
    return info


def release(sources: Sources, ns: Namespaces, data_dir: Path, note: str) -> tuple[StoreInfo, Version]:
    """The records as they are (edited by hand, or the ontology or shapes changed, since the last
    publish) built and recorded as the next version of records/VERSIONS.tsv (graph/versions.py)."""
    versions = read_versions(sources.records_dir)
    if versions and versions[-1].digest == records_version(sources):
        raise KgError(f"nothing changed since version {versions[-1].number} ({versions[-1].digest}): no version to make")
    listed = {name for version in versions for name in version.records}
    added = tuple(path.name for path in record_paths(sources.records_dir) if path.name not in listed)
    pending = next_version(versions, added, note=note)
    checked = check(sources, ns, pending)
    info = store_checked(checked, sources, ns, data_dir)
    version = replace(pending, digest=checked.version)
    append_version(sources.records_dir, version)
    return info, version
