"""Events and policies an article describes in prose rather than names: "an executive training
for senior government officials", "a guest lecture at NU", "the free health screening
initiative", "a series of three events"; and a quoted title after an event word (International
conference "Nazarbayev and Kazakhstan Model of Civil Service").

A description is a determiner, up to five words, a head noun of patterns/names.yaml's
`prose.heads` (by kind: event, policy, programme, project), and optionally "for/at/on/of" with up to four
more words. "The conference" alone (a determiner and the head, nothing else) refers to an event
already named, and is not proposed. Each becomes a new mention of kind event or policy, for the
curator to check: its boundaries are the text's, not a curator's label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ruamel.yaml import YAML

import patterns
from graph.ingest.mentions import Mention, abridges

MAX_BODY_WORDS = 5
MAX_TAIL_WORDS = 4
TAIL_ENDS = frozenset({"and", "or", "which", "that", "who", "to", "in", "on", "at", "by", "with", "from", "during", "since"})
_COPULA_BEFORE = re.compile(r"\b(?:is|was|are|were|be|been|becomes|became|remains|remained)\s+$", re.IGNORECASE)
QUOTED_TITLE_REACH = 30  # characters between an event word and the quoted title it introduces


@dataclass(frozen=True)
class ProsePatterns:
    determiners: tuple[str, ...]
    heads: dict[str, str]  # head noun -> kind
    tail_words: tuple[str, ...]
    stop_words: frozenset[str]


@cache
def prose_patterns(path: Path = patterns.NAMES) -> ProsePatterns:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))["prose"]
    heads = {head: kind for kind, words in data["heads"].items() for head in words}
    return ProsePatterns(tuple(data["determiners"]), heads, tuple(data["tail_words"]), frozenset(data["stop_words"]))


def _description(p: ProsePatterns) -> re.Pattern:
    heads = "|".join(re.escape(h) for h in sorted(p.heads, key=len, reverse=True))
    word = r"[A-Za-z0-9][\w’'-]*"
    body_word = rf"(?!(?:{'|'.join(p.determiners)})\b){word}"  # the determiner nearest the head starts it
    return re.compile(
        rf"\b(?P<det>{'|'.join(p.determiners)})\s+"
        rf"(?P<body>(?:{body_word}\s+){{0,{MAX_BODY_WORDS}}}?)"
        rf"(?P<head>{heads})\b"
        rf"(?P<tail>\s+(?:{'|'.join(p.tail_words)})\s+{word}(?:\s+{word}){{0,{MAX_TAIL_WORDS - 1}}})?",
        re.IGNORECASE)


def described(sentences: list[tuple[int, str]], mentions: list[Mention]) -> list[Mention]:
    """New event and policy mentions of the descriptions in `sentences` ((start, text) pairs)."""
    p = prose_patterns()
    pattern = _description(p)
    found: list[Mention] = []
    taken = [(m.start, m.end) for m in mentions]
    for start, sentence in sentences:
        for match in pattern.finditer(sentence):
            body, head, tail = match["body"].strip(), match["head"], _tail(match["tail"] or "", p)
            if not body and not tail and match["det"].lower() in ("the", "this", "these", "its", "their"):
                continue  # "the conference": a reference to one already named
            if match["det"].lower() in ("a", "an") and _COPULA_BEFORE.search(sentence[:match.start()]):
                continue  # "The summit is a large global platform": what something is, not a new one
            if any(w.lower() in p.stop_words or w.lower() in p.tail_words or w.lower() in ("and", "or") for w in body.split()):
                continue  # "the last event in the series" (which one, not what), "the rule of law" (not a law)
            text = " ".join(part for part in (body, head, tail) if part)
            begin = start + match.start("body") if body else start + match.start("head")
            end = begin + len(text)
            head_end = start + match.end("head")
            if sentence[begin - start:end - start] != text:
                continue  # white space inside differs from one space: keep quotes verbatim by skipping
            head_start = start + match.start("head")
            if any(m.status == "new" and m.kind == p.heads[head.lower()] and sentence[m.end - start:head_start - start].isspace()
                   for m in mentions if start <= m.end <= head_start):
                continue  # "the new Digital Kazakhstan programme": the name before the head is the programme's
            if any(s < head_end and head_start < e for s, e in taken):
                continue  # a name's head, not a description (names may sit before it or in the tail: "the e-Gov
                # platform feature", "a lecture at NU")
            found.append(Mention(text, begin, end, sentence, p.heads[head.lower()], start))
            taken.append((begin, head_end))
    _same_as_fuller(found)
    return found


def _same_as_fuller(found: list[Mention]) -> None:
    """"executive training" and "an executive training for senior government officials", "series
    of events" and "series of three events" are one event: the shorter (its words in order in the
    fuller, the first and the last word the same, or its start) is taken as the fuller one, which
    labels it."""
    for mention in found:
        fuller = [m for m in found if m is not mention and m.kind == mention.kind and len(m.text) > len(mention.text)
                  and (m.text.lower().startswith(mention.text.lower() + " ")
                      or len(mention.text.split()) >= 2 and abridges(mention.text.lower().split(), m.text.lower().split()))]
        if fuller:
            mention.same_as = max(fuller, key=lambda m: len(m.text)).text


def _tail(tail: str, p: ProsePatterns) -> str:
    words = tail.split()
    kept = []
    for word in words:
        if kept and (word.lower() in p.stop_words or word.lower() in TAIL_ENDS):
            break
        kept.append(word.rstrip(",.;:"))
        if word.endswith((",", ".", ";", ":")):
            break
    return " ".join(kept) if len(kept) > 1 else ""


def quoted_events(text: str, mentions: list[Mention]) -> None:
    """A name in quotation marks right after an event word is that event's name: its mention
    becomes an event ("conference "Nazarbayev and Kazakhstan Model of Civil Service"")."""
    p = prose_patterns()
    event_words = [h for h, kind in p.heads.items() if kind == "event"]
    for mention in mentions:
        before = text[max(0, mention.start - QUOTED_TITLE_REACH):mention.start]
        quoted = before.rstrip().endswith(("\"", "“"))
        if quoted and re.search(rf"\b(?:{'|'.join(event_words)})\W*$", before.rstrip()[:-1].rstrip(), re.IGNORECASE):
            mention.kind = "event"
