"""The extractor seam of `kg ingest`: one interface (`Extractor`), the default implementation
(`RulesExtractor`: offline, no model, graph/ingest/mentions.py, prose.py and facts.py) and an
optional plug-in (`ProseModelExtractor`) that asks an OpenAI-compatible chat endpoint the user
runs (llama.cpp's server, vLLM, Ollama) for the events and policies an article describes in prose.

The plug-in only adds descriptions the rules missed, and keeps one only when its words are found
verbatim in a sentence of the article outside its furniture and overlap no name already found;
whether a name is an entity the graph has stays with the rules (deterministic). It is called only
when configured (KG_EXTRACTOR_URL, kg/settings.py); when the endpoint fails or is slow, the
draft is written from the rules alone, with a note saying so.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from graph.config import ModelEndpoint
from graph.ingest.facts import Facts
from graph.ingest.facts import extract as extract_facts
from graph.ingest.mentions import Known, Mention, MentionFinder
from graph.ingest.prose import described, quoted_events
from graph.ingest.source import Source

PROSE_KINDS = ("event", "policy", "programme", "project")
MAX_ITEMS = 50  # descriptions taken from one answer at most
PROMPT = (
    "You read an English news article about public administration. List the events (trainings, "
    "lectures, conferences, sessions, meetings...) and the policies (initiatives, reforms, laws, "
    "programmes, projects...) that it DESCRIBES IN WORDS rather than by a proper name, for example "
    "\"an executive training for senior government officials\". Copy each one's words exactly as "
    "they are written in the article, without the leading article (a/an/the). Answer with JSON "
    "only: {\"items\": [{\"kind\": \"event\" or \"policy\" or \"programme\" or \"project\", "
    "\"text\": \"...\"}]}. Answer {\"items\": []} when there is none."
)


@dataclass
class Extraction:
    mentions: list[Mention]  # every name and description, in text order
    facts: Facts
    sentences: list[tuple[int, str]]  # (start, text) outside the furniture


class Extractor(Protocol):
    def extract(self, source: Source) -> Extraction: ...


class RulesExtractor:
    """The default: names, descriptions and facts by the rules and gazetteers of patterns/."""

    def __init__(self, known: list[Known]):
        self.finder = MentionFinder(known)

    def extract(self, source: Source) -> Extraction:
        finder = self.finder
        mentions = finder.find(source.text, source.furniture)
        sentences = finder.sentences(source.text, source.furniture)
        quoted_events(source.text, mentions)
        mentions = sorted([*mentions, *described(sentences, mentions)], key=lambda m: m.start)
        return Extraction(mentions, extract_facts(source.text, sentences, mentions, finder.names), sentences)


Post = Callable[[str, bytes, float], bytes]  # (url, JSON body, seconds) -> the response body


def post_json(url: str, body: bytes, timeout: float) -> bytes:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (the URL is the user's setting)
        return response.read()


class ProseModelExtractor:
    """`base`'s extraction, plus the prose descriptions a model finds that it did not."""

    def __init__(self, base: Extractor, endpoint: ModelEndpoint, post: Post = post_json):
        self.base = base
        self.endpoint = endpoint
        self.post = post

    def extract(self, source: Source) -> Extraction:
        found = self.base.extract(source)
        try:
            items = self._ask("\n".join(text for _, text in found.sentences))
        except (OSError, urllib.error.URLError, TimeoutError, ValueError, KeyError, TypeError) as exc:
            found.facts.for_review.append(f"the prose model at {self.endpoint.url} gave no usable answer "
                                          f"({_why(exc, self.endpoint.timeout)}): "
                                          "this draft has the rules' findings only")
            return found
        added = verbatim_descriptions(items, found.sentences, found.mentions)
        dropped = len(items) - len(added)
        if dropped:
            found.facts.for_review.append(f"the prose model proposed {dropped} description(s) not found verbatim or "
                                          "overlapping a name: not kept")
        found.mentions = sorted([*found.mentions, *added], key=lambda m: m.start)
        return found

    def _ask(self, text: str) -> list[dict]:
        body = json.dumps({
            "model": self.endpoint.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [{"role": "system", "content": PROMPT}, {"role": "user", "content": text}],
        }).encode()
        answer = json.loads(self.post(self.endpoint.url.rstrip("/") + "/chat/completions", body, self.endpoint.timeout))
        content = answer["choices"][0]["message"]["content"].strip()
        if content.startswith("```"):  # a fenced answer
            content = content.strip("`").removeprefix("json").strip()
        items = json.loads(content)["items"]
        if not isinstance(items, list):
            raise ValueError("`items` is not a list")
        return [item for item in items[:MAX_ITEMS] if isinstance(item, dict)]


def verbatim_descriptions(items: list[dict], sentences: list[tuple[int, str]], mentions: list[Mention]) -> list[Mention]:
    """New event and policy mentions for the items whose `text` is found verbatim in a sentence,
    overlaps no event or policy already found (nor another item) and is not part of a name; it may
    hold names ("visual messaging in anti-corruption campaigns" holds a topic)."""
    taken = [(m.start, m.end) for m in mentions if m.kind in PROSE_KINDS]
    names = [(m.start, m.end) for m in mentions if m.kind not in PROSE_KINDS]
    added = []
    for item in items:
        text, kind = str(item.get("text") or "").strip(), item.get("kind")
        if kind not in PROSE_KINDS or len(text.split()) < 2:
            continue
        for start, sentence in sentences:
            at = sentence.find(text)
            if at < 0:
                continue
            begin, end = start + at, start + at + len(text)
            inside_a_name = any(s <= begin and end <= e for s, e in names)
            if not inside_a_name and not any(s < end and begin < e for s, e in taken):
                added.append(Mention(text, begin, end, sentence, kind, start))
                taken.append((begin, end))
            break
    return added


def _why(exc: Exception, timeout: float) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc.reason, TimeoutError):
        return str(exc.reason)
    if isinstance(exc, TimeoutError) or isinstance(exc, urllib.error.URLError):
        return f"no answer within {timeout:g} s"
    return f"{type(exc).__name__}: {exc}"
