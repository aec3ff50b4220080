"""The names an article mentions, each resolved to an entity the graph already has, flagged
ambiguous between two, or proposed as new.

How (offline, no model download): a blank spaCy English pipeline (tokenizer and sentencizer);
`PhraseMatcher`s over every label and alternative label of the known entities (case as written
for abbreviations and short names, so that "US" is not "us", case-insensitive for the rest);
capitalised runs of words for the names the graph does not know, split at post titles and
stripped of honorifics (patterns/names.yaml); the kind of a new name from its words, from
pycountry's country names, or from an honorific or post title beside it; `rapidfuzz` for names
written a little differently from a known one. A person named by surname alone ("Knox") is the
known person of that surname the article names in full, if exactly one; two people who share a
surname stay two (the mention is ambiguous).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pycountry
import spacy
from ruamel.yaml import YAML
from rapidfuzz import fuzz
from spacy.matcher import PhraseMatcher
from spacy.util import filter_spans

import patterns
from graph.quotes import occurrences
from graph.records import RecordFile

ENTITY_KINDS = ("person", "organization", "place", "event", "policy", "project", "programme", "topic")
SHORT_NAME = 4  # names this short, of one word, or all in capitals, match case as written
POSSESSIVE_OR_HYPHEN = ("-", "'s", "’s")
ACRONYM = re.compile(r"[A-Z]{3,6}")


@dataclass(frozen=True)
class NamePatterns:
    honorifics: tuple[str, ...]
    titles: tuple[str, ...]
    connectors: frozenset[str]
    not_name_starts: frozenset[str]
    place_prepositions: frozenset[str]
    calendar_words: frozenset[str]
    head_ends: frozenset[str]
    speech_verbs: frozenset[str]
    kinds: dict[str, frozenset[str]]
    kind_by_word: dict[str, str]  # a word of kind -> the first kind (in names.yaml's order) that lists it
    fuzzy_threshold: int
    ambiguity_margin: int
    not_names: frozenset[str]
    containment_min_words: int
    containment_extra_words: int
    containment_score: float


@cache
def name_patterns(path: Path = patterns.NAMES) -> NamePatterns:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return NamePatterns(
        honorifics=tuple(sorted(data["honorifics"], key=len, reverse=True)),
        titles=tuple(sorted((t.lower() for t in data["titles"]), key=len, reverse=True)),
        connectors=frozenset(data["connectors"]),
        not_name_starts=frozenset(data["not_name_starts"]),
        calendar_words=frozenset(data["calendar_words"]),
        place_prepositions=frozenset(data["place_prepositions"]),
        head_ends=frozenset(data["head_ends"]),
        speech_verbs=frozenset(data["speech_verbs"]),
        kinds={kind: frozenset(w.lower() for w in words) for kind, words in data["kinds"].items()},
        kind_by_word={word.lower(): kind for kind, words in reversed(data["kinds"].items()) for word in words},
        fuzzy_threshold=int(data["fuzzy_threshold"]),
        ambiguity_margin=int(data["ambiguity_margin"]),
        not_names=frozenset(data["not_names"]),
        containment_min_words=int(data["containment_min_words"]),
        containment_extra_words=int(data["containment_extra_words"]),
        containment_score=float(data["containment_score"]),
    )


@dataclass(frozen=True)
class Demonyms:
    """Country adjectives ("Kazakhstani") and the bodies they name ("government")."""

    countries: dict[str, str]  # adjective as written -> the country's name (pycountry's common name)
    bodies: frozenset[str]


@cache
def demonyms(path: Path = patterns.DEMONYMS) -> Demonyms:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    countries = {adjective: country for country, adjectives in data["demonyms"].items() for adjective in adjectives}
    return Demonyms(countries, frozenset(data["bodies"]))


@dataclass(frozen=True)
class Known:
    """An entity the graph has, with every name it is written by."""

    id: str
    label: str
    names: tuple[str, ...]
    types: tuple[str, ...]

    @property
    def kind(self) -> str:
        return self.id.split("/", 1)[0]


@dataclass(frozen=True)
class Candidate:
    id: str
    label: str
    matched: str  # the known name it matched
    score: float  # 1.0 for a name written exactly as known; the fuzzy ratio / 100 otherwise


@dataclass
class Mention:
    text: str  # the name as written, honorifics and titles removed
    start: int  # character offsets in the article's text
    end: int
    sentence: str  # the sentence it is in, verbatim: the quote of the draft
    kind: str | None  # person, organization, place, event, policy (None: not decided)
    sentence_start: int = 0  # where `sentence` starts in the text
    candidates: list[Candidate] = field(default_factory=list)
    label: str | None = None  # the label a new entity gets when it is not the name as written
    part_of: Mention | None = None  # the organisation it is a unit of ("Astana Hub’s Steering ... Committee")
    honorific: str | None = None  # as written before a person's name
    abbreviation: str | None = None  # defined in the text right after it: "Behavioral Insights Team (BIT)"
    same_as: str | None = None  # the fuller description it is short for ("executive training")

    @property
    def status(self) -> str:
        if not self.candidates:
            return "new"
        if len(self.candidates) == 1:
            return "resolved"
        return "ambiguous"


def known_entities(records: list[RecordFile]) -> list[Known]:
    """The entities of the records that articles name (people, organisations, places, events,
    policies, projects, topics), each once with all its names."""
    found: dict[str, Known] = {}
    for record in records:
        for entity in record.entities:
            if entity.kind not in ENTITY_KINDS or not entity.label:
                continue
            names = [entity.label, *(alias.label for alias in entity.alt)]
            before = found.get(entity.id)
            if before is not None:
                names = [*before.names, *names]
            found[entity.id] = Known(entity.id, entity.label, tuple(dict.fromkeys(names)), tuple(entity.types))
    return sorted(found.values(), key=lambda k: k.id)


class MentionFinder:
    """Built once over the known entities; `find(text, furniture)` for each article."""

    def __init__(self, known: list[Known], names: NamePatterns | None = None):
        self.names = names or name_patterns()
        self.known = {k.id: k for k in known}
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")
        self.exact = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.by_name: dict[str, list[Known]] = {}
        for entity in known:
            for name in _variants(entity):
                if all(w.lower() in self._kind_words for w in re.findall(r"[\w-]+", name)):
                    continue  # "Academy", "the Hub": what one article calls its own Academy, not a name
                self.by_name.setdefault(name.casefold(), []).append(entity)
                one_word = len(name.split()) == 1  # "Academy", "Knox": as written, or "academy" would match
                matcher = self.exact if one_word or len(name) <= SHORT_NAME or name.isupper() else self.folded
                matcher.add(entity.id, [self.nlp.make_doc(name)])
        self.surnames: dict[str, list[Known]] = {}
        for entity in known:
            if entity.kind == "person" and " " in entity.label:
                self.surnames.setdefault(entity.label.split()[-1], []).append(entity)
        self.countries = country_names()
        self.demonyms = demonyms()

    def find(self, text: str, furniture: tuple[str, ...] = ()) -> list[Mention]:
        doc = self.nlp(text)
        blocked = _furniture_spans(text, furniture)
        known = [doc[s:e] for _, s, e in [*self.exact(doc), *self.folded(doc)]]
        runs = [span for start, end in self._name_runs(doc) if (span := doc.char_span(start, end)) is not None]
        bodies = self._country_bodies(doc)
        body_ranges = _token_ranges(bodies)
        mentions = []
        for span in filter_spans([*known, *runs, *bodies]):  # the longest wins: a known topic inside a longer name is that name
            if _inside(span, blocked):
                continue
            if (span.start, span.end) in body_ranges:
                mentions.append(self._body_mention(span, blocked))
            elif span.text.casefold() in self.by_name:
                mentions.append(self._known_mention(span, blocked))
            elif span.text in self.names.not_names:
                continue
            elif self._worth_proposing(span):
                mentions.append(self._new_mention(span, blocked))
        mentions = self._split_at_names_seen_alone(doc, mentions, blocked)
        mentions = self._units_of_owners(doc, mentions, blocked)
        self._resolve_short_forms(mentions)
        _follow_same_as(mentions)
        self._label_units(mentions)
        self._resolve_surnames(mentions)
        self._abbreviations(text, mentions)
        return sorted(mentions, key=lambda m: m.start)

    # -- a country's bodies by its adjective ("the Kazakhstani government") --------------------------

    def _country_bodies(self, doc) -> list:
        """Spans of a country's adjective and one of its bodies: "Kazakhstani government"."""
        found = []
        for token in doc[:-1]:
            after = doc[token.i + 1]
            if token.text in self.demonyms.countries and after.lower_ in self.demonyms.bodies:
                found.append(doc[token.i:token.i + 2])
        return found

    def _body_mention(self, span, blocked=()) -> Mention:
        """"Kazakhstani government" is the known "Government of Kazakhstan" (or of the Republic of
        Kazakhstan, by any of pycountry's names of the country), else a new one of that label."""
        country = self.demonyms.countries[span[0].text]
        body = span[-1].lower_.capitalize()
        wanted = {f"{body} of {the} {name}".replace("  ", " ").casefold()
                  for name in _names_of(pycountry.countries.lookup(country)) for the in ("", "the")}
        candidates = []
        for known in self.known.values():
            matched = next((n for n in known.names if n.casefold() in wanted), None)
            if known.kind == "organization" and matched:
                candidates.append(Candidate(known.id, known.label, matched, self.names.containment_score))
        mention = Mention(span.text, span.start_char, span.end_char, *_quoted(span, blocked, "organization"), candidates)
        mention.label = f"{body} of {with_article(country)}"
        return mention

    # -- a unit named by its owner ("the Astana Hub’s Steering Civil Service Committee") --------------

    def _units_of_owners(self, doc, mentions: list[Mention], blocked) -> list[Mention]:
        """A new organisation written "Owner’s Unit" or "Unit of the Owner", both parts named by an
        organisation word ("Law School of the Cornell University"), is a unit of that owner: the
        owner becomes a mention of its own, for the part-of fact."""
        result = []
        for mention in mentions:
            result.append(mention)
            parts = _owner_and_unit(mention.text)
            if mention.status != "new" or mention.kind != "organization" or parts is None:
                continue
            owner_text, unit_text = parts
            if self._kind_by_word.get(self._head(unit_text)) != "organization":
                continue
            offset = mention.text.index(owner_text)
            owner_span = doc.char_span(mention.start + offset, mention.start + offset + len(owner_text))
            if owner_span is None:
                continue
            if all(w.lower() in self._kind_words for w in owner_text.split()):  # "the Hub’s Steering Committee"
                owner = self._antecedent(owner_span, result, blocked)
                if owner is None:
                    continue
            else:
                owner = (self._known_mention(owner_span, blocked) if owner_text.casefold() in self.by_name
                         else self._new_mention(owner_span, blocked))
            if owner.kind == "organization" and owner.status != "ambiguous":
                mention.part_of = owner
                result.append(owner)
        return result

    def _antecedent(self, span, before: list[Mention], blocked) -> Mention | None:
        """"Hub" in "the Hub’s Steering Committee": the organisation with that head the article
        named last before it, as a mention of its own at `span`."""
        head = span[-1].lower_
        earlier = [m for m in before if m.kind == "organization" and m.status != "ambiguous" and m.end <= span.start_char
                   and self._head(m.text) == head and len(m.text.split()) > 1]
        if not earlier:
            return None
        named = earlier[-1]
        by_reference = [Candidate(c.id, c.label, named.text, min(c.score, self.names.containment_score)) for c in named.candidates]
        mention = Mention(span.text, span.start_char, span.end_char, *_quoted(span, blocked, "organization"), by_reference)
        if not named.candidates:
            mention.same_as = named.same_as or named.text
        return mention

    def _resolve_short_forms(self, mentions: list[Mention]) -> None:
        """"Astana Hub" in an article that also names the "Astana Civil Service Hub": a new
        organisation's name whose words, in order, begin and end a longer organisation name of the
        same article is that organisation (the graph's, or the new one)."""
        organisations = [m for m in mentions if m.kind == "organization" and m.status != "ambiguous"]
        for mention in organisations:
            words = mention.text.split()
            if mention.status != "new" or len(words) < 2:
                continue
            longer = {(m.candidates[0].id if m.candidates else m.text): m for m in organisations
                      if len(m.text.split()) > len(words)
                      and (abridges(words, m.text.split()) or _without_country(m.text) == mention.text)}
            if len(longer) != 1:
                continue
            [fuller] = longer.values()
            if fuller.candidates:
                known = fuller.candidates[0]
                mention.candidates = [Candidate(known.id, known.label, fuller.text, self.names.containment_score)]
            else:
                mention.same_as = fuller.text

    @staticmethod
    def _label_units(mentions: list[Mention]) -> None:
        """"Astana Hub’s Steering Civil Service Committee" is labelled "Steering Civil Service
        Committee of the Astana Civil Service Hub" (the owner's label when the graph knows it)."""
        for mention in mentions:
            parts = _owner_and_unit(mention.text)
            if mention.part_of is None or parts is None or not re.search(r"['’]s\s", mention.text):
                continue
            owner = mention.part_of
            owner_label = owner.candidates[0].label if owner.candidates else (owner.same_as or owner.text)
            mention.label = f"{parts[1]} of {with_article(owner_label)}"

    def _split_at_names_seen_alone(self, doc, mentions: list[Mention], blocked) -> list[Mention]:
        """A new name that is another name of the article (of two words or more) followed by two
        or three capitalised words with no word of kind ("NU Graduate School of Public Policy
        Colin Knox", where the school is named alone elsewhere) is two names."""
        alone = {m.text for m in mentions}
        result = []
        for mention in mentions:
            prefix = next((a for a in sorted(alone, key=len, reverse=True)
                           if a != mention.text and mention.text.startswith(a + " ")), None)
            rest = mention.text[len(prefix) + 1:] if prefix else ""
            if (mention.status == "new" and prefix and len(prefix.split()) >= 2 and 2 <= len(rest.split()) <= 3
                    and all(w[:1].isupper() for w in rest.split()) and not any(w.lower() in self._kind_by_word for w in rest.split())):
                first = doc.char_span(mention.start, mention.start + len(prefix))
                second = doc.char_span(mention.end - len(rest), mention.end)
                if first is not None and second is not None:
                    person = self._new_mention(second, blocked)
                    person.kind = person.kind or "person"  # two or three capitalised words after an organisation's name
                    result.extend([self._new_mention(first, blocked), person])
                    continue
            result.append(mention)
        return result

    def sentences(self, text: str, furniture: tuple[str, ...] = ()) -> list[tuple[int, str]]:
        """(start, text) of every sentence of `text`, kept to its line and outside furniture (the
        rest of a line that furniture is glued to is kept: "Share this articleProfessor of ...")."""
        doc = self.nlp(text)
        blocked = _furniture_spans(text, furniture)
        found = []
        for sentence in doc.sents:
            line_start = sentence.start_char
            for line in sentence.text.split("\n"):
                stripped = line.strip()
                start = text.find(stripped, line_start) if stripped else -1
                line_start += len(line) + 1
                if stripped and start >= 0:
                    found.extend(_outside(text, start, start + len(stripped), blocked))
        return found

    def _worth_proposing(self, span) -> bool:
        """Not a lone capitalised word at a sentence's start ("Behavioral ..."), a month or a
        day, or the tail of a hyphenated word ("e-Gov")."""
        if all(t.lower_ in self._kind_words for t in span):
            return False  # "the Center", "the Government": a reference, not a name
        if len(span) == 1:
            token = span[0]
            if _sentence_initial(token) and not token.is_upper:
                return False
            if token.text in self.names.calendar_words:
                return False
            if token.i > 0 and token.doc[token.i - 1].text == "-" and not token.doc[token.i - 1].whitespace_:
                return False
        return True

    # -- known names ------------------------------------------------------------------------------

    def _known_mention(self, span, blocked=()) -> Mention:
        written = span.text
        entities = self.by_name.get(written.casefold(), [])
        candidates = [Candidate(e.id, e.label, written, 1.0) for e in entities]
        kind = entities[0].kind if len({e.kind for e in entities}) == 1 else None
        mention = Mention(written, span.start_char, span.end_char, *_quoted(span, blocked, kind), candidates)
        mention.honorific = self._honorific_before(span)
        return mention

    # -- new names --------------------------------------------------------------------------------

    def _name_runs(self, doc) -> list[tuple[int, int]]:
        """Character ranges of capitalised runs of words, split at post titles, without their
        honorifics and leading articles."""
        runs: list[tuple[int, int]] = []
        for sentence in doc.sents:
            tokens = list(sentence)
            i = 0
            while i < len(tokens):
                if not _capitalised(tokens[i]) or (i == 0 and tokens[i].text in self.names.not_name_starts):
                    i += 1
                    continue
                j = i + 1
                while j < len(tokens):
                    if tokens[j].is_space and "\n" not in tokens[j].text and j + 1 < len(tokens) and (
                            _capitalised(tokens[j + 1]) or tokens[j + 1].lower_ in self.names.connectors):
                        j += 1  # a no-break space between two words of a name ("Hub\xa0of Civil Service")
                    elif _capitalised(tokens[j]) or tokens[j].text in POSSESSIVE_OR_HYPHEN and j + 1 < len(tokens) and _capitalised(tokens[j + 1]):
                        j += 1
                    elif tokens[j].lower_ in self.names.connectors and j + 1 < len(tokens) and _capitalised(tokens[j + 1]):
                        j += 1
                    elif (tokens[j].lower_ in self.names.connectors and j + 2 < len(tokens) and tokens[j + 1].lower_ == "the"
                          and _capitalised(tokens[j + 2])):
                        j += 2  # "Law School of the Cornell University"
                    else:
                        break
                start = i - 2 if i >= 2 and _hyphen_after(tokens[i - 2]) and tokens[i - 2].is_lower and len(tokens[i - 2]) <= 2 else i
                runs.extend(self._split_run(tokens[start:j]))  # from "e-" of "e-Governance Academy"
                i = j
        return runs

    def _split_run(self, tokens) -> list[tuple[int, int]]:
        """A run split where a post title or an honorific sits inside it."""
        parts: list[list] = [[]]
        k = 0
        while k < len(tokens):
            skip = self._title_or_honorific_at(tokens, k)
            if skip and k + skip < len(tokens) and tokens[k + skip].text in POSSESSIVE_OR_HYPHEN:
                skip = 0  # "Prime Minister's Office": the title is part of the name
            if skip:
                parts.append([])
                k += skip
                continue
            parts[-1].append(tokens[k])
            k += 1
        ranges = []
        for part in (piece for whole in parts for piece in self._split_part(whole)):
            while part and (part[0].text in self.names.not_name_starts and not _hyphen_after(part[0])
                            or part[0].lower_ in self.names.connectors or not part[0].is_alpha):
                part = part[1:]
            while part and (part[-1].lower_ in self.names.connectors or not part[-1].is_alpha):
                part = part[:-1]
            if part and not (len(part) == 1 and part[0].text in self.names.not_name_starts):
                ranges.append((part[0].idx, part[-1].idx + len(part[-1].text)))
        return ranges

    def _split_part(self, tokens: list) -> list[list]:
        """Where one run holds two names: at "and" when no word of the run makes it one name of
        an organisation, event or policy ("Moldova, North Macedonia, United America and
        Ukraine"); after a leading abbreviation followed by a person's name ("USA Yerzhan
        Kazykhanov"); before "in" + one or two words when the run names an organisation or
        event ("Nazarbayev University in Astana")."""
        words = [t.lower_ for t in tokens]
        has_kind = any(w in self._kind_by_word for w in words)
        if not has_kind and "and" in words:
            i = words.index("and")
            return [*self._split_part(tokens[:i]), *self._split_part(tokens[i + 1:])]
        if len(tokens) >= 3 and tokens[0].is_upper and len(tokens[0]) > 1 and not has_kind and all(t.is_title for t in tokens[1:]):
            return [tokens[:1], tokens[1:]]
        if has_kind and "in" in words and not self._contained(" ".join(t.text for t in tokens)):
            i = len(words) - 1 - words[::-1].index("in")
            if 1 <= len(tokens) - i - 1 <= 2 and not any(w in self._kind_by_word for w in words[i + 1:]):
                return [tokens[:i], tokens[i + 1:]]
        return [tokens]

    def _title_or_honorific_at(self, tokens, k: int) -> int:
        """How many tokens from `k` are a post title or an honorific (0: none)."""
        for phrase in (*self.names.honorifics, *self.names.titles):
            words = phrase.split()
            window = [t.text for t in tokens[k:k + len(words)]]
            if len(window) == len(words) and all(a.lower().rstrip(".") == b.lower().rstrip(".") for a, b in zip(window, words)):
                return len(words)
        return 0

    def _new_mention(self, span, blocked=()) -> Mention:
        written = span.text
        kind = self._kind_of(span)
        mention = Mention(written, span.start_char, span.end_char, *_quoted(span, blocked, kind))
        mention.honorific = self._honorific_before(span)
        if mention.honorific and kind is None:
            mention.kind = "person"
        mention.candidates = self._country(written) if mention.kind == "place" else []
        mention.candidates = mention.candidates or self._fuzzy(written, mention.kind)
        if not mention.candidates and mention.kind == "organization":
            mention.candidates = self._contained(written)
        return mention

    def _country(self, written: str) -> list[Candidate]:
        """A country written by another of its names ("Republic of Kazakhstan") is the known
        place with its common name."""
        try:
            country = pycountry.countries.lookup(written)
        except LookupError:
            return []
        names = _names_of(country)
        return [Candidate(k.id, k.label, written, 1.0) for k in self.known.values()
                if k.kind == "place" and k.label in names]

    @property
    def _kind_words(self):
        return self.names.kind_by_word.keys()

    def _kind_of(self, span) -> str | None:
        """By the name's head noun: the last word of kind before its first "of/for/on/in" ("Center
        for ... Policy" is a centre, "World Government Summit Organization" an organisation);
        else a country's name; else a person when the text treats the name as one's."""
        for word in head_first([t.lower_ for t in span], self.names.head_ends):
            kind = self._kind_by_word.get(word)
            if kind:
                return kind
        if span.text in self.countries or _country_code(span.text):
            return "place"
        if len(span) == 1 and span[0].is_upper and ACRONYM.fullmatch(span.text):
            return "organization"  # "EBRD", "ASPA", "AIFC": an abbreviation the graph does not know, to be reviewed
        if self._reads_as_person(span):
            return "person"
        before = span.doc[span.start - 1] if span.start > 0 else None
        if len(span) == 1 and before is not None and before.lower_ in self.names.place_prepositions:
            return "place"  # "in Astana", "in Dubai": one word after "in" is a place, to be reviewed
        after = span.doc[span.end] if span.end < len(span.doc) else None
        if after is not None and after.is_lower and self._kind_by_word.get(after.lower_) in ("event", "policy", "programme", "project"):
            return self._kind_by_word[after.lower_]  # "the One-Stop Shop initiative", "the Bolashak programme"
        return None

    def _head(self, name: str) -> str:
        """A name's head noun: its last word of kind before its first "of/for/on/in", else its
        last word there ("Regional Hub of Civil Service in Astana": hub)."""
        words = [w.lower() for w in re.findall(r"[\w-]+", name)]
        cut = next((i for i, w in enumerate(words) if w in self.names.head_ends), len(words))
        return next((w for w in reversed(words[:cut]) if w in self._kind_by_word), words[cut - 1] if cut else "")

    def _contained(self, written: str) -> list[Candidate]:
        """Known organisations whose name's words the new name holds, with the same head and few
        other words, none of kind (names.yaml `containment_*`)."""
        words = set(_content_words(written, self.names.connectors))
        head = self._head(written)
        found = {}
        for entity in self.known.values():
            if entity.kind != "organization":
                continue
            for name in entity.names:
                theirs = set(_content_words(name, self.names.connectors))
                extra = words - theirs
                if (len(theirs) >= self.names.containment_min_words and theirs <= words
                        and len(extra) <= self.names.containment_extra_words
                        and not any(w in self._kind_by_word for w in extra) and self._head(name) == head):
                    found.setdefault(entity.id, Candidate(entity.id, entity.label, name, self.names.containment_score))
        return sorted(found.values(), key=lambda c: c.id)

    @property
    def _kind_by_word(self) -> dict[str, str]:
        return self.names.kind_by_word

    def _reads_as_person(self, span) -> bool:
        """Two to four capitalised words that the text treats as a person's name: an honorific
        or a post title right before, a title after a comma ("X Y, Chairman of ..."), a speech
        verb right after ("X Y said"), or "by" before ("presentations by X Y")."""
        if not 2 <= len(span) <= 4 or not all(t.is_title or t.is_upper for t in span):
            return False
        doc = span.doc
        before = doc[max(0, span.start - 4):span.start].text.lower()
        after = [t.lower_ for t in doc[span.end:span.end + 4] if not t.is_space]
        if self._honorific_before(span) or any(before.endswith(t) for t in self.names.titles) or before.endswith("by"):
            return True
        if after[:1] == [","] and len(after) > 1 and any(" ".join(after[1:]).startswith(t) for t in self.names.titles):
            return True
        return any(word in self.names.speech_verbs for word in after[:3])

    def _honorific_before(self, span) -> str | None:
        doc = span.doc
        for honorific in self.names.honorifics:
            words = honorific.split()
            start = span.start - len(words)
            if start >= 0 and [t.lower_.rstrip(".") for t in doc[start:span.start]] == [w.lower().rstrip(".") for w in words]:
                return doc[start:span.start].text
        return None

    def _fuzzy(self, written: str, kind: str | None) -> list[Candidate]:
        """Known entities whose name is written a little differently, best first; more than one
        when the best two are within the ambiguity margin."""
        scored = []
        for entity in self.known.values():
            if kind is not None and entity.kind != kind:
                continue
            best = max(((fuzz.token_sort_ratio(written, name), name) for name in entity.names), default=(0, ""))
            if best[0] >= self.names.fuzzy_threshold:
                scored.append((best[0], entity, best[1]))
        scored.sort(key=lambda s: (-s[0], s[1].id))
        if not scored:
            return []
        top = scored[0][0]
        close = [s for s in scored if top - s[0] < self.names.ambiguity_margin]
        return [Candidate(e.id, e.label, name, round(score / 100, 2)) for score, e, name in close]

    # -- surnames and abbreviations ------------------------------------------------------------------

    def _resolve_surnames(self, mentions: list[Mention]) -> None:
        """"Knox" or "Dr. Knox" is the known person of that surname whom the article names in
        full; with two such people, both are candidates (ambiguous); with none, it stays new."""
        named = {c.id for m in mentions if m.kind == "person" and " " in m.text for c in m.candidates}
        for mention in mentions:
            if mention.candidates or " " in mention.text:
                continue
            people = self.surnames.get(mention.text, [])
            if not people:
                continue
            in_article = [p for p in people if p.id in named]
            chosen = in_article or (people if mention.honorific else [])
            if chosen:
                mention.kind = "person"
                mention.candidates = [Candidate(p.id, p.label, p.label.split()[-1], 0.9) for p in chosen]

    def _abbreviations(self, text: str, mentions: list[Mention]) -> None:
        """A name followed by "(ABBR)" whose letters start its words defines that abbreviation."""
        for mention in mentions:
            match = re.match(r"\s*\(([A-Z][A-Za-z]{1,9})\)", text[mention.end:mention.end + 14])
            if match and _initials(mention.text).startswith(match.group(1)[:2].upper()):
                mention.abbreviation = match.group(1)


def _owner_and_unit(name: str) -> tuple[str, str] | None:
    """(owner, unit) of "Owner’s Unit" or "Unit of the Owner"; None for other names."""
    possessive = re.fullmatch(r"(?P<owner>.+?)\s?['’]s\s+(?P<unit>.+)", name)
    if possessive:
        return possessive["owner"], possessive["unit"]
    of_the = re.fullmatch(r"(?P<unit>.+?)\s+of\s+the\s+(?P<owner>.+)", name)
    return (of_the["owner"], of_the["unit"]) if of_the else None


def _follow_same_as(mentions: list[Mention]) -> None:
    """A mention the same as one that is itself the same as a third is the same as the third."""
    fuller = {m.text: m.same_as for m in mentions if m.same_as and m.same_as != m.text}
    for mention in mentions:
        seen = set()
        while mention.same_as in fuller and mention.same_as not in seen:
            seen.add(mention.same_as)
            mention.same_as = fuller[mention.same_as]


def _without_country(name: str) -> str | None:
    """"Agency for Civil Service Affairs" of "Agency for Civil Service Affairs of the Republic of
    Kazakhstan": a name without the country it ends with."""
    match = re.fullmatch(r"(?P<name>.+?)\s+of\s+(?:the\s+)?(?P<country>.+)", name)
    if match and (match["country"] in country_names() or match["country"].startswith("Republic of ")):
        return match["name"]
    return None


def head_first(words: list[str], head_ends) -> list[str]:
    """A name's words, the likeliest head first: those before its first "of/for/on/in" from the
    last, then all from the last ("Law School of the Cornell University": school, law, ...)."""
    cut = next((i for i, w in enumerate(words) if w in head_ends), len(words))
    return [*reversed(words[:cut]), *reversed(words)]


def abridges(short: list[str], long: list[str]) -> bool:
    """The words of `short` in order within `long`, with its first and last word ("Astana Hub"
    of "Astana Civil Service Hub", "series of events" of "series of three events")."""
    if not short or short[0] != long[0] or short[-1] != long[-1]:
        return False
    rest = iter(long[1:-1])
    return all(word in rest for word in short[1:-1])


def _outside(text: str, start: int, end: int, blocked: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """(start, text) of the parts of text[start:end] outside the blocked spans, trimmed."""
    parts, at = [], start
    for b_start, b_end in sorted(blocked):
        if b_start < end and at < b_end:
            parts.append((at, min(b_start, end)))
            at = max(at, b_end)
    parts.append((at, end))
    found = []
    for s, e in parts:
        piece = text[s:e]
        if piece.strip():
            found.append((s + len(piece) - len(piece.lstrip()), piece.strip()))
    return found


def _token_ranges(spans) -> set[tuple[int, int]]:
    return {(span.start, span.end) for span in spans}


def _content_words(name: str, connectors: frozenset[str]) -> list[str]:
    return [w for w in (w.lower() for w in re.findall(r"[\w-]+", name)) if w not in connectors]


def _hyphen_after(token) -> bool:
    """"One" of "One-Stop Shop": the first part of a hyphenated word is not a sentence opener."""
    doc = token.doc
    return not token.whitespace_ and token.i + 1 < len(doc) and doc[token.i + 1].text == "-"


def _names_of(country) -> set[str]:
    """A pycountry country's names: its name, common name and official name."""
    return {n for n in (getattr(country, a, None) for a in ("name", "common_name", "official_name")) if n}


def _country_code(text: str) -> bool:
    """"USA": a country's ISO 3166 three-letter code written as its name."""
    return len(text) == 3 and text.isupper() and pycountry.countries.get(alpha_3=text) is not None


def with_article(name: str) -> str:
    """A name as it follows "of": "the Astana Civil Service Hub", "the United Kingdom", "the UNDP",
    but "Kazakhstan", "Nazarbayev University", "Astana"."""
    words = name.split()
    bare = (name.startswith(("the ", "The "))
            or re.fullmatch(r"(?:[A-Z][\w.-]*\s)+(?:University|College)", name) is not None  # "Ulster University"
            or len(words) == 1 and not name.isupper()  # "Astana", "Kazakhstan"
            or name in country_names() and words[0] not in ("United", "Russian"))
    return name if bare else f"the {name}"


GOAL_OBJECT = re.compile(r"[A-Z][a-z]+ing\s+the\s+(?P<object>(?:\S+\s+){2,}\S+)")  # "Joining the top 30 developed countries"


def _variants(entity: Known) -> list[str]:
    """The names an entity is matched by: its names, both halves of "Name (ABBR)", and for a
    policy or goal labelled "Verbing the Object" (three words or more) the object alone, as a
    headline writes it ("Kazakhstan in top 30 developed countries")."""
    names = [*entity.names, *(part for name in entity.names for part in _parenthesised(name))]
    if entity.kind == "policy":
        names += [goal["object"] for name in entity.names if (goal := GOAL_OBJECT.fullmatch(name))]
    return list(dict.fromkeys(names))


def _parenthesised(name: str) -> list[str]:
    """The two names a label "Name (ABBR)" holds: "Electronic government (e-Gov)" is also
    "Electronic government" and "e-Gov"."""
    match = re.fullmatch(r"(?P<name>[^()]{3,}?)\s*\((?P<short>[^()]{1,15})\)", name)
    return [match["name"], match["short"]] if match and any(c.isupper() for c in match["short"]) else []


def _capitalised(token) -> bool:
    return bool(token.text) and (token.is_title or (token.is_upper and len(token.text) > 1)) and token.is_alpha or (
        token.text[:1].isupper() and "-" in token.text)


def quote_of(span, blocked: list[tuple[int, int]] = ()) -> tuple[str, int]:
    """The sentence a name is in, kept to its line (spaCy's sentences run across line breaks,
    and a line may be a heading or furniture) and to the side of any furniture glued to it
    ("Share this articleProfessor of ..."): verbatim, white space at its ends removed."""
    text = span.doc.text
    line_start = text.rfind("\n", 0, span.start_char) + 1
    line_end = text.find("\n", span.end_char)
    line_end = len(text) if line_end == -1 else line_end
    start = max(span.sent.start_char, line_start)
    end = min(span.sent.end_char, line_end)
    for f_start, f_end in blocked:
        if f_start < end and start < f_end:
            if f_end <= span.start_char:
                start = max(start, f_end)
            elif f_start >= span.end_char:
                end = min(end, f_start)
    quote = text[start:end]
    return quote.strip(), start + len(quote) - len(quote.lstrip())


def _quoted(span, blocked, kind) -> tuple[str, str | None, int]:
    """(sentence, kind, sentence start): the positional fields of a Mention after its offsets."""
    sentence, start = quote_of(span, blocked)
    return sentence, kind, start


def _sentence_initial(token) -> bool:
    """The first word of a sentence or a paragraph (spaCy starts a sentence at a line break's
    white-space token, so the word after it is not marked)."""
    if token.is_sent_start or token.i == 0:
        return True
    before = token.doc[token.i - 1]
    return before.is_space or before.text in (".", ":", "!", "?", "“", '"')


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split() if word[:1].isupper())


def _furniture_spans(text: str, furniture: tuple[str, ...]) -> list[tuple[int, int]]:
    return [span for passage in furniture for span in occurrences(text, passage)]


def _inside(span, blocked: list[tuple[int, int]]) -> bool:
    return any(s < span.end_char and span.start_char < e for s, e in blocked)


@cache
def country_names() -> frozenset[str]:
    names = set()
    for country in pycountry.countries:
        for value in _names_of(country):
            names.add(value)
            names.add(value.split(",")[0])  # "Korea, Republic of" is written "Korea"
    return frozenset(names)
