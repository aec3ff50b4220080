"""`kg review` and `kg publish`: a draft put through the same gate as the published records.

Both stage the draft beside the published records and corpus in a temporary folder: the draft
becomes a record (its `review:` entries dropped), its text a corpus file with its row in the
metadata table. `review` checks the staged sources as `kg build` would (quotes, the draft's own
consistency, SHACL) and reports; `publish` builds the staged sources into the data directory
(the atomic store swap of every build) and only then installs the record, the text and the row
into the real folders, and removes the draft. A draft that fails changes nothing.
"""

from __future__ import annotations

import datetime
import io
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, NoReturn

from graph.build import Checked, ValidationFailed, check, store_checked
from graph.config import LINKS_FILE_NAME, Sources
from graph.corpus import INDEX, CorpusEntry, read_index, sha256_of
from graph.errors import KgError, Origin, Problem, RecordErrors
from graph.ingest.draft import record_yaml
from graph.links import COLUMNS, LinkRow
from graph.namespaces import Namespaces
from graph.records import REVIEW_KEY, RecordFile, load_draft, load_records, record_paths
from graph.store import StoreInfo
from graph.versions import Version, append_version, next_version, read_versions

CHANGELOG = "CHANGELOG.md"  # in the records folder: one entry per publish, newest first
LICENCE = "© the publisher; kept verbatim as the evidence of the graph's quotes, not covered by the project's licence"


class PublishRefused(KgError):
    """The draft cannot be published as it is; nothing was changed."""


@dataclass
class Review:
    draft: Path
    record: RecordFile
    reviews: dict[str, Any]
    checked: Checked | None = None  # None when the records could not even be compiled
    problems: list[Problem] = field(default_factory=list)  # record errors (quotes, references...)
    blocking: list[str] = field(default_factory=list)  # what must be decided before publishing

    def by_status(self, status: str) -> list[str]:
        return [key for key, review in self.reviews.items() if key != "article" and isinstance(review, dict)
                and review.get("status") == status]

    @property
    def publishable(self) -> bool:
        return not self.problems and not self.blocking and self.checked is not None and not self.checked.violations


def review(draft: Path, sources: Sources, ns: Namespaces) -> Review:
    """What publishing the draft would do, checked as `kg build` would, problems named by the
    draft's own lines."""
    with _reviewed(draft, sources, ns, as_published=False) as (result, _, _):
        return result


@contextmanager
def _reviewed(draft: Path, sources: Sources, ns: Namespaces, as_published: bool) -> Iterator[tuple[Review, Sources, Version]]:
    """The draft staged beside the published records and checked once, as the version it would
    make; the staged sources stay while the caller builds from them. `as_published`: staged as
    the record `kg publish` installs (without its `review:` entries), so that the version's
    digest is the one a build of the published records gives; else as written, so that problems
    name the draft's lines."""
    record, reviews = load_draft(draft)
    result = Review(draft, record, reviews)
    ambiguous = [key for key in result.by_status("ambiguous")]
    if ambiguous:
        result.blocking.append(f"ambiguous entries to decide (choose a candidate's id, or make it new and drop `review`): {', '.join(ambiguous)}")
    result.blocking.extend(_already_there(record, sources))
    name = _record_name(sources.records_dir, record)
    pending = next_version(read_versions(sources.records_dir), (name,))
    with _staged(draft, record, sources, as_published) as staged:
        in_draft = _in_draft(staged.records_dir / name, draft)
        try:
            checked = check(staged, ns, pending)
            result.checked = replace(checked, violations=[replace(v, origin=in_draft(v.origin)) for v in checked.violations])
            pending = replace(pending, digest=checked.version)
        except RecordErrors as exc:
            result.problems = [Problem(p.message, in_draft(p.origin)) for p in exc.problems]
        yield result, staged, pending


def publish(draft: Path, sources: Sources, ns: Namespaces, data_dir: Path) -> tuple[StoreInfo, Path, Version]:
    """The draft built into `data_dir` with the published records, then installed as a record
    and a new version; the new record's path and the version. Raises PublishRefused (nothing
    changed) when the gate refuses it. A draft that passes is staged and checked once; one that
    fails is checked again as written, to name its own lines."""
    before = {e.id: len(e.facts) for r in load_records(sources.records_dir) for e in r.entities} if record_paths(sources.records_dir) else {}
    with _reviewed(draft, sources, ns, as_published=True) as (reviewed, staged, version):
        if reviewed.blocking:
            raise PublishRefused(f"{draft}: " + "; ".join(reviewed.blocking))
        if reviewed.problems or reviewed.checked is None or reviewed.checked.violations:
            _refuse(review(draft, sources, ns), reviewed)
        info = store_checked(reviewed.checked, staged, ns, data_dir)
        installed = _install(reviewed.record, sources, staged)
    append_version(sources.records_dir, version)
    _log_change(sources.records_dir / CHANGELOG, version, installed, reviewed.record, before, info.triples)
    for leftover in (draft, draft.with_suffix(".txt"), draft.with_suffix(".html")):
        leftover.unlink(missing_ok=True)
    return info, installed, version


def _refuse(as_written: Review, as_published: Review) -> NoReturn:
    """Raise the problems of a draft that failed the gate, by the draft's lines when the check
    of it as written finds them (it finds what the published form's check found)."""
    for reviewed in (as_written, as_published):
        if reviewed.problems:
            raise RecordErrors(reviewed.problems)
        if reviewed.checked is not None and reviewed.checked.violations:
            raise ValidationFailed(reviewed.checked.violations)
    raise PublishRefused(f"{as_written.draft}: refused by the gate")


def _log_change(path: Path, version: Version, installed: Path, record: RecordFile, before: dict[str, int], triples: int) -> None:
    """A changelog entry from the diff of the records: the version, the article, the entities it
    adds and those it describes further, and its facts."""
    added = [e for e in record.entities if e.id not in before]
    extended = [e for e in record.entities if e.id in before and (e.facts or e.alt)]
    facts = sum(len(e.facts) for e in record.entities)
    article = record.article
    lines = [f"## Version {version.number}, {version.published.strftime('%Y-%m-%d %H:%M UTC')} "
             f"(digest {version.digest}): {article.title or article.file}", "",
             f"- record `{installed.name}`, article `{article.file}`" + (f" ({article.url})" if article.url else ""),
             f"- {len(added)} entities added: " + (", ".join(f"`{e.id}`" for e in added) or "none"),
             f"- {len(extended)} entities described further: " + (", ".join(f"`{e.id}`" for e in extended) or "none"),
             f"- {facts} facts, each with its quote; {triples} triples in the graph after it", "", ""]
    head = "# Changes to the graph\n\nOne entry per `kg publish`, newest first.\n\n"
    old = path.read_text(encoding="utf-8").removeprefix(head) if path.is_file() else ""
    temporary = path.with_name(f".{path.name}.publishing")
    temporary.write_text(head + "\n".join(lines) + old, encoding="utf-8")
    os.replace(temporary, path)


def _already_there(record: RecordFile, sources: Sources) -> list[str]:
    """New entities of the draft that the records already hold under another id (by label or
    alternative label, same kind): a second draft proposing what a first one published."""
    published = [e for r in load_records(sources.records_dir) for e in r.entities] if record_paths(sources.records_dir) else []
    names: dict[tuple[str, str], str] = {}
    for entity in published:
        for name in (entity.label, *(a.label for a in entity.alt)):
            if name:
                names.setdefault((entity.kind, name.casefold()), entity.id)
    published_ids = {e.id for e in published}
    clashes = []
    for entity in record.entities:
        if entity.id in published_ids:
            continue
        for name in (entity.label, *(a.label for a in entity.alt)):
            other = names.get((entity.kind, (name or "").casefold()))
            if other and other != entity.id:
                clashes.append(f"{entity.id} is proposed as new, but the records have {name!r} as {other}: use that id")
                break
    return clashes


# -- staging --------------------------------------------------------------------------------------


@contextmanager
def _staged(draft: Path, record: RecordFile, sources: Sources, as_published: bool) -> Iterator[Sources]:
    """The published records and corpus with the draft added (as written, or as the record it
    is published as), in a temporary folder."""
    if sources.corpus_dir is None:
        raise PublishRefused("no corpus folder (KG_CORPUS_DIR): a draft's quotes cannot be checked")
    text = draft.with_suffix(".txt")
    if not text.is_file():
        raise PublishRefused(f"{draft}: its text {text.name} is not beside it (kg ingest writes both)")
    entries, problems = read_index(sources.corpus_dir)
    if problems:
        raise RecordErrors(problems)
    name = record.article.file
    if name in entries and entries[name].sha256 != sha256_of(text):
        raise PublishRefused(f"{draft}: the corpus already has another article named {name}; rename `article.file`")
    with tempfile.TemporaryDirectory(prefix="kg-publish-") as folder:
        records = Path(folder) / "records"
        corpus = Path(folder) / "corpus"
        shutil.copytree(sources.records_dir, records, ignore=shutil.ignore_patterns("drafts"))
        corpus.mkdir()
        for entry in entries:
            os.symlink((sources.corpus_dir / entry).resolve(), corpus / entry)
        shutil.copy(text, corpus / name)
        rows = [entry.row() for entry in entries.values() if entry.file != name] + [_row(record, text, draft).row()]
        (corpus / INDEX).write_text("\t".join(CorpusEntry.__dataclass_fields__) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        staged = records / _record_name(sources.records_dir, record)
        if as_published:
            staged.write_text(_published_yaml(draft), encoding="utf-8")
            _add_links(records / LINKS_FILE_NAME, [link for entity in record.entities for link in entity.links], draft.name)
        else:
            shutil.copy(draft, staged)  # as written: errors name its lines
        yield Sources(records, corpus, sources.ontology_file, sources.shapes_file)


def _row(record: RecordFile, text: Path, draft: Path) -> CorpusEntry:
    article = record.article
    return CorpusEntry(
        file=article.file, url=article.url or "", publisher=_label(record, article.publisher) or "",
        title=article.title or "", published=article.published.isoformat() if article.published else "",
        retrieved=datetime.date.today().isoformat(), sha256=sha256_of(text), licence=LICENCE,
        note=f"ingested by kg ingest from {draft.name}; published by kg publish")


def _label(record: RecordFile, entity_id: str | None) -> str | None:
    return next((e.label for e in record.entities if e.id == entity_id), None) if entity_id else None


def _record_name(records_dir: Path, record: RecordFile) -> str:
    """`NNN-slug.yaml`, numbered after the published records (the same name if it is there)."""
    existing = record_paths(records_dir)
    for path in existing:
        if path.stem.split("-", 1)[-1] == record.article.slug:
            return path.name
    numbers = [int(p.name[:3]) for p in existing if p.name[:3].isdigit()]
    return f"{max(numbers, default=-1) + 1:03d}-{record.article.slug}.yaml"


def _published_yaml(draft: Path) -> str:
    """The draft's YAML without its `review:` entries, the links it accepts (they go to
    links.tsv) and its draft header."""
    yaml = record_yaml()
    data = yaml.load(draft.read_text(encoding="utf-8"))
    data.get("article", {}).pop(REVIEW_KEY, None)
    for entity in data.get("entities") or []:
        entity.pop(REVIEW_KEY, None)
        entity.pop("links", None)
        for fact in entity.get("facts") or []:
            fact.pop(REVIEW_KEY, None)
    data.ca.comment = None  # the draft's header
    out = io.StringIO()
    out.write(f"# Source record of {data['article'].get('title') or data['article']['file']}, drafted by kg ingest and "
              "reviewed by a curator (records/README.md).\n")
    yaml.dump(data, out)
    return out.getvalue()


def _add_links(table: Path, links: list[LinkRow], draft_name: str) -> None:
    """The links a draft accepts, as rows at the end of links.tsv (the build checks them there)."""
    if not links:
        return
    rows = []
    for link in links:
        values = [link.entity, link.scheme, link.identifier, link.relation, link.source,
                  link.note or f"accepted in the review of {draft_name}"]
        rows.append("\t".join(" ".join(v.split()) for v in values))
    existing = table.read_text(encoding="utf-8") if table.is_file() else "\t".join(COLUMNS) + "\n"
    table.write_text(existing + ("" if existing.endswith("\n") else "\n") + "\n".join(rows) + "\n", encoding="utf-8")


def _install(record: RecordFile, sources: Sources, staged: Sources) -> Path:
    """The staged record (as published: without its review entries), text and corpus table into
    the real folders, each by an atomic rename."""
    name = _record_name(sources.records_dir, record)
    pairs = [(staged.records_dir / name, sources.records_dir / name),
             *([(staged.links_file, sources.links_file)] if staged.links_file.is_file() else []),
             (staged.corpus_dir / record.article.file, sources.corpus_dir / record.article.file),
             (staged.corpus_dir / INDEX, sources.corpus_dir / INDEX)]
    for source, target in pairs:
        temporary = target.with_name(f".{target.name}.publishing")
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    return sources.records_dir / name


def _in_draft(staged: Path, draft: Path):
    """A problem found in the staged copy of the draft names the draft's own file (same lines)."""
    def origin_in_draft(origin: Origin | None) -> Origin | None:
        return Origin(draft, origin.line) if origin is not None and origin.path == staged else origin
    return origin_in_draft
