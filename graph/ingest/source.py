"""An article file (plain text or a saved HTML page) to the text the draft quotes and the
metadata it states, with the page's furniture marked.

Plain text is kept exactly as read (quotes are checked verbatim against it). A saved page (an
.html/.htm/.xhtml file, or any file whose content opens with <!doctype html or <html) is reduced
to its article text by trafilatura (navigation, menus, related lists and footers in their own
elements are dropped; white space comes out normalised), and that text, which is what a draft
quotes and what `sha256` is of, is then read like plain text. Furniture is found
by the rules of `patterns/furniture.yaml` (data, documented there); the metadata the text states
(headline, dateline, byline) by the rules below, each kept with the line that states it.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ruamel.yaml import YAML

from graph.errors import KgError
from graph.quotes import normalise
from patterns import FURNITURE

TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MAX_BYTES = 5_000_000  # a news article is tens of kilobytes; anything this large is not one

# Is it English? Two shares, both simple to state and to check by hand:
# - Latin letters among all letters: Russian or Kazakh in Cyrillic has almost none (a seed with a
#   Cyrillic copyright line still has > 99%);
# - the most common English function words among all words: English prose has 30-45% of them,
#   German or French prose (Latin letters too) under 10%, since they share few of them.
# Below LANGUAGE_MIN_WORDS words the second share says little (a headline has no "the"), so
# only the first one is applied to such a short text.
MIN_LATIN_SHARE = 0.80
MIN_FUNCTION_WORD_SHARE = 0.15
LANGUAGE_MIN_WORDS = 20
ENGLISH_FUNCTION_WORDS = frozenset("""
the of and to in a is that for on with as by at from was are be it this an or which has have
were its their not but will been his her they he she we also than into about after who these
those can all our there had more would other such
""".split())

# A saved page must give at least this many words of article text: less is a page of links
# ("Home News") that trafilatura's fallback returned, not an article.
MIN_PAGE_ARTICLE_WORDS = 20

# A headline: the first line of the text that is neither furniture nor a dateline, under
# MAX_TITLE_CHARS, not ending with a full stop (or a comma, colon, semicolon), opening with a
# capital, a digit or a quote, of at least MIN_TITLE_WORDS words, and not a byline. A first line
# that the next paragraph repeats (as a whole, or as its opening: the lead repeating the headline)
# is the headline too, full stop and all, up to MAX_REPEATED_TITLE_CHARS.
MAX_TITLE_CHARS = 200
MAX_REPEATED_TITLE_CHARS = 300
MIN_TITLE_WORDS = 2
_TITLE_OPENING = re.compile(r"[\w\"'“‘«(]")
_TITLE_BAD_ENDING = (".", ",", ":", ";")

# A "By Name Name" byline counts among the first BYLINE_TOP_LINES lines of the text too.
BYLINE_TOP_LINES = 5

# A dateline: a line that is only a date (an optional label "Published:", "Posted on", "Date:"
# before it), in any common English form, with a year 1800-2099 written out. dateparser reads it
# (absolute forms only: no "yesterday", no timestamps) and the date is kept as precise as the
# line is: "2019" -> 2019, "January 2016" -> 2016-01, "Jan 28, 2016" -> 2016-01-28. An all-numeric
# date whose day and month could be swapped (02.03.2016) states no date that can be trusted.
MAX_DATE_LINE_CHARS = 60
_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
           r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_WEEKDAYS = r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
_TIME_OF_DAY = (r"(?:at\s+)?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s*(?:gmt|utc))?"
                r"(?:\s*[+-]\d{2}:?\d{2})?")
_DATE_TOKEN = (rf"(?:{_TIME_OF_DAY}|\d{{1,4}}(?:st|nd|rd|th)?|(?:{_MONTHS})\.?|(?:{_WEEKDAYS})\.?|of|gmt|utc)")
_DATE_LINE = re.compile(rf"(?P<label>(?:published|posted|date)(?:\s+on)?\s*:?\s*)?"
                        rf"(?P<place>(?!(?:{_MONTHS})\b)[A-Z][A-Za-z .'-]{{1,30}}?\s*[,–—]\s+)?"  # a dateline's city: "Astana, 14 March 2024"
                        rf"(?P<date>{_DATE_TOKEN}(?:[\s,./|\-–—]+{_DATE_TOKEN})*)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_ISO_DATE = re.compile(r"(?<!\d)\d{4}[./-]\d{1,2}[./-]\d{1,2}(?!\d)")
_NUMERIC_MONTH = re.compile(r"(?<!\d)(?:\d{4}[./-]\d{1,2}|\d{1,2}[./-]\d{4})(?!\d)")
_MONTH_NAME = re.compile(rf"\b(?:{_MONTHS})\b", re.IGNORECASE)
_TIME = re.compile(rf"{_TIME_OF_DAY}|\b(?:gmt|utc)\b", re.IGNORECASE)
_DATE_SETTINGS = {
    "PARSERS": ["custom-formats", "absolute-time"],
    "REQUIRE_PARTS": ["year"],
    "RETURN_TIME_AS_PERIOD": True,
    "PREFER_DAY_OF_MONTH": "first",
}

_WHITESPACE = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_ALNUM = re.compile(r"[^\W_]")


class SourceError(KgError):
    """An input `kg ingest` cannot read as an article: one line saying which file and why."""


@dataclass(frozen=True)
class Stated:
    """A metadata value with where it comes from: `evidence` is the line of the text that states
    it (quotable), None when it comes from the page's markup or the command line (`origin`)."""

    value: str
    evidence: str | None
    origin: str  # "text", "page" (HTML markup), or "command line"


@dataclass(frozen=True)
class Source:
    path: Path
    kind: str  # "text" or "html"
    text: str  # exactly what the draft's quotes are taken from (for HTML: the page as text)
    sha256: str  # of `text` encoded as UTF-8: what corpus/index.tsv records
    furniture: tuple[str, ...] = ()  # verbatim passages of `text` that are page furniture
    title: Stated | None = None
    published: Stated | None = None  # value: an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)
    publisher: Stated | None = None
    author: Stated | None = None
    url: Stated | None = None
    notes: tuple[str, ...] = field(default=())  # what the reader noticed (furniture removed, no date...)


# ------------------------------------------------------------------------------------------------
# Reading a file
# ------------------------------------------------------------------------------------------------

def read_source(path: Path, url: str | None = None, publisher: str | None = None,
                published: str | None = None) -> Source:
    """The article in `path`; the three overrides replace what the page says. Raises SourceError."""
    path = Path(path)
    override = _iso_date(path, published) if published is not None else None
    raw = _read_bytes(path)
    if _is_html(path, raw):
        kind, text, page = "html", *_page_text(path, raw)
    else:
        kind, text, page = "text", _decode(path, raw), _Page()
    if not text.replace("\ufeff", "").strip():
        raise SourceError(f"{path}: empty")
    _check_english(path, text)

    lines = _lines(text)
    rules = furniture_rules()
    furniture, whole, glued = _furniture(lines, rules)
    content = [line for line in lines if line.norm and line.index not in whole]
    date_line, date_value = _dateline(content, glued)
    notes: list[str] = []

    stated_title = _title(content, glued, date_line, rules)
    stated_published = Stated(date_value, date_line.raw, "text") if date_line is not None else None
    stated_author = _author(content, rules)
    credited = _publisher_credit(content, rules)
    stated_publisher = stated_url = None
    if kind == "html":
        stated_title, stated_published, stated_author, stated_publisher, stated_url = _with_page(
            page, (stated_title, stated_published, stated_author), lines, whole, notes)
    stated_publisher = stated_publisher or credited

    count = len(furniture)
    notes.append(f"{count} furniture passage{'s' if count != 1 else ''} marked" if count else "no furniture found")
    if url is not None:
        stated_url = _override("url", url, stated_url, notes)
    if publisher is not None:
        stated_publisher = _override("publisher", publisher, stated_publisher, notes)
    if override is not None:
        stated_published = _override("published", override, stated_published, notes)
    for name, stated in (("headline", stated_title), ("publication date", stated_published),
                         ("author", stated_author), ("publisher", stated_publisher), ("URL", stated_url)):
        if stated is None:
            notes.append(f"no {name} stated")

    return Source(path=path, kind=kind, text=text, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                  furniture=furniture, title=stated_title, published=stated_published,
                  publisher=stated_publisher, author=stated_author, url=stated_url, notes=tuple(notes))


def source_files(paths: list[Path]) -> list[Path]:
    """The files to ingest: each file given, and the .txt/.html files of each folder given
    (sorted, not recursive). Raises SourceError for a path that does not exist or a folder with none."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.iterdir()
                            if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES + HTML_SUFFIXES)
            if not inside:
                raise SourceError(f"{path}: no article files ({', '.join(TEXT_SUFFIXES + HTML_SUFFIXES)}) in this folder")
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            raise SourceError(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise SourceError(f"{path}: a folder, not a file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SourceError(f"{path}: {size:,} bytes, over the limit of {MAX_BYTES:,} (an article is tens of kilobytes)")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from None
    if len(raw) > MAX_BYTES:  # grew since stat
        raise SourceError(f"{path}: {len(raw):,} bytes, over the limit of {MAX_BYTES:,} (an article is tens of kilobytes)")
    if b"\x00" in raw:
        raise SourceError(f"{path}: not a text file (binary content)")
    return raw


def _decode(path: Path, raw: bytes) -> str:
    """UTF-8, kept as it is (a byte-order mark too, so that the text's hash is the file's)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not a text file (binary content)") from None


def _is_html(path: Path, raw: bytes) -> bool:
    if path.suffix.lower() in HTML_SUFFIXES:
        return True
    head = raw[:1024].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


@dataclass(frozen=True)
class _Page:
    """What a page's markup says about its article (trafilatura's reading)."""

    title: str | None = None
    date: str | None = None
    author: str | None = None
    sitename: str | None = None
    url: str | None = None


def _page_text(path: Path, raw: bytes) -> tuple[str, _Page]:
    import trafilatura  # imported here: slow to load, and only pages need it

    try:
        document = trafilatura.bare_extraction(
            raw, with_metadata=True, include_comments=False, include_images=False, include_links=False,
            date_extraction_params={"extensive_search": False, "original_date": True})
    except Exception as error:  # any failure of the extractor is the page's
        raise SourceError(f"{path}: the page could not be read ({error})") from None
    text = (getattr(document, "text", None) or "").strip() if document is not None else ""
    if len(_WORD.findall(text)) < MIN_PAGE_ARTICLE_WORDS:
        raise SourceError(f"{path}: no article text found in the page")

    def value(name: str) -> str | None:
        found = getattr(document, name, None)
        return normalise(str(found)) or None if found else None

    date = value("date")
    if date is not None:
        try:
            date = datetime.date.fromisoformat(date[:10]).isoformat()
        except ValueError:
            date = None
    return text, _Page(title=value("title"), date=date, author=value("author"),
                       sitename=value("sitename"), url=value("url"))


def _check_english(path: Path, text: str) -> None:
    letters = len(_LETTER.findall(text))
    if not letters:
        raise SourceError(f"{path}: not in English (no letters)")
    latin = len(_LATIN_LETTER.findall(text)) / letters
    if latin < MIN_LATIN_SHARE:
        raise SourceError(f"{path}: not in English (Latin letters {latin:.0%} of the letters, "
                          f"under {MIN_LATIN_SHARE:.0%})")
    share, words = function_word_share(text)
    if words >= LANGUAGE_MIN_WORDS and share < MIN_FUNCTION_WORD_SHARE:
        raise SourceError(f"{path}: not in English (common English words {share:.0%} of the words, "
                          f"under {MIN_FUNCTION_WORD_SHARE:.0%})")


def latin_share(text: str) -> float:
    """Latin letters among all the letters of `text` (0 when it has none)."""
    letters = len(_LETTER.findall(text))
    return len(_LATIN_LETTER.findall(text)) / letters if letters else 0.0


def function_word_share(text: str) -> tuple[float, int]:
    """The share of ENGLISH_FUNCTION_WORDS among the words of `text`, and the number of words."""
    words = [word.lower() for word in _WORD.findall(text)]
    if not words:
        return 0.0, 0
    return sum(word in ENGLISH_FUNCTION_WORDS for word in words) / len(words), len(words)


def _iso_date(path: Path, value: str) -> str:
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return text
        if re.fullmatch(r"\d{4}-\d{2}", text):
            datetime.date.fromisoformat(text + "-01")
            return text
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise SourceError(f"{path}: published date {value!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)")


def _override(name: str, value: str, read: Stated | None, notes: list[str]) -> Stated:
    if read is not None and read.value != value:
        notes.append(f"{name} {value} given on the command line replaces {read.value} ({read.origin})")
    return Stated(value, None, "command line")


def _with_page(page: _Page, from_text: tuple[Stated | None, Stated | None, Stated | None], lines: list[_Line],
               whole: set[int], notes: list[str]) -> tuple[Stated | None, ...]:
    """Title, published, author, publisher and URL of a saved page: the markup's, with the line
    of the text that states each; the text's own reading where the markup says nothing."""
    given = {"title": page.title, "published": page.date, "author": page.author,
             "publisher": page.sitename, "url": page.url}
    read = dict(zip(given, (*from_text, None, None)))
    notes.append("article text extracted from the page (navigation, menus and footers dropped)")
    stated = {name: _from_page(name, given[name], read[name], lines, whole, notes) for name in given}
    from_page = [name for name, value in stated.items() if value is not None and value.origin == "page"]
    confirmed = [name for name, value in stated.items()
                 if value is not None and value.origin == "text" and given[name] is not None
                 and _same(name, value.value, given[name])]
    if from_page:
        notes.append(f"metadata from the page's markup: {', '.join(from_page)}")
    if confirmed:
        notes.append(f"the page's markup and the text agree on: {', '.join(confirmed)}")
    return tuple(stated.values())


def _from_page(name: str, value: str | None, from_text: Stated | None, lines: list[_Line],
               whole: set[int], notes: list[str]) -> Stated | None:
    """The markup's value, with the line of the text that states it when one does (then it is
    the text's); the text's own reading when the markup has none or no line states its value."""
    if value is None:
        return from_text
    if from_text is not None and _same(name, from_text.value, value):
        return from_text
    wanted = normalise(value).casefold()
    for line in lines:
        if line.norm and line.index not in whole:
            said = line.norm.casefold()
            if said == wanted or (name == "author" and said == f"by {wanted}"):
                return Stated(value, line.raw, "text")
    if from_text is not None:
        notes.append(f"the page's markup gives {name} {value!r}; the text states {from_text.value!r}, which is kept")
        return from_text
    return Stated(value, None, "page")


def _same(name: str, read: str, page: str) -> bool:
    if name == "published":
        return page.startswith(read) or read.startswith(page)
    return normalise(read).casefold() == normalise(page).casefold()


# ------------------------------------------------------------------------------------------------
# Lines and furniture
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Line:
    index: int
    raw: str  # the line trimmed, verbatim
    norm: str  # no-break spaces made spaces, white space runs made one space


def _lines(text: str) -> list[_Line]:
    return [_Line(i, line.strip().lstrip("\ufeff").strip(), normalise(line.replace("\ufeff", "")))
            for i, line in enumerate(_LINE_BREAK.split(text))]


@dataclass(frozen=True)
class _LineRule:
    name: str
    pattern: re.Pattern
    max_chars: int | None = None


@dataclass(frozen=True)
class FurnitureRules:
    """patterns/furniture.yaml, compiled."""

    lines: tuple[_LineRule, ...]
    glued: tuple[_LineRule, ...]
    list_item: re.Pattern
    list_separator: re.Pattern
    list_min_items: int
    list_max_chars: int
    byline_prefix: re.Pattern
    byline_words: tuple[int, int]
    byline_max_chars: int
    not_names: frozenset[str]
    publisher_credit: re.Pattern


@lru_cache(maxsize=4)
def furniture_rules(path: Path = FURNITURE) -> FurnitureRules:
    """The furniture rules of `path` (patterns/furniture.yaml by default)."""
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))

        def rule(node: dict) -> _LineRule:
            flags = 0 if node.get("case") else re.IGNORECASE
            return _LineRule(node["rule"], re.compile(node["pattern"], flags), node.get("max_chars"))

        listing, byline = data["headline_list"], data["byline"]
        return FurnitureRules(
            lines=tuple(rule(node) for node in data["lines"]),
            glued=tuple(rule(node) for node in data.get("glued") or ()),
            list_item=re.compile(listing["item"]),
            list_separator=re.compile(listing["separator"]),
            list_min_items=int(listing["min_items"]),
            list_max_chars=int(listing["max_chars"]),
            byline_prefix=re.compile(byline["prefix"]),
            byline_words=(int(byline["min_words"]), int(byline["max_words"])),
            byline_max_chars=int(byline["max_chars"]),
            not_names=frozenset(byline.get("not_names") or ()),
            publisher_credit=re.compile(data["publisher_credit"]),
        )
    except (OSError, KeyError, TypeError, ValueError, re.error) as error:
        raise KgError(f"{path}: the furniture rules cannot be read ({error})") from None


def _furniture(lines: list[_Line], rules: FurnitureRules) -> tuple[tuple[str, ...], set[int], dict[int, str]]:
    """The furniture passages in text order, the lines that are furniture as a whole, and the
    lines with a furniture passage glued to their start (line -> passage)."""
    whole: set[int] = set()
    glued: dict[int, str] = {}
    for line in lines:
        if not line.norm:
            continue
        if any((r.max_chars is None or len(line.norm) <= r.max_chars) and r.pattern.fullmatch(line.norm)
               for r in rules.lines):
            whole.add(line.index)
            continue
        for r in rules.glued:
            match = r.pattern.match(line.norm)
            if match and match.end() < len(line.norm):
                glued[line.index] = _raw_prefix(line.raw, match.group(0))
                break
    filled = [line for line in lines if line.norm]
    runs = _headline_runs(filled, rules)
    in_run = {line.index for run in runs for line in run}
    for run in runs:
        whole.update(line.index for line in run)
        following = [line for line in filled if line.index > run[-1].index]
        if following:
            last = following[0]
            rest = following[1:]
            if (len(last.norm) <= rules.list_max_chars and not last.norm.endswith(".")
                    and all(line.index in whole for line in rest)):
                whole.add(last.index)
    for position, line in enumerate(filled[:-1]):
        if line.index not in whole and _byline_name(line.norm, rules) and filled[position + 1].index in in_run:
            whole.update(after.index for after in filled[position + 1:])
            glued = {i: p for i, p in glued.items() if i <= line.index}
            break
    passages: list[str] = []
    for line in lines:
        if line.index in whole:
            passages.append(line.raw)
        elif line.index in glued:
            passages.append(glued[line.index])
    kept = tuple(dict.fromkeys(p for p in passages if _ALNUM.search(p)))
    return kept, whole, glued


def _raw_prefix(raw: str, matched: str) -> str:
    """The start of `raw` that reads as `matched` once white space is normalised."""
    for end in range(len(matched), min(len(raw), 2 * len(matched) + 16) + 1):  # a few spaces more at most
        if normalise(raw[:end]) == matched:
            return raw[:end]
    return matched


def _headline_runs(filled: list[_Line], rules: FurnitureRules) -> list[list[_Line]]:
    runs: list[list[_Line]] = []
    current: list[_Line] = []

    def close() -> None:
        items = sum(1 for line in current if rules.list_item.fullmatch(line.norm))
        if items >= rules.list_min_items:
            runs.append(list(current))
        current.clear()

    for line in filled:
        short = len(line.norm) <= rules.list_max_chars
        if short and (rules.list_item.fullmatch(line.norm) or rules.list_separator.fullmatch(line.norm)):
            current.append(line)
        else:
            close()
    close()
    return runs


def _byline_name(norm: str, rules: FurnitureRules) -> str | None:
    """The name a byline-like line gives ("By Adlet Seilkhanov" -> "Adlet Seilkhanov"), else None."""
    if len(norm) > rules.byline_max_chars:
        return None
    prefix = rules.byline_prefix.match(norm)
    name = norm[prefix.end():] if prefix else norm
    words = name.split(" ")
    low, high = rules.byline_words
    names = [w for w in words if not re.fullmatch(r"[^\W\d_]\.", w)]  # a middle initial "A." is no word
    if not low <= len(names) <= high or not words[0] in names or not words[-1] in names:
        return None
    for word in names:
        if not (word[0].isupper() and re.fullmatch(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*", word)):
            return None
        if word in rules.not_names or word.isupper():
            return None
    return name


# ------------------------------------------------------------------------------------------------
# What the text states: headline, dateline, byline
# ------------------------------------------------------------------------------------------------

def _body(line: _Line, glued: dict[int, str]) -> str:
    """The line's words that are not furniture."""
    if line.index in glued:
        return normalise(line.raw[len(glued[line.index]):])
    return line.norm


def _dateline(content: list[_Line], glued: dict[int, str]) -> tuple[_Line | None, str | None]:
    for line in content:
        if line.index in glued:
            continue
        value = date_of_line(line.norm)
        if value is not None:
            return line, value
    return None, None


def date_of_line(norm: str) -> str | None:
    """The ISO date (YYYY, YYYY-MM or YYYY-MM-DD) a line that is only a date states, else None.

    The precision is what the line writes: a day number, a month (by name or number), one year;
    a line with a second year, or more numbers than a date has (a range "9-11 June 2025"), or a
    day and month that could be swapped (02.03.2016) states no date."""
    if len(norm) > MAX_DATE_LINE_CHARS:
        return None
    match = _DATE_LINE.fullmatch(norm)
    if not match:
        return None
    date = _WHITESPACE.sub(" ", _TIME.sub(" ", match.group("date"))).strip(" ,|-–—")
    numbers = re.findall(r"\d+", date)
    years = _YEAR.findall(date)
    if len(years) != 1:
        return None
    others = [n for n in numbers if n != years[0]]
    numeric = _NUMERIC_DATE.search(date)
    if numeric or _ISO_DATE.search(date):
        if len(numbers) != 3:
            return None
        if numeric and int(numeric.group(1)) <= 12 and int(numeric.group(2)) <= 12 and numeric.group(1) != numeric.group(2):
            return None  # 02.03.2016: day and month cannot be told apart
        precision = "day"
    elif _NUMERIC_MONTH.search(date):
        if len(numbers) != 2:
            return None
        precision = "month"
    elif months := _MONTH_NAME.findall(date):
        if len(months) != 1 or len(others) > 1 or (others and not 1 <= int(others[0]) <= 31):
            return None
        precision = "day" if others else "month"
    else:
        if others:
            return None
        precision = "year"
    parsed = _date_parser().get_date_data(date)
    if parsed.date_obj is None or str(parsed.date_obj.year) != years[0]:
        return None
    ranks = {"year": 0, "month": 1, "day": 2, "time": 2}
    precision = min(precision, parsed.period or "year", key=ranks.__getitem__)
    if precision == "year":
        return years[0]
    if precision == "month":
        return parsed.date_obj.strftime("%Y-%m")
    return parsed.date_obj.date().isoformat()


@lru_cache(maxsize=1)
def _date_parser():
    from dateparser.date import DateDataParser  # slow to load: only when a line may be a date

    return DateDataParser(languages=["en"], settings=_DATE_SETTINGS)


def _title(content: list[_Line], glued: dict[int, str], date_line: _Line | None,
           rules: FurnitureRules) -> Stated | None:
    candidates = [line for line in content if date_line is None or line.index != date_line.index]
    if not candidates:
        return None
    first = candidates[0]
    said = _body(first, glued)
    following = _body(candidates[1], glued) if len(candidates) > 1 else ""
    evidence = first.raw if first.index not in glued else first.raw[len(glued[first.index]):].strip()
    if said and following.startswith(said) and len(said) <= MAX_REPEATED_TITLE_CHARS:
        return Stated(said.removesuffix("."), evidence, "text")
    if _looks_like_headline(said, rules):
        return Stated(said, evidence, "text")
    return None


def _looks_like_headline(said: str, rules: FurnitureRules) -> bool:
    return (0 < len(said) <= MAX_TITLE_CHARS and not said.endswith(_TITLE_BAD_ENDING)
            and bool(_TITLE_OPENING.match(said)) and not said[0].islower()
            and len(_WORD.findall(said)) >= MIN_TITLE_WORDS
            and date_of_line(said) is None and _byline_name(said, rules) is None)


def _publisher_credit(content: list[_Line], rules: FurnitureRules) -> Stated | None:
    """The outlet the text credits ("DKnews.kz reports"), with that phrase as its evidence."""
    for line in content:
        match = rules.publisher_credit.search(line.raw)
        if match:
            outlet = match["outlet"] or match["named"]
            return Stated(outlet, match.group(0)[match.group(0).index(outlet):].rstrip("."), "text")
    return None


def _author(content: list[_Line], rules: FurnitureRules) -> Stated | None:
    """A "By Name" line near the top, or a byline-like line as the article's last line (the
    rest of the text, if any, furniture)."""
    for line in content[:BYLINE_TOP_LINES]:
        prefix = rules.byline_prefix.match(line.norm)
        name = _byline_name(line.norm, rules)
        if prefix and name:
            return Stated(name, line.raw, "text")
    if content:
        last = content[-1]
        name = _byline_name(last.norm, rules)
        if name and len(content) > 1:
            return Stated(name, last.raw, "text")
    return None
