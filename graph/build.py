"""From records to a store: load, check quotes, compile, validate, write atomically."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef
from rdflib.term import Node
from typing import Iterator

from graph.compile import CompiledGraph, compile_records
from graph.errors import KgError, RecordErrors, listing
from graph.links import LINKS_FILE_NAME, read_links
from graph.namespaces import Namespaces
from graph.quotes import check_quotes
from graph.records import load_records, record_paths
from graph.store import StoreInfo, materialize_union, replace_store
from graph.validate import Violation, validate
from graph.vocabulary import load_ontology, load_shapes
from kg.settings import ONTOLOGY_FILE, SHAPES_FILE


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


def records_version(records_dir: Path, base_iri: str) -> str:
    digest = hashlib.sha256(base_iri.encode())
    links_file = records_dir / LINKS_FILE_NAME
    for path in [*record_paths(records_dir), ONTOLOGY_FILE, SHAPES_FILE, *([links_file] if links_file.is_file() else [])]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def check(records_dir: Path, ns: Namespaces, corpus_dir: Path | None) -> Checked:
    """Everything `kg validate` does; raises RecordErrors for broken records."""
    files = load_records(records_dir)
    links_file = records_dir / LINKS_FILE_NAME
    links = read_links(links_file) if links_file.is_file() else []
    quotes_checked = corpus_dir is not None and corpus_dir.is_dir()
    if quotes_checked:
        problems = check_quotes(files, corpus_dir)
        if problems:
            raise RecordErrors(problems)
    ontology = load_ontology(ns)
    compiled = compile_records(files, ns, ontology, links)
    violations = validate(compiled, ontology, load_shapes(ns), ns)
    return Checked(compiled, violations, quotes_checked, records_version(records_dir, ns.base))


def build(records_dir: Path, ns: Namespaces, corpus_dir: Path | None, data_dir: Path) -> tuple[StoreInfo, Checked]:
    checked = check(records_dir, ns, corpus_dir)
    if checked.violations:
        raise ValidationFailed(checked.violations)
    quads = list(to_oxigraph(checked.compiled.dataset))

    def fill(store: ox.Store) -> None:
        store.extend(quads)
        materialize_union(store)

    info = replace_store(
        data_dir,
        fill,
        kind="curated",
        version=checked.version,
        base_iri=ns.base,
        sources=[p.name for p in record_paths(records_dir)],
    )
    return info, checked
