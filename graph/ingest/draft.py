"""A draft record from an article and its mentions: the records' YAML format (records/README.md),
plus a `review` entry where the curator needs to know how an entry came about.

The mentions of one entity become one entry: those resolved to a known entity by its id, the
others by the name as written, a defined abbreviation ("Behavioral Insights Team (BIT)") or a
surname (the "Knox" of an article that names "Colin Knox"). An entry's quote is the sentence of
its first mention, verbatim; a person's honorific as written is a `schema:honorificPrefix` fact
quoted with the name. Names the extractor could not classify are listed in the article's review,
not proposed. Nothing varies between runs: the same text gives the same draft, byte for byte.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

import patterns
from graph.ingest.facts import ArticleDate, DraftFact, Facts, Post, View
from graph.ingest.mentions import Known, Mention, country_names, head_first, name_patterns, with_article
from graph.ingest.source import Source, Stated

MAX_SLUG_WORDS = 8


@cache
def _classes(path: Path = patterns.NAMES) -> dict[str, str]:
    """Word of a name -> the ontology class it makes the name (names.yaml `classes`)."""
    return {word.lower(): cls for word, cls in YAML(typ="safe").load(path.read_text(encoding="utf-8"))["classes"].items()}


def slugify(text: str, words: int = MAX_SLUG_WORDS) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(parts[:words]) or "untitled"


@dataclass
class Proposal:
    """One entity of the draft and the mentions behind it."""

    mentions: list[Mention]
    known: Known | None = None
    ambiguous: list[str] = field(default_factory=list)  # candidate ids, when the mention fits more than one
    abbreviation: str | None = None

    @property
    def first(self) -> Mention:
        return self.mentions[0]

    @property
    def kind(self) -> str | None:
        if self.known is not None:
            return self.known.kind
        kinds = [m.kind for m in self.mentions if m.kind]
        return max(set(kinds), key=kinds.count) if kinds else None

    @property
    def label(self) -> str:
        if self.known is not None:
            return self.known.label
        return max((m.label or m.text for m in self.mentions), key=lambda t: (len(t.split()), len(t)))


def group(mentions: list[Mention], known: dict[str, Known]) -> list[Proposal]:
    """The mentions of one entity together, in the order the article first names them."""
    by_key: dict[str, Proposal] = {}
    order: list[str] = []

    def add(key: str, mention: Mention, **fields) -> Proposal:
        if key not in by_key:
            by_key[key] = Proposal([], **fields)
            order.append(key)
        by_key[key].mentions.append(mention)
        return by_key[key]

    aliases: dict[str, str] = {}  # a defined abbreviation or a surname -> the key of its entity
    for mention in mentions:
        if mention.status == "resolved":
            add(mention.candidates[0].id, mention, known=known.get(mention.candidates[0].id))
            continue
        if mention.status == "ambiguous":
            add(f"ambiguous:{mention.text}", mention, ambiguous=[c.id for c in mention.candidates])
            continue
        key = aliases.get(mention.text) or f"new:{(mention.same_as or mention.text).casefold()}"
        proposal = add(key, mention)
        if mention.abbreviation:
            proposal.abbreviation = mention.abbreviation
            aliases.setdefault(mention.abbreviation, key)
        if mention.kind == "person" and len(mention.text.split()) >= 2:
            aliases.setdefault(mention.text.split()[-1], key)
    # a surname or abbreviation seen before its full form joins it too
    for key in list(order):
        proposal = by_key[key]
        target = aliases.get(proposal.first.text)
        if key.startswith("new:") and target and target != key and target in by_key:
            by_key[target].mentions.extend(proposal.mentions)
            del by_key[key]
            order.remove(key)
    return [by_key[key] for key in order]


class DraftWriter:
    """The draft of one source, given the known entities and the ids already taken."""

    def __init__(self, known: list[Known], taken_ids: set[str], roles: dict[str, str] | None = None,
                 stated: dict[str, list[tuple[str, Any, str]]] | None = None):
        self.known = {k.id: k for k in known}
        self.taken = set(taken_ids)
        self.stated = stated or {}  # entity id -> (property, value, article slug) the records state
        self.conflicts: list[str] = []
        self.as_of: tuple[datetime.date, str] | None = None  # the article's date and the line stating it
        self.roles = roles or {}  # a role type's label (lower case) -> its id: "chairman" -> role/chairman

    def draft(self, source: Source, mentions: list[Mention], slug: str, file_name: str, facts: Facts | None = None) -> dict:
        proposals = group(mentions, self.known)
        entities, unclassified, ids = [], [], {}
        entry_of: dict[int, dict] = {}  # id(mention) -> its entity's entry
        for proposal in proposals:
            if proposal.known is None and not proposal.ambiguous and proposal.kind not in _KIND_CLASSES:
                unclassified.append(proposal.label)
                continue
            entry = self._entry(proposal, source.text)
            ids[id(proposal)] = entry["id"]
            entities.append(entry)
            for mention in proposal.mentions:
                entry_of[id(mention)] = entry
        facts = facts or Facts()
        published = _full_date(source.published)
        self.as_of = (published, source.published.evidence) if published and source.published.evidence else None
        for fact in facts.facts:
            if isinstance(fact.value, ArticleDate):
                fact = self._dated(fact, facts)
            if fact is not None:
                self._add_fact(entry_of, fact)
        for post in facts.posts:
            position = self._position(entry_of, post)
            if position is not None and position["id"] not in {e["id"] for e in entities}:
                entities.append(position)
        for view in facts.views:
            stated = self._view(entry_of, view)
            if stated is not None:
                entities.append(stated)
        article = self._article(source, slug, file_name, proposals, ids, entities)
        article["review"] = {
            "source": source.path.name,
            "sha256": source.sha256,
            "resolved": sum(1 for p in proposals if p.known is not None),
            "new": sum(1 for e in entities if e["review"]["status"] == "new"),
            "ambiguous": sum(1 for p in proposals if p.ambiguous),
            "unclassified names (not proposed)": sorted(set(unclassified) - _agents_named(source)),
            "facts seen, not proposed": facts.for_review,
            "conflicts with the graph (both kept)": self.conflicts,
        }
        return {"article": article, "entities": entities}

    def _add_fact(self, entry_of: dict[int, dict], fact: DraftFact) -> None:
        entry = entry_of.get(id(fact.subject))
        if entry is None:
            return
        value = fact.value
        if isinstance(value, Mention):
            target = entry_of.get(id(value))
            if target is None:
                return
            value = target["id"]
        item = {fact.predicate: value, "quote": fact.quote}
        if fact.note:
            item["note"] = fact.note
        conflict = self._conflict(entry["id"], fact.predicate, value)
        if conflict:
            item["review"] = {"conflict": conflict}
            self.conflicts.append(f"{entry['id']} {fact.predicate}: this article {_said(value)}; {conflict}")
        facts = entry.setdefault("facts", [])
        if item not in facts:
            facts.append(item)

    def _dated(self, fact: DraftFact, facts: Facts) -> DraftFact | None:
        """"was hosted today" with the article's date: that date, quoted from the line that states
        it; with no date stated, listed for review."""
        relative: ArticleDate = fact.value
        if self.as_of is None:
            facts.for_review.append(f"{fact.predicate} of {fact.subject.text}: \"{relative.phrase}\", and the article states no date")
            return None
        date, line = self.as_of
        return DraftFact(fact.subject, fact.predicate, date - datetime.timedelta(days=relative.days_before), line,
                         note=f"the article's date ({line}) with \"{relative.phrase}\"")

    def _conflict(self, entity_id: str, predicate: str, value) -> str | None:
        """What the graph already says for the same entity and property when it differs: both are
        kept, each in its own article's graph with its quote, so "as of when, according to whom"
        stays a query; the review lists the pair."""
        held = [(v, source) for p, v, source in self.stated.get(entity_id, []) if p == predicate and v != value]
        if not held or any(v == value for p, v, _ in self.stated.get(entity_id, []) if p == predicate):
            return None
        return "; ".join(f"the graph holds {_said(v).removeprefix('states ')} (article {source})" for v, source in held)

    def _position(self, entry_of: dict[int, dict], post: Post) -> dict | None:
        """A Position entity for a post whose person and organisation are entries of the draft."""
        person, org = entry_of.get(id(post.person)), entry_of.get(id(post.organization))
        if person is None or org is None or not person["id"].startswith("person/"):
            return None
        if post.title:
            label = f"{post.title[:1].upper()}{post.title[1:]} of {with_article(org['label'])}"
        else:  # "Dr. Knox worked at Ulster University": the article gives no title
            label = f"Post at {org['label']} ({person['label']})"
        position_id = self._new_id("position", f"{person['id'].split('/', 1)[1]} {slugify(post.title or 'post')} {org['id'].split('/', 1)[1]}")
        facts = [{"kgo:holder": person["id"], "quote": post.quote},
                 {"kgo:postIn": org["id"], "quote": post.quote}]
        if post.title:
            facts.append({"kgo:titleAsWritten": post.title, "quote": post.quote})
        role = post.title and (self.roles.get(post.title.lower()) or self.roles.get(post.title.lower().split()[-1]))
        if role:
            facts.append({"kgo:roleType": role, "quote": post.quote})
        if post.former:
            facts.append({"kgo:isFormer": True, "quote": post.quote})
        elif self.as_of:
            date, line = self.as_of
            facts.append({"kgo:statedAsOf": date, "quote": line,
                          "interpretation": "the article's date: the text gives the post in the present tense; "
                                            "if it places the person at a dated event, that date is better"})
        return {"id": position_id, "type": "Position", "label": label, "quote": post.quote, "facts": facts,
                "review": {"status": "new", "written": [post.quote],
                           "reason": "a post: a person, a post title and an organisation in one phrase; "
                                     "add kgo:statedAsOf where the article dates it"}}

    def _view(self, entry_of: dict[int, dict], view: View) -> dict | None:
        """A StatedView entity: who holds it (quoted by the words that attribute it), the quotation
        when it is direct speech, and the policies and topics it names; its stance and summary are
        the curator's to add."""
        person = entry_of.get(id(view.person))
        if person is None or not person["id"].startswith("person/"):
            return None
        about = list({entry["id"]: entry for m in view.about if (entry := entry_of.get(id(m))) is not None}.values())
        subject = about[0]["label"] if about else " ".join(view.gist.split()[:6]).rstrip(",.;:")
        facts: list[dict] = [{"kgo:viewHolder": person["id"], "quote": view.attribution}]
        if view.quotation:
            facts.append({"kgo:quotation": view.quote, "quote": view.quote})
        facts += [{"kgo:about": entry["id"], "quote": view.quote} for entry in about]
        return {"id": self._new_id("view", f"{person['id'].split('/', 1)[1]} {slugify(subject, 5)}"), "type": "StatedView",
                "label": f"{person['label']} on {subject}", "quote": view.quote, "facts": facts,
                "review": {"status": "new", "written": [view.attribution],
                           "reason": ("direct speech" if view.quotation else "reported speech") + " attributed to a person; "
                                     "check who holds it (a pronoun is the person named before), add kgo:stance and kgo:summary"}}

    def _new_id(self, kind: str, label: str) -> str:
        base = f"{kind}/{slugify(label)}"
        candidate, n = base, 2
        while candidate in self.taken:
            candidate, n = f"{base}-{n}", n + 1
        self.taken.add(candidate)
        return candidate

    def _entry(self, proposal: Proposal, text: str) -> dict:
        first = proposal.first
        quote = first.sentence.strip()
        written = sorted({m.text for m in proposal.mentions})
        if proposal.known is not None:
            known = proposal.known
            types = list(known.types)
            entry = {"id": known.id, "type": types[0] if len(types) == 1 else types, "label": known.label, "quote": quote,
                     "review": {"status": "resolved", "written": written,
                                "score": min(c.score for m in proposal.mentions for c in m.candidates)}}
            return entry
        kind = proposal.kind if proposal.kind in _KIND_CLASSES else "organization"
        label = proposal.label
        entry = {"id": self._new_id(kind, label), "type": self._class(kind, label), "label": label}
        alt = [proposal.abbreviation] if proposal.abbreviation else []
        alt += sorted({m.text for m in proposal.mentions if m.label and m.text != label})  # "Astana Hub’s Steering ..."
        if alt:
            entry["alt"] = alt
        entry["quote"] = quote
        facts = []
        honorifics = {}
        for mention in proposal.mentions:
            if mention.honorific and mention.honorific not in honorifics:
                start = text.rfind(mention.honorific, 0, mention.start)
                honorifics[mention.honorific] = text[start:mention.end]
        for honorific, span in honorifics.items():
            facts.append({"schema:honorificPrefix": honorific, "quote": span})
        if facts:
            entry["facts"] = facts
        review = {"status": "ambiguous" if proposal.ambiguous else "new", "written": written}
        if proposal.ambiguous:
            review["candidates"] = proposal.ambiguous
            review["reason"] = "the name fits more than one known entity: choose one (replace this entry's id) or keep it new"
        else:
            review["reason"] = _why(kind, proposal)
        entry["review"] = review
        return entry

    def _class(self, kind: str, label: str) -> str:
        if kind == "place":
            return "Country" if label in country_names() else "Place"
        words = [w.lower() for w in re.findall(r"[A-Za-z]+", label)]
        for word in head_first(words, name_patterns().head_ends):  # "Law School of the Cornell University" is a school
            if word in _classes():
                return _classes()[word]
        return _KIND_CLASSES[kind]

    def _article(self, source: Source, slug: str, file_name: str, proposals: list[Proposal],
                 ids: dict[int, str], entities: list[dict]) -> dict:
        article: dict = {"slug": slug, "file": file_name, "url": _value(source.url),
                         "title": _value(source.title), "published": _full_date(source.published)}
        article["publisher"] = self._agent(source.publisher, entities, "organization")
        article["author"] = self._agent(source.author, entities, "person")
        evidence = {name: stated.evidence for name, stated in (("title", source.title), ("published", source.published),
                                                                ("author", source.author), ("publisher", source.publisher))
                    if stated and stated.evidence}
        if evidence:
            article["evidence"] = evidence
        if source.furniture:
            article["furniture"] = list(source.furniture)
        article["notes"] = list(source.notes)
        if source.published and len(source.published.value) != 10:
            article["notes"].append(f"published {source.published.value} (as precise as the text: {source.published.evidence!r})")
        return article

    def _agent(self, stated: Stated | None, entities: list[dict], kind: str) -> str | None:
        """The entity a publisher or author names: one of the draft's, a known one, or a new
        entry known only from the article's metadata."""
        if stated is None:
            return None
        name = stated.value.casefold()
        for entry in entities:
            written = {w.casefold() for w in entry["review"].get("written", [])}
            if entry["id"].startswith(kind + "/") and (entry["label"].casefold() == name or name in written):
                return entry["id"]
        for known in self.known.values():
            if known.kind == kind and name in {n.casefold() for n in known.names}:
                entities.append({"id": known.id, "type": known.types[0] if len(known.types) == 1 else list(known.types),
                                 "label": known.label, "quote": None, "metadata": True,
                                 "review": {"status": "resolved", "written": [stated.value], "score": 1.0}})
                return known.id
        new_id = self._new_id(kind, stated.value)
        credited = kind == "organization" and stated.origin == "text"  # "DKnews.kz reports": a news outlet
        entities.append({"id": new_id, "type": "NewsOutlet" if credited else _KIND_CLASSES[kind], "label": stated.value, "quote": stated.evidence,
                         **({} if stated.evidence else {"metadata": True}),
                         "review": {"status": "new", "written": [stated.value], "reason": f"the article's {kind} ({stated.origin})"}})
        return new_id


_KIND_CLASSES = {"person": "Person", "organization": "Organization", "place": "Place", "event": "Event", "policy": "Policy",
                 "programme": "EducationalProgramme", "project": "Project"}


def _agents_named(source: Source) -> set[str]:
    """The publisher's and author's names: proposed as the article's agents, not left unclassified."""
    return {stated.value for stated in (source.publisher, source.author) if stated is not None}


def _why(kind: str, proposal: Proposal) -> str:
    mention = proposal.first
    if mention.honorific:
        return f"{_a(kind)}: written after the honorific {mention.honorific!r}"
    if proposal.abbreviation:
        return f"{_a(kind)}: a name the article abbreviates as {proposal.abbreviation}"
    return f"{_a(kind)}: from the words of the name or what surrounds it; check the kind and the label"


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _said(value) -> str:
    if isinstance(value, dict) and "value" in value:
        qualifier = "" if value.get("qualifier") == "exactly" else f"{value.get('qualifier')} "
        return f"states {qualifier}{value['value']} {value.get('unit', '')}".rstrip()
    return f"states {value}"


def _full_date(stated: Stated | None) -> datetime.date | None:
    """A record's `published` is a day; a year or a month alone stays in the article's notes."""
    if stated is None or len(stated.value) != 10:
        return None
    return datetime.date.fromisoformat(stated.value)


def _value(stated: Stated | None) -> str | None:
    return stated.value if stated else None


def record_yaml() -> YAML:
    """The YAML dumper of drafts and published records: the layout of records/*.yaml."""
    yaml = YAML()
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def to_yaml(draft: dict, header: str) -> str:
    yaml = record_yaml()
    out = io.StringIO()
    out.write(header)
    yaml.dump(draft, out)
    return out.getvalue()
