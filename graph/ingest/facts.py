"""The facts a draft proposes, each with its verbatim quote: posts, figures and event dates.

Precision before recall: a fact is proposed only when the sentence ties it to a named mention
(a person and an organisation for a post, an entity for a figure, one named event for a date);
a figure whose sentence names nothing it could belong to is listed for review, not proposed.

- Posts, in the three shapes the articles use: "Name, [former] Title of Org" ("Rassul
  Rysmambetov, Chairman of the NAC Management Board"), "Org Title[,] [Honorific] Name" ("NU
  President Professor Waqar Ahmad", "AIFC Governor, Kairat Kelimbetov"), and "[former] Title of Org [(Country)] Name" ("Executive
  Director of Governance Solutions International (USA) Guido Bertucci"). The title is a post
  title of patterns/names.yaml; "former" makes the post former.
- Figures: a number (digits or a number word up to twenty) with its qualifier as written
  ("over", "more than", "around", "about", "some", "nearly" ...; none: exactly) and the words that
  follow as its unit; a member count when the unit says members, a participant count when it says
  participants (or people, officials, experts, countries), a component count when it says events,
  tasks or steps, else a stated quantity. Its subject: the nearest named mention before it in the
  sentence of a fitting kind, or for "This summit ..." the last named mention with that word.
- Event dates: a day, a month or a range ("13 February 2019", "Between 9 and 11 June 2025") in a
  sentence that names exactly one event.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from graph.ingest.mentions import Mention, NamePatterns, name_patterns

QUALIFIERS = {"over": "over", "more than": "over", "above": "over", "at least": "over", "in excess of": "over",
              "around": "around", "about": "around", "approximately": "around", "some": "around", "nearly": "around",
              "almost": "around", "roughly": "around", "up to": "around", "close to": "around"}
NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
                "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20}
UNIT_KINDS = (  # (words in the unit, property, the kinds of subject it may belong to)
    (("member", "members", "member-countries", "member-states"), "kgo:memberCount", ("organization",)),
    (("participants", "participant", "people", "officials", "experts", "countries", "delegates", "attendees", "executors",
      "organizations", "organisations", "servants", "employees", "specialists", "representatives", "students", "trainees"),
     "kgo:participantCount", ("event", "organization")),
    (("events", "tasks", "steps", "sessions", "stages", "components"), "kgo:componentCount", ("event", "policy", "organization")),
)
MAX_UNIT_WORDS = 4
DURATION_WORDS = {"year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours", "minutes", "decades"}
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_FIGURE = re.compile(
    r"(?P<qualifier>\b(?:" + "|".join(sorted(QUALIFIERS, key=len, reverse=True)) + r")\s+)?"
    r"(?P<number>\b\d{1,3}(?:,\d{3})+|\b\d+|\b(?:" + "|".join(NUMBER_WORDS) + r"))\s+"
    r"(?P<unit>(?:[a-z][\w-]*\s?){1," + str(MAX_UNIT_WORDS) + r"})", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(r"\b(?P<day>\d{1,2})\s+(?P<month>" + MONTHS + r")\s+(?P<year>\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b(?P<month>" + MONTHS + r")\s+(?P<day>\d{1,2}),\s+(?P<year>\d{4})\b")
_RANGE = re.compile(r"\b[Bb]etween\s+(?P<first>\d{1,2})\s+and\s+(?P<last>\d{1,2})\s+(?P<month>" + MONTHS + r")\s+(?P<year>\d{4})\b")
_CONTAINER_BEFORE = re.compile(r"\b(?:within|during|at|inside)\s+(?:the\s+)?(?:\w+\s+){0,2}$", re.IGNORECASE)
_UNIT_STOP = {"from", "of", "in", "at", "to", "and", "who", "which", "that", "on", "with", "for", "by", "as"}


@dataclass
class DraftFact:
    """A fact about `subject` (a mention; its entity's id is known only when the draft is
    written); `value` is a Mention (a link to its entity), a figure dict or a literal."""

    subject: Mention
    predicate: str
    value: Any
    quote: str
    note: str | None = None


@dataclass(frozen=True)
class ArticleDate:
    """A date the text gives relative to the article's own ("was hosted today"): the draft writer
    makes it a date when the article's date is known, else lists it for review."""

    days_before: int  # 0 for "today", 1 for "yesterday"
    phrase: str  # as written: "was hosted today"


@dataclass
class Post:
    """A person's post: the draft makes it a Position entity."""

    person: Mention
    organization: Mention
    title: str  # as written; "" when the article gives none ("Dr. Knox worked at Ulster University")
    former: bool
    quote: str


@dataclass
class View:
    """A person's stated view: the draft makes it a StatedView entity."""

    person: Mention
    attribution: str  # the words that say who holds it, verbatim ("As Mr Norimasa Shimomura emphasized")
    quote: str  # what was said, verbatim: the quoted words, or the reported clause's sentence
    quotation: bool  # direct speech (the words in quotation marks) or reported speech
    gist: str  # what was said, without its attribution: the quoted words, or the reported clause
    about: list[Mention] = field(default_factory=list)  # the policies, programmes and topics it names


@dataclass
class Facts:
    facts: list[DraftFact] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    views: list[View] = field(default_factory=list)
    for_review: list[str] = field(default_factory=list)  # what was seen but not proposed, with why


def extract(text: str, sentences: list[tuple[int, str]], mentions: list[Mention], names: NamePatterns) -> Facts:
    """`sentences`: (start, text) of every sentence of the article outside its furniture."""
    found = Facts()
    for start, sentence in sentences:
        in_sentence = sorted((m for m in mentions if start <= m.start and m.end <= start + len(sentence)), key=lambda m: m.start)
        found.posts.extend(_posts(text, in_sentence, names))
        _figures(start, sentence, in_sentence, mentions, found)
        _event_dates(start, sentence, in_sentence, found)
        _event_roles(start, sentence, in_sentence, found)
        _organisation_links(start, sentence, in_sentence, found)
    found.views.extend(_views(text, sentences, mentions, names))
    for mention in mentions:
        if mention.part_of is not None:  # "the Astana Hub’s Steering Civil Service Committee"
            found.facts.append(DraftFact(mention, "kgo:subOrganizationOf", mention.part_of, mention.text))
    return found


# -- posts -------------------------------------------------------------------------------------------

def _title_in(phrase: str, names: NamePatterns) -> str | None:
    """The post title a short phrase holds ("Chairman of the", "former director of the")."""
    lowered = phrase.lower()
    return next((t for t in names.titles if re.search(rf"(^|\s){re.escape(t)}(\s|$)", lowered)), None)


def _posts(text: str, mentions: list[Mention], names: NamePatterns) -> list[Post]:
    posts = []
    people = [m for m in mentions if m.kind == "person"]
    organisations = [m for m in mentions if m.kind == "organization"]
    for person in people:
        # a title written before the name wins over one after it: in a list ("Title of Org, Name,
        # Title of Org, Name") the title after a name belongs to the next one
        post = (_title_of_org_name(text, person, organisations, names)
                or _org_title_name(text, person, organisations, names)
                or _name_comma_title_of_org(text, person, organisations, names)
                or _name_worked_at_org(text, person, organisations))
        if post:
            posts.append(post)
    return posts


def _next_after(person: Mention, organisations: list[Mention]) -> Mention | None:
    """The organisation named nearest after the person (the longest of two that start together)."""
    after = [o for o in organisations if o.start > person.end]
    return min(after, key=lambda o: (o.start, o.start - o.end)) if after else None


def _last_before(person: Mention, organisations: list[Mention]) -> Mention | None:
    """The organisation named nearest before the person: "the Astana Hub’s Steering Civil Service
    Committee, Alikhan Baimenov" is the committee, not the hub its name holds."""
    before = [o for o in organisations if o.end <= person.start]
    return max(before, key=lambda o: (o.end, o.end - o.start)) if before else None


def _name_comma_title_of_org(text, person, organisations, names) -> Post | None:
    """"Name [(Country)], [the] [former] Title of [the] Org" ("Eduardo Araral (Singapore), the
    vice-dean of High School of Public Policy")."""
    org = _next_after(person, organisations)
    if org is None:
        return None
    between = text[person.end:org.start]
    match = re.fullmatch(r"(?:\s*\([A-Za-z .]{2,30}\))?,\s+(?:the\s+)?(?P<title>(?:[Ff]ormer\s+)?[\w\s-]{2,60}?)\s+(?:of|at)\s+(?:the\s+)?",
                         between)
    if not match or _title_in(match["title"], names) is None:
        return None
    return _post(text, person, org, match["title"], person.start, org.end)


WORKED_AT = re.compile(r"\s+(?P<verb>worked|works|served|serves|taught|teaches|is working|was working)\s+(?:at|for|with)\s+(?:the\s+)?")
PAST_VERBS = frozenset({"worked", "served", "taught", "was working"})


def _name_worked_at_org(text, person, organisations) -> Post | None:
    """"Name worked at Org" ("Dr. Knox worked at Ulster University"): a post with no title,
    former when the verb is in the past."""
    org = _next_after(person, organisations)
    match = WORKED_AT.fullmatch(text[person.end:org.start]) if org else None
    if match is None:
        return None
    return Post(person, org, "", match["verb"] in PAST_VERBS, text[person.start:org.end])


def _org_title_name(text, person, organisations, names) -> Post | None:
    """"Org Title [Honorific] Name" ("NU President Professor Waqar Ahmad")."""
    org = _last_before(person, organisations)
    if org is None:
        return None
    between = text[org.end:person.start]
    if len(between.split()) > 4 or not re.fullmatch(r"\s+[\w\s.-]+,?\s+", between):
        return None
    title = _title_in(between.strip().rstrip(","), names)
    if title is None:
        return None
    written = re.search(rf"(?i){re.escape(title)}", between)
    return _post(text, person, org, between.strip().rstrip(",")[:written.end() - 1] if written else title, org.start, person.end)


def _title_of_org_name(text, person, organisations, names) -> Post | None:
    """"[former] Title of [the] Org [(Country)] Name"; the title within the org's sentence."""
    org = _last_before(person, organisations)
    if org is None:
        return None
    between = text[org.end:person.start]
    honorifics = "|".join(re.escape(h) for h in names.honorifics)
    if not re.fullmatch(rf"(?:\s*\([A-Za-z .]{{2,30}}\))?\s*,?\s*(?:(?:{honorifics})\s+)?", between):
        return None
    before = text[max(org.sentence_start, org.start - 70):org.start]
    match = re.search(r"(?P<title>(?:[Ff]ormer\s+)?(?:[A-Za-z-]+\s+){0,3}?[A-Za-z-]+)\s+of\s+(?:the\s+)?$", before)
    title_word = _title_in(match["title"], names) if match else None
    if title_word is None:
        return None
    # the title starts at its title word, or at "former" right before it ("including former director")
    at = re.search(rf"(?i)(?:\bformer\s+)?{re.escape(title_word)}\b", match["title"])
    title = match["title"][at.start():] if at else match["title"]
    start = org.start - len(before) + match.start("title") + (at.start() if at else 0)
    return _post(text, person, org, title, start, person.end)


def _post(text: str, person: Mention, org: Mention, title: str, start: int, end: int) -> Post:
    former = title.lower().startswith("former ")
    title = re.sub(r"^[Ff]ormer\s+", "", title).strip()
    return Post(person, org, title, former, text[start:end])


# -- figures ------------------------------------------------------------------------------------------

def _figures(sentence_start: int, sentence: str, in_sentence: list[Mention], everything: list[Mention], found: Facts) -> None:
    for match in _FIGURE.finditer(sentence):
        number = match["number"].lower()
        if re.fullmatch(r"(19|20)\d\d", number) or match.start() > 0 and sentence[match.start() - 1] in "-/\"“'‘":
            continue  # a year, part of a date or code, or the start of a quoted name ("100 concrete steps")
        unit = _unit(match["unit"])
        if not unit or unit.split()[0].lower() in DURATION_WORDS or unit.split()[0] in name_patterns().calendar_words:
            continue  # "for 8 years" is a duration, "14 March" a date, not a figure
        value = NUMBER_WORDS.get(number) or int(number.replace(",", ""))
        qualifier = QUALIFIERS.get((match["qualifier"] or "").strip().lower(), "exactly")
        predicate, kinds = _property(unit)
        quote = sentence[match.start():match.end()].strip()
        if predicate == "kgo:statedQuantity" and qualifier == "exactly":
            found.for_review.append(f"figure \"{quote}\": a bare number with a unit of no known kind")
            continue
        subject = _figure_subject(sentence_start, sentence, match.start(), in_sentence, everything, kinds)
        if subject is None:
            found.for_review.append(f"figure \"{quote}\": the sentence names nothing it could belong to")
            continue
        found.facts.append(DraftFact(subject, predicate, {"value": value, "qualifier": qualifier, "unit": unit}, quote))


def _unit(words: str) -> str:
    kept = []
    for word in words.split():
        if word.lower() in _UNIT_STOP:
            break
        kept.append(word.strip(",.;:"))
    return " ".join(kept)


def _property(unit: str) -> tuple[str, tuple[str, ...]]:
    words = set(re.split(r"[\s]+", unit.lower()))
    for markers, predicate, kinds in UNIT_KINDS:
        if words & set(markers):
            return predicate, kinds
    return "kgo:statedQuantity", ("organization", "event", "policy", "person", "place")


def _figure_subject(sentence_start: int, sentence: str, at: int, in_sentence: list[Mention], everything: list[Mention],
                    kinds: tuple[str, ...]) -> Mention | None:
    around = [m for m in in_sentence if m.start - sentence_start <= at < m.end - sentence_start and m.kind in kinds]
    if around:
        return around[-1]  # "a series of three events": the figure is inside the description it counts
    before = [m for m in in_sentence if m.end - sentence_start <= at and m.kind in kinds]
    if before:
        subject = before[-1]
        # "took place within the 7th 2019 World Government Summit in Dubai, bringing together ... over
        # 15 countries": what a thing happens within or at is not what the figure counts
        return None if _CONTAINER_BEFORE.search(sentence[:subject.start - sentence_start]) else subject
    referring = re.match(r"\s*(?:This|The)\s+(\w+)", sentence)
    if referring:
        word = referring.group(1).lower()
        earlier = [m for m in everything if m.kind in kinds and word in m.text.lower() and m.end <= sentence_start]
        # "This summit": an event whose name has "summit", before an organisation named after it
        earlier.sort(key=lambda m: m.kind == name_patterns().kind_by_word.get(word))
        if earlier:
            return earlier[-1]
    return None



# -- event dates -------------------------------------------------------------------------------------

RELATIVE_DAYS = {"today": 0, "yesterday": 1}
_RELATIVE = re.compile(r"\b(?:(?:was|were|is|are|has been|have been)\s+)?(?:\w+ed\s+)?(?P<word>today|yesterday)\b")
_YEAR_BEFORE = re.compile(r"\b(?P<year>(?:19|20)\d\d)\s+$")  # "the 7th 2019 World Government Summit"
DATE_SUBJECT_REACH = 12  # characters between a sentence's opening date and the event it dates ("..., a series")


def _event_dates(sentence_start: int, sentence: str, in_sentence: list[Mention], found: Facts) -> None:
    """A day, a range or a year for the event a sentence dates: the one event it names, or the
    event right after a date that opens the sentence ("Between 9 and 11 June 2025, a series of
    three events have been held, including ..."); a year written just before an event's name
    ("the 7th 2019 World Government Summit"); "today" read against the article's date."""
    events = [m for m in in_sentence if m.kind == "event"]
    for event in events:
        year = _YEAR_BEFORE.search(sentence[:event.start - sentence_start])
        if year:
            found.facts.append(DraftFact(event, "schema:startDate", year["year"], f"{year['year']} {event.text}"))
    named = {m.text: m for m in events}
    ranged = _RANGE.search(sentence)
    day = next((match for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR) if (match := pattern.search(sentence))), None)
    stated = ranged or day
    opening = stated is not None and re.match(r"\W*(?:[Oo]n\s+|[Ii]n\s+)?$", sentence[:stated.start()]) and sentence[stated.end():].startswith(",")
    if opening:  # the date is the sentence's: it goes to the event that is its subject, if one is named
        after = [m for m in events if 0 <= m.start - sentence_start - stated.end() <= DATE_SUBJECT_REACH]
        named = {after[0].text: after[0]} if after else {}
    if len(named) != 1:
        return
    [event] = named.values()
    if ranged:
        month = _month(ranged["month"])
        start = datetime.date(int(ranged["year"]), month, int(ranged["first"]))
        end = datetime.date(int(ranged["year"]), month, int(ranged["last"]))
        found.facts.append(DraftFact(event, "schema:startDate", start, ranged.group(0)))
        found.facts.append(DraftFact(event, "schema:endDate", end, ranged.group(0)))
    elif day:
        date = datetime.date(int(day["year"]), _month(day["month"]), int(day["day"]))
        found.facts.append(DraftFact(event, "schema:startDate", date, day.group(0)))
    elif relative := _RELATIVE.search(sentence):
        found.facts.append(DraftFact(event, "schema:startDate", ArticleDate(RELATIVE_DAYS[relative["word"]], relative.group(0)),
                                     relative.group(0)))


def _month(name: str) -> int:
    return MONTHS.split("|").index(name) + 1


# -- event roles -------------------------------------------------------------------------------------

_ORGANIZED_BY = re.compile(r"\b(?:is|was|are|were|has been|have been)?\s*(?:organi[sz]ed|hosted|convened)\s+by\s+(?:the\s+)?$")
_HELD_IN = re.compile(r"\b(?:was|were|is|are|has been|have been)\s+(?:hosted|held|organi[sz]ed)(?:\s+\w+)?\s+(?:in|at)\s+(?:the\s+)?$")
_AND_IN = re.compile(r"^\s+in\s+(?:the\s+)?$")


def _event_roles(sentence_start: int, sentence: str, in_sentence: list[Mention], found: Facts) -> None:
    """Who organised the one event a sentence names ("The conference is organized by the Ministry
    ..."), and where it was held: an organisation is its venue, a place its place ("was hosted
    today in Nazarbayev University in Astana")."""
    events = {m.text: m for m in in_sentence if m.kind == "event"}
    if len(events) != 1:
        return
    [event] = events.values()
    after = [m for m in in_sentence if m.start >= event.end and m.kind in ("organization", "place")]
    previous = None
    for mention in after:
        before = sentence[(previous.end if previous else event.end) - sentence_start:mention.start - sentence_start]
        quote = sentence[event.start - sentence_start:mention.end - sentence_start] if previous is None else \
            sentence[previous.start - sentence_start:mention.end - sentence_start]
        if previous is None and mention.kind == "organization" and _ORGANIZED_BY.search(sentence[event.end - sentence_start:mention.start - sentence_start]):
            found.facts.append(DraftFact(event, "kgo:organizer", mention, quote))
        elif previous is None and _HELD_IN.search(sentence[event.end - sentence_start:mention.start - sentence_start]):
            found.facts.append(DraftFact(event, "kgo:venue" if mention.kind == "organization" else "kgo:place", mention, quote))
        elif previous is not None and mention.kind == "place" and _AND_IN.match(before):
            found.facts.append(DraftFact(event, "kgo:place", mention, quote))  # "... in Nazarbayev University in Astana"
        else:
            break
        previous = mention


# -- organisations: based at, partner of -------------------------------------------------------------

_BASED = re.compile(r"^-based\b")
_BASED_IN = re.compile(r",?\s+based\s+(?P<prep>in|at)\s+(?:the\s+)?$")
_PARTNER = re.compile(r"\b(?:in\s+partnership\s+with|(?:a\s+)?(?:long-term\s+|strategic\s+|key\s+)?partner\s+of|"
                      r"partnership\s+with|in\s+cooperation\s+with)\s+(?:the\s+)?$", re.IGNORECASE)
_COLLABORATION = re.compile(r"\b(?:in\s+(?:collaboration|cooperation|partnership)\s+with|jointly\s+with)\s+(?:the\s+)?$", re.IGNORECASE)
_SPOKE_AT = re.compile(r"^\s+(?:spoke|presented|lectured|gave\s+a\s+(?:speech|talk|lecture|presentation))\s+(?:at|in|during)\s+(?:the\s+)?$")
_OPENED = re.compile(r"\b(?P<role>opened|chaired|moderated)\s+by\s+(?:\w+\.?\s+)?$")
EVENT_ROLE_BY = {"opened": "kgo:openedBy", "chaired": "kgo:chairedBy", "moderated": "kgo:chairedBy"}


def _organisation_links(sentence_start: int, sentence: str, in_sentence: list[Mention], found: Facts) -> None:
    """"Nazarbayev University-based policy think tank" (based at the university), "X, based in
    Astana", "in partnership with the Behavioral Insights Team", "a long-term partner of the
    government of Kazakhstan" (partners), each tied to the organisation the sentence names before
    it; "opened by"/"chaired by" a person, for the one event a sentence names."""
    organisations = [m for m in in_sentence if m.kind == "organization"]
    for other in (m for m in in_sentence if m.kind in ("organization", "place")):
        before = [o for o in organisations if o.end <= other.start and o is not other and o.text != other.text]
        rest = sentence[other.end - sentence_start:]
        if other.kind == "organization" and _BASED.match(rest) and before:
            found.facts.append(DraftFact(before[-1], "kgo:basedAt", other, sentence[other.start - sentence_start:other.end - sentence_start + 6]))
            continue
        if not before:
            continue
        subject = before[-1]
        between = sentence[subject.end - sentence_start:other.start - sentence_start]
        based = _BASED_IN.search(between) if len(between) < 40 else None
        if based:
            predicate = "kgo:basedIn" if other.kind == "place" else "kgo:basedAt"
            found.facts.append(DraftFact(subject, predicate, other, sentence[subject.start - sentence_start:other.end - sentence_start]))
        elif other.kind == "organization" and _PARTNER.search(between) and len(between) < 80:
            phrase = _PARTNER.search(between)
            start = subject.end - sentence_start + phrase.start()
            found.facts.append(DraftFact(subject, "kgo:partner", other, sentence[start:other.end - sentence_start]))
    events = {m.text: m for m in in_sentence if m.kind == "event"}
    for event in events.values():  # "a series of events ... organized in collaboration with the BIT"
        for other in (m for m in organisations if m.start > event.end):
            phrase = _COLLABORATION.search(sentence[event.end - sentence_start:other.start - sentence_start])
            if phrase and other.start - event.end < 160:
                at = event.end - sentence_start + phrase.start()
                found.facts.append(DraftFact(event, "kgo:collaborator", other, sentence[at:other.end - sentence_start]))
                break
        for person in (m for m in in_sentence if m.kind == "person" and m.end <= event.start):
            if _SPOKE_AT.match(sentence[person.end - sentence_start:event.start - sentence_start]):  # "X spoke at the Forum"
                found.facts.append(DraftFact(event, "kgo:speaker", person, sentence[person.start - sentence_start:event.end - sentence_start]))
    if len(events) == 1:
        [event] = events.values()
        for person in (m for m in in_sentence if m.kind == "person"):
            role = _OPENED.search(sentence[event.end - sentence_start:person.start - sentence_start])
            if role and event.end <= person.start:
                at = event.end - sentence_start + role.start()
                found.facts.append(DraftFact(event, EVENT_ROLE_BY[role["role"]], person, sentence[at:person.end - sentence_start]))


# -- stated views ------------------------------------------------------------------------------------

_QUOTED = re.compile(r"[“\"](?P<words>[^”\"]{20,})[”\"]")
_PRONOUN_SAID = re.compile(r"^[,.]?\s*(?:he|she)\s+(?P<verb>\w+)", re.IGNORECASE)
_REPORTED = re.compile(r"^(?:,[^,]{3,120},)?\s+(?P<verb>\w+)\s+that\s+(?P<clause>.+)$")  # an apposition may come between
_AS_SAID = re.compile(r"^\s+(?P<verb>\w+),\s+(?P<clause>.+)$")  # "As Mr Norimasa Shimomura emphasized, the ..."
_AS_BEFORE = re.compile(r"^\s*As\s+(?:[A-Z][\w.]*\s+)?$")
_CLOSING_ONLY = re.compile(r"^(?P<words>[^“”\"]{20,})[”\"]")  # the sentencizer left the opening mark with the sentence before
ABOUT_KINDS = ("policy", "programme", "project", "topic")


def _views(text: str, sentences: list[tuple[int, str]], mentions: list[Mention], names: NamePatterns) -> list[View]:
    """Who said what: a quotation attributed to a named person ("“...”, he said" after the person's
    sentence), or reported speech ("X, Title of Org, noted that ...", "As Mr X emphasized, ..."),
    each with the policies and topics it names."""
    views = []
    people = [m for m in mentions if m.kind == "person"]
    for start, sentence in sentences:
        in_sentence = [m for m in mentions if start <= m.start and m.end <= start + len(sentence)]
        for person in (m for m in in_sentence if m.kind == "person"):
            reported = _REPORTED.match(sentence[person.end - start:])
            if not reported and _AS_BEFORE.match(sentence[:person.start - start]):
                reported = _AS_SAID.match(sentence[person.end - start:])
            if reported and reported["verb"].lower() in names.speech_verbs:
                clause_at = start + len(sentence) - len(reported["clause"])
                about = [m for m in in_sentence if m.kind in ABOUT_KINDS and m.start >= clause_at]
                said = sentence.rstrip(' "“')  # without an opening mark the sentencizer left at its end
                views.append(View(person, sentence[:reported.end("verb") + person.end - start].strip(), said, False,
                                  reported["clause"].rstrip(' "“'), about))
        for quoted in [*_QUOTED.finditer(sentence), *filter(None, [_CLOSING_ONLY.match(sentence)])]:
            after = sentence[quoted.end():]
            said = _PRONOUN_SAID.match(after)
            if not said or said["verb"].lower() not in names.speech_verbs:
                continue
            earlier = [p for p in people if p.end <= start]
            if not earlier:
                continue
            words_start = start + quoted.start("words")
            about = [m for m in mentions if m.kind in ABOUT_KINDS and words_start <= m.start < words_start + len(quoted["words"])]
            words = quoted["words"].strip().rstrip(",")
            views.append(View(earlier[-1], sentence[quoted.end():quoted.end() + said.end()].strip(" ,."), words, True, words, about))
    return views
