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
ENTITY_ID = re.compile(r"^([a-z]+)/([a-z0-9]+(?:-[a-z0-9]+)*)$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

ARTICLE_KEYS = {"slug", "file", "url", "title", "published", "publisher", "author", "notes"}
ENTITY_KEYS = {"id", "type", "label", "alt", "quote", "note", "metadata", "facts"}
FACT_MODIFIERS = {"quote", "note", "datatype"}


@dataclass
class Fact:
    predicate: str  # a CURIE
    value: Any
    quote: str | None
    note: str | None
    datatype: str | None
    origin: Origin


@dataclass
class EntityRecord:
    id: str
    types: list[str]
    label: str | None
    alt: list[str]
    quote: str | None
    note: str | None
    metadata: bool
    facts: list[Fact]
    origin: Origin

    @property
    def kind(self) -> str:
        return self.id.split("/", 1)[0]


@dataclass
class ArticleRecord:
    slug: str
    file: str
    url: str
    title: str | None
    published: datetime.date | None
    publisher: str | None
    author: str | None
    notes: list[str]
    origin: Origin


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


def _load_file(path: Path, problems: list[Problem]) -> RecordFile | None:
    try:
        data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problems.append(Problem(f"not valid YAML: {getattr(exc, 'problem', exc)}", Origin(path, line)))
        return None
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
    for key in ("slug", "file", "url"):
        if not isinstance(node.get(key), str) or not node[key]:
            problems.append(Problem(f"article `{key}` is required", origin))
            return None
    if not SLUG.match(node["slug"]):
        problems.append(Problem(f"article slug `{node['slug']}` must be lower-case words joined by -", origin))
    published = node.get("published")
    if published is not None and not isinstance(published, datetime.date):
        problems.append(Problem(f"article `published` must be an ISO date or ~, got {published!r}", origin))
        published = None
    notes = node.get("notes") or []
    return ArticleRecord(
        slug=node["slug"],
        file=node["file"],
        url=node["url"],
        title=node.get("title"),
        published=published,
        publisher=node.get("publisher"),
        author=node.get("author"),
        notes=[str(n) for n in (notes if isinstance(notes, list) else [notes])],
        origin=origin,
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
    alt = node.get("alt") or []
    alt = [str(a) for a in (alt if isinstance(alt, list) else [alt])]
    facts_node = node.get("facts") or []
    if not isinstance(facts_node, list):
        problems.append(Problem(f"{entity_id}: `facts:` must be a list", Origin(path, _line(node, "facts"))))
        facts_node = []
    facts = [
        f
        for i, fact in enumerate(facts_node)
        if (f := _fact(path, entity_id, fact, _line(facts_node, i), problems)) is not None
    ]
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
    )


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
    )
