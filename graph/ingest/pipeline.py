"""`kg ingest`: each source to a draft beside its text in the drafts folder, never touching the
published records or the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graph.config import ModelEndpoint, ReconcileConfig, Sources
from graph.corpus import read_index
from graph.ingest.draft import DraftWriter, slugify, to_yaml
from graph.ingest.extractor import Extractor, ProseModelExtractor, RulesExtractor
from graph.ingest.mentions import known_entities
from graph.ingest.source import Source, read_source, source_files
from graph.links import read_links
from graph.linking import propose_for_draft, reconcilable
from graph.reconcile_client import ReconcileClient
from graph.records import load_records, record_paths

HEADER = """\
# Draft record written by `kg ingest` from {source} (sha256 {sha256}).
# Review every entry: `review:` says how it came about (resolved to a known entity, new,
# ambiguous). Edit the YAML to accept, fix or remove entries, then `kg review` and `kg publish`.
# Entries' `review:` keys are dropped on publishing. Format: records/README.md.
"""


@dataclass(frozen=True)
class Ingested:
    source: Path
    draft: Path | None  # None when the text is already in the corpus
    text: Path | None
    note: str  # one line for the command line


def ingest(paths: list[Path], sources: Sources, url: str | None = None, publisher: str | None = None,
           published: str | None = None, progress: Callable[[str, int, int], None] | None = None,
           model: ModelEndpoint | None = None, reconcile: ReconcileConfig | None = None) -> list[Ingested]:
    """Read every source first (so that one bad file writes nothing), then write one draft each.
    `progress(stage, done, total)` is called as files are read and drafted (a progress bar);
    `model`: an OpenAI-compatible endpoint for prose descriptions (graph/ingest/extractor.py),
    never called when None; `reconcile`: reconciliation services asked for the identifiers of new
    people and organisations (graph/reconcile_client.py), none asked when None."""
    files = source_files(paths)
    tick = progress or (lambda stage, done, total: None)
    read = []
    for number, path in enumerate(files, start=1):
        read.append(read_source(path, url=url, publisher=publisher, published=published))
        tick("reading", number, len(files))
    records = load_records(sources.records_dir) if record_paths(sources.records_dir) else []
    known = known_entities(records)
    extractor: Extractor = RulesExtractor(known)
    if model is not None:
        extractor = ProseModelExtractor(extractor, model)
    taken = {entity.id for record in records for entity in record.entities}
    roles = {entity.label.lower(): entity.id for record in records for entity in record.entities
             if entity.kind == "role" and entity.label}
    stated = _stated(records)
    slugs = {record.article.slug for record in records}
    published_texts = {entry.sha256: name for name, entry in (read_index(sources.corpus_dir)[0] if sources.corpus_dir else {}).items()}
    drafts_dir = sources.drafts_dir
    links = read_links(sources.links_file) if sources.links_file.is_file() else []
    client = ReconcileClient(reconcile) if reconcile is not None and reconcile.services else None
    results = []
    try:
        for number, source in enumerate(read, start=1):
            tick("drafting", number, len(read))
            if source.sha256 in published_texts:
                results.append(Ingested(source.path, None, None, f"{source.path}: already in the corpus as {published_texts[source.sha256]}; nothing written"))
                continue
            slug = _free_slug(source, slugs, drafts_dir)
            slugs.add(slug)
            found = extractor.extract(source)
            writer = DraftWriter(known, taken, roles, stated)
            draft = writer.draft(source, found.mentions, slug, f"{slug}.txt", found.facts)
            taken = writer.taken
            remote, notes = client.candidates(reconcilable(draft)) if client is not None else ({}, [])
            linked = propose_for_draft(draft, links, remote)
            if notes:
                draft["article"]["review"]["linking"] = notes
            drafts_dir.mkdir(parents=True, exist_ok=True)
            text_path = drafts_dir / f"{slug}.txt"
            draft_path = drafts_dir / f"{slug}.yaml"
            text_path.write_text(source.text, encoding="utf-8")
            draft_path.write_text(to_yaml(draft, HEADER.format(source=source.path.name, sha256=source.sha256)), encoding="utf-8")
            review = draft["article"]["review"]
            results.append(Ingested(source.path, draft_path, text_path,
                                    f"{draft_path}: {len(draft['entities'])} entities ({review['resolved']} resolved, "
                                    f"{review['new']} new, {review['ambiguous']} ambiguous; {linked} identifiers proposed)"))
    finally:
        if client is not None:
            client.close()  # and its cache written
    return results


def _stated(records) -> dict[str, list[tuple[str, object, str]]]:
    """The facts the records state, by entity: what a new article's facts are compared with."""
    stated: dict[str, list[tuple[str, object, str]]] = {}
    for record in records:
        for entity in record.entities:
            for fact in entity.facts:
                value = dict(fact.value) if isinstance(fact.value, dict) else fact.value
                stated.setdefault(entity.id, []).append((fact.predicate, value, record.article.slug))
    return stated


def _free_slug(source: Source, taken: set[str], drafts_dir: Path) -> str:
    """The article's slug from its headline (or file name); the same text gets the same slug
    again (its draft is rewritten), another text a new one."""
    base = slugify(source.title.value if source.title else source.path.stem)
    slug, n = base, 2
    while slug in taken or _other_text(drafts_dir / f"{slug}.txt", source.text):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _other_text(path: Path, text: str) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") != text
