"""Reading the curated YAML records (see records/README.md; the folder is KG_RECORDS_DIR) into plain objects.

Every object keeps the file and line it came from, so that any later error can name them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from graph.errors import Origin, Problem, RecordErrors
from graph.kinds import RECORD_SEGMENTS
from graph.links import LinkRow
ENTITY_ID = re.compile(r"^([a-z]+)/([a-z0-9]+(?:-[a-z0-9]+)*)$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

REVIEW_KEY = "review"  # what `kg ingest` writes in a draft for the curator; ignored by the build, dropped by kg publish
ARTICLE_KEYS = {"slug", "file", "url", "title", "published", "publisher", "author", "notes", "evidence", "furniture", REVIEW_KEY}
ARTICLE_EVIDENCE_KEYS = {"title", "published", "publisher", "author"}
ENTITY_KEYS = {"id", "type", "label", "alt", "quote", "note", "interpretation", "metadata", "facts", "not_stated", "links", REVIEW_KEY}
LINK_KEYS = {"scheme", "identifier", "relation", "source", "note", "score", "evidence"}  # a proposed link copied as it is
FACT_MODIFIERS = {"quote", "note", "interpretation", "datatype", REVIEW_KEY}


@dataclass
class Fact:
    predicate: str  # a CURIE
    value: Any
    quote: str | None
    note: str | None
    datatype: str | None
    origin: Origin
    interpretation: str | None = None  # the curator's reading, not the article's words: why


@dataclass
class Alias:
    """An alternative label, with the quote that contains it (None: the entity's own quote)."""

    label: str
    quote: str | None
    origin: Origin


@dataclass
class NotStated:
    """A property the article leaves unsaid where a reader would ask, and why it is recorded."""

    predicate: str  # a CURIE
    reason: str
    origin: Origin


@dataclass
class EntityRecord:
    id: str
    types: list[str]
    label: str | None
    alt: list[Alias]
    quote: str | None
    note: str | None
    metadata: bool
    facts: list[Fact]
    origin: Origin
    not_stated: list[NotStated] = field(default_factory=list)
    interpretation: str | None = None  # the entity (its label, its type) is the curator's reading: why
    links: list[LinkRow] = field(default_factory=list)  # identifiers accepted in a draft; kg publish moves them to links.tsv

    @property
    def kind(self) -> str:
        return self.id.split("/", 1)[0]


@dataclass
class ArticleRecord:
    slug: str
    file: str
    url: str | None  # None only in a draft whose source did not state it: the shapes refuse to publish that
    title: str | None
    published: datetime.date | None
    publisher: str | None
    author: str | None
    notes: list[str]
    origin: Origin
    evidence: dict[str, str] = field(default_factory=dict)  # title/published/...: the line that states it
    furniture: list[str] = field(default_factory=list)  # page furniture, never evidence


@dataclass
class RecordFile:
    path: Path
    article: ArticleRecord
    entities: list[EntityRecord] = field(default_factory=list)


def record_paths(records_dir: Path) -> list[Path]:
    return sorted(records_dir.glob("*.yaml"))


def load_records(records_dir: Path) -> list[RecordFile]:
    """Load every record file; raise RecordErrors listing every problem found."""
    paths = record_paths(records_dir)
    if not paths:
        raise RecordErrors([Problem(f"no record files (*.yaml) in {records_dir}")])
    problems: list[Problem] = []
    files = [_load_file(path, problems) for path in paths]
    if problems:
        raise RecordErrors(problems)
    return [f for f in files if f is not None]


def _line(node: Any, key: Any = None, default: int = 0) -> int:
    lc = getattr(node, "lc", None)
    if lc is None:
        return default
    if key is None:
        return lc.line + 1
    try:
        return (lc.key(key) if isinstance(key, str) else lc.item(key))[0] + 1
    except (KeyError, IndexError, TypeError):
        return lc.line + 1


def load_draft(path: Path) -> tuple[RecordFile, dict[str, Any]]:
    """A draft (records/drafts/): the record it would publish, and its `review` entries by
    where they sit ("article" or an entity's id). Raises RecordErrors naming file:line."""
    problems: list[Problem] = []
    data = _parse(path, problems)
    reviews: dict[str, Any] = {}
    if isinstance(data, dict):
        article = data.get("article")
        if isinstance(article, dict) and REVIEW_KEY in article:
            reviews["article"] = article.pop(REVIEW_KEY)
        for entity in data.get("entities") or []:
            if isinstance(entity, dict) and REVIEW_KEY in entity:
                reviews[str(entity.get("id"))] = entity.pop(REVIEW_KEY)
            for fact in (entity.get("facts") or []) if isinstance(entity, dict) else []:
                if isinstance(fact, dict):
                    fact.pop(REVIEW_KEY, None)
    record = _record(path, data, problems) if data is not None else None
    if problems or record is None:
        raise RecordErrors(problems or [Problem("not a draft record", Origin(path, 1))])
    return record, reviews


def _parse(path: Path, problems: list[Problem]) -> Any:
    try:
        return YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problems.append(Problem(f"not valid YAML: {getattr(exc, 'problem', exc)}", Origin(path, line)))
        return None


def _load_file(path: Path, problems: list[Problem]) -> RecordFile | None:
    data = _parse(path, problems)
    return None if data is None else _record(path, data, problems)


def _record(path: Path, data: Any, problems: list[Problem]) -> RecordFile | None:
    if not isinstance(data, dict) or "article" not in data:
        problems.append(Problem("a record file needs an `article:` mapping", Origin(path, 1)))
        return None
    article = _article(path, data["article"], problems)
    entities_node = data.get("entities") or []
    if not isinstance(entities_node, list):
        problems.append(Problem("`entities:` must be a list", Origin(path, _line(data, "entities"))))
        entities_node = []
    entities = [
        e
        for i, node in enumerate(entities_node)
        if (e := _entity(path, node, _line(entities_node, i), problems)) is not None
    ]
    extra = set(data) - {"article", "entities"}
    for key in sorted(extra):
        problems.append(Problem(f"unknown top-level key `{key}`", Origin(path, _line(data, key))))
    if article is None:
        return None
    return RecordFile(path, article, entities)


def _article(path: Path, node: Any, problems: list[Problem]) -> ArticleRecord | None:
    origin = Origin(path, _line(node))
    if not isinstance(node, dict):
        problems.append(Problem("`article:` must be a mapping", origin))
        return None
    for key in sorted(set(node) - ARTICLE_KEYS):
        problems.append(Problem(f"unknown article key `{key}`", Origin(path, _line(node, key))))
    for key in ("slug", "file"):
        if not isinstance(node.get(key), str) or not node[key]:
            problems.append(Problem(f"article `{key}` is required", origin))
            return None
    if node.get("url") is not None and not isinstance(node.get("url"), str):
        problems.append(Problem("article `url` must be a URL or ~ (not known yet: the shapes then refuse to publish it)", origin))
        return None
    if not SLUG.match(node["slug"]):
        problems.append(Problem(f"article slug `{node['slug']}` must be lower-case words joined by -", origin))
    published = node.get("published")
    if published is not None and not isinstance(published, datetime.date):
        problems.append(Problem(f"article `published` must be an ISO date or ~, got {published!r}", origin))
        published = None
    notes = node.get("notes") or []
    evidence = node.get("evidence") or {}
    if not isinstance(evidence, dict) or set(evidence) - ARTICLE_EVIDENCE_KEYS:
        problems.append(Problem(f"article `evidence` maps {', '.join(sorted(ARTICLE_EVIDENCE_KEYS))} to the line of the text "
                                f"that states each, got {dict(evidence) if isinstance(evidence, dict) else evidence!r}",
                                Origin(path, _line(node, "evidence"))))
        evidence = {}
    furniture = node.get("furniture") or []
    if not isinstance(furniture, list) or not all(isinstance(f, str) and f.strip() for f in furniture):
        problems.append(Problem("article `furniture` is a list of verbatim passages of the page that are not the article's content",
                                Origin(path, _line(node, "furniture"))))
        furniture = []
    return ArticleRecord(
        slug=node["slug"],
        file=node["file"],
        url=node.get("url") or None,
        title=node.get("title"),
        published=published,
        publisher=node.get("publisher"),
        author=node.get("author"),
        notes=[str(n) for n in (notes if isinstance(notes, list) else [notes])],
        origin=origin,
        evidence={str(k): str(v) for k, v in evidence.items()},
        furniture=[str(f) for f in furniture],
    )


def _entity(path: Path, node: Any, line: int, problems: list[Problem]) -> EntityRecord | None:
    origin = Origin(path, line)
    if not isinstance(node, dict) or not isinstance(node.get("id"), str):
        problems.append(Problem("an entity needs an `id: kind/slug`", origin))
        return None
    entity_id = node["id"]
    match = ENTITY_ID.match(entity_id)
    if not match:
        problems.append(Problem(f"entity id `{entity_id}` must look like kind/lower-case-slug", origin))
        return None
    if match.group(1) not in RECORD_SEGMENTS:
        kinds = ", ".join(sorted(RECORD_SEGMENTS))
        problems.append(Problem(f"entity id `{entity_id}`: unknown kind `{match.group(1)}` (one of {kinds})", origin))
    for key in sorted(set(node) - ENTITY_KEYS):
        problems.append(Problem(f"{entity_id}: unknown entity key `{key}`", Origin(path, _line(node, key))))
    types = node.get("type") or []
    types = [str(t) for t in (types if isinstance(types, list) else [types])]
    alt_node = node.get("alt") or []
    alt = [a for i, item in enumerate(alt_node if isinstance(alt_node, list) else [alt_node])
           if (a := _alias(path, entity_id, item, _line(node, "alt"), problems)) is not None]
    not_stated_node = node.get("not_stated") or []
    not_stated = [n for i, item in enumerate(not_stated_node if isinstance(not_stated_node, list) else [not_stated_node])
                  if (n := _not_stated(path, entity_id, item, _line(node, "not_stated"), problems)) is not None]
    facts_node = node.get("facts") or []
    if not isinstance(facts_node, list):
        problems.append(Problem(f"{entity_id}: `facts:` must be a list", Origin(path, _line(node, "facts"))))
        facts_node = []
    facts = [
        f
        for i, fact in enumerate(facts_node)
        if (f := _fact(path, entity_id, fact, _line(facts_node, i), problems)) is not None
    ]
    links_node = node.get("links") or []
    links = [link for item in (links_node if isinstance(links_node, list) else [links_node])
             if (link := _link(path, entity_id, item, _line(node, "links"), problems)) is not None]
    label = node.get("label")
    return EntityRecord(
        id=entity_id,
        types=types,
        label=str(label) if label is not None else None,
        alt=alt,
        quote=node.get("quote"),
        note=node.get("note"),
        metadata=bool(node.get("metadata", False)),
        facts=facts,
        origin=origin,
        not_stated=not_stated,
        interpretation=str(node["interpretation"]) if node.get("interpretation") else None,
        links=links,
    )


def _link(path: Path, entity_id: str, item: Any, line: int, problems: list[Problem]) -> LinkRow | None:
    """An identifier accepted for the entity: `{scheme: wikidata, identifier: Q612, source: ...}`
    (a proposed link from its `review:` copied as it is; relation sameAs unless given)."""
    origin = Origin(path, _line(item, default=line))
    if not isinstance(item, dict) or not item.get("scheme") or not item.get("identifier") or set(item) - LINK_KEYS:
        problems.append(Problem(f"{entity_id}: a link is a mapping with `scheme`, `identifier` and `source` "
                                f"(and optionally `relation`, `note`)", origin))
        return None
    scheme = str(item["scheme"])
    relation = str(item.get("relation") or ("code" if scheme.startswith("iso3166") else "sameAs"))
    return LinkRow(entity_id, scheme, str(item["identifier"]), relation, str(item.get("source") or ""),
                   str(item.get("note") or ""), origin)


def _alias(path: Path, entity_id: str, item: Any, line: int, problems: list[Problem]) -> Alias | None:
    """`NU`, or `{label: NU, quote: NU President Professor Waqar Ahmad}` when the entity's own
    quote does not contain it."""
    origin = Origin(path, _line(item, default=line))
    if isinstance(item, dict):
        if set(item) - {"label", "quote"} or not item.get("label") or not item.get("quote"):
            problems.append(Problem(f"{entity_id}: an alternative label is a string, or a mapping with `label` and `quote`", origin))
            return None
        return Alias(str(item["label"]), str(item["quote"]), origin)
    if not isinstance(item, str) or not item.strip():
        problems.append(Problem(f"{entity_id}: an alternative label is a string, or a mapping with `label` and `quote`", origin))
        return None
    return Alias(item, None, origin)


def _not_stated(path: Path, entity_id: str, item: Any, line: int, problems: list[Problem]) -> NotStated | None:
    origin = Origin(path, _line(item, default=line))
    if not isinstance(item, dict) or set(item) != {"property", "reason"} or not all(isinstance(item[k], str) and item[k] for k in item):
        problems.append(Problem(f"{entity_id}: each `not_stated` entry is `{{property: CURIE, reason: why the article leaves it unsaid}}`", origin))
        return None
    return NotStated(item["property"], item["reason"], origin)


def _fact(path: Path, entity_id: str, node: Any, line: int, problems: list[Problem]) -> Fact | None:
    origin = Origin(path, line)
    if not isinstance(node, dict):
        problems.append(Problem(f"{entity_id}: a fact must be a mapping `- prefix:property: value`", origin))
        return None
    properties = [k for k in node if k not in FACT_MODIFIERS]
    if len(properties) != 1:
        found = ", ".join(map(str, properties)) or "none"
        problems.append(Problem(f"{entity_id}: a fact needs exactly one property key, found {found}", origin))
        return None
    predicate = str(properties[0])
    return Fact(
        predicate=predicate,
        value=node[predicate],
        quote=node.get("quote"),
        note=node.get("note"),
        datatype=node.get("datatype"),
        origin=origin,
        interpretation=str(node["interpretation"]) if node.get("interpretation") else None,
    )
