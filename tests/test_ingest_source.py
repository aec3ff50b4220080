"""`kg ingest`'s first stage: an article file to its text, its metadata as stated, and its page
furniture (graph/ingest/source.py, rules in patterns/furniture.yaml). The curated records are
the ground truth for the seed articles: the rules must find exactly the furniture they list."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from graph.corpus import read_index
from graph.ingest.source import (
    ENGLISH_FUNCTION_WORDS,
    LANGUAGE_MIN_WORDS,
    MAX_BYTES,
    MIN_FUNCTION_WORD_SHARE,
    MIN_LATIN_SHARE,
    SourceError,
    date_of_line,
    function_word_share,
    latin_share,
    read_source,
    source_files,
)
from graph.quotes import normalise
from tests.support.paths import CORPUS, RECORDS

SEEDS = {
    "000": "000_6a728bf7d395fcc2.txt",
    "001": "001_3cbba066ae2e4c25.txt",
    "002": "002_af4b8f91d62aa13d.txt",
    "003": "003_5275ec960448982b.txt",
    "004": "004_1eaac0052576f68d.txt",
}


def record_article(number: str) -> dict:
    path = next(RECORDS.glob(f"{number}-*.yaml"))
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))["article"]


def seed(number: str):
    return read_source(CORPUS / SEEDS[number])


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# ------------------------------------------------------------------------------------------------
# The seed articles: furniture, text kept exactly, metadata as stated
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", sorted(SEEDS))
def test_the_rules_find_exactly_the_furniture_the_curated_record_lists(number):
    source = seed(number)
    expected = record_article(number).get("furniture") or []
    assert [normalise(p) for p in source.furniture] == [normalise(p) for p in expected]
    for passage in source.furniture:
        assert passage in source.text  # verbatim, no-break spaces and all


def test_the_seed_furniture_lists_are_the_ones_the_brief_describes():
    assert seed("001").furniture == ("Share this article",)
    assert seed("002").furniture == ()
    assert len(seed("004").furniture) == 15
    assert seed("000").furniture[0] == "7293"


@pytest.mark.parametrize("number", sorted(SEEDS))
def test_the_text_is_kept_exactly_as_read(number):
    source = seed(number)
    path = CORPUS / SEEDS[number]
    assert source.kind == "text" and source.path == path
    assert source.text.encode("utf-8") == path.read_bytes()
    entries, _ = read_index(CORPUS)
    assert source.sha256 == entries[SEEDS[number]].sha256


def test_the_headlines_are_the_first_lines_of_000_002_003_004_and_001_has_none():
    first = {number: lines_of(seed(number).text)[0] for number in SEEDS}
    for number in ("000", "002"):
        title = seed(number).title
        assert title.value == record_article(number)["title"] and title.evidence == first[number]
        assert title.origin == "text"
    # 003: the first line, which the lead paragraph repeats; the curator kept its first clause
    title = seed("003").title
    assert title.evidence == first["003"] and title.value == first["003"].removesuffix(".")
    assert title.value.startswith(record_article("003")["title"])
    # 004: the headline line writes curly quotes, as the record's evidence does
    title = seed("004").title
    assert title.value == title.evidence == record_article("004")["evidence"]["title"]
    assert seed("001").title is None
    assert "no headline stated" in seed("001").notes


def test_the_dates_are_read_as_the_text_states_them():
    assert seed("001").published.value == "2020-12-10"
    assert seed("001").published.evidence == "2020, December 10"
    assert seed("003").published.value == "2016-01-28"
    assert seed("003").published.evidence == "Jan 28, 2016"
    for number in ("000", "002", "004"):
        assert seed(number).published is None
        assert "no publication date stated" in seed(number).notes


def test_the_byline_of_004_is_its_author_and_not_furniture():
    source = seed("004")
    assert source.author.value == "Adlet Seilkhanov" and source.author.evidence == "Adlet Seilkhanov"
    assert "Adlet Seilkhanov" not in source.furniture
    for number in ("000", "001", "002", "003"):
        assert seed(number).author is None


def test_plain_text_states_no_publisher_or_url_and_body_lines_are_never_furniture():
    source = seed("001")
    assert source.publisher is None and source.url is None
    contact = next(line for line in lines_of(source.text) if line.startswith("For more information"))
    assert not any(passage in contact for passage in source.furniture)
    for number in SEEDS:  # no sentence of a body paragraph is marked
        for passage in seed(number).furniture:
            assert not (len(passage) > 200 and passage.endswith("."))


def test_an_outlet_the_text_credits_is_its_publisher_with_the_phrase_as_evidence():
    source = seed("000")
    assert (source.publisher.value, source.publisher.origin) == ("DKnews.kz", "text")
    assert source.publisher.evidence == "DKnews.kz\xa0reports"  # verbatim: the page has a no-break space there
    assert source.publisher.evidence in source.text


def test_the_command_line_overrides_replace_what_was_read():
    source = read_source(CORPUS / SEEDS["003"], url="https://example.org/a", publisher="UNDP Kazakhstan",
                         published="2016-01-29")
    assert (source.url.value, source.url.evidence, source.url.origin) == ("https://example.org/a", None, "command line")
    assert source.publisher.value == "UNDP Kazakhstan" and source.publisher.origin == "command line"
    assert source.published.value == "2016-01-29" and source.published.origin == "command line"
    assert any("2016-01-28" in note for note in source.notes)
    assert read_source(CORPUS / SEEDS["004"], published="2019-02").published.value == "2019-02"
    for bad in ("28.01.2016", "2016-02-30", "2016-13", "yesterday"):
        with pytest.raises(SourceError, match=r"003_5275ec960448982b\.txt.*not an ISO date"):
            read_source(CORPUS / SEEDS["003"], published=bad)


# ------------------------------------------------------------------------------------------------
# Rules that generalise: an article of our own with furniture of the same kinds, other words
# ------------------------------------------------------------------------------------------------

OWN_ARTICLE = """Ministry of Finance opens a budget transparency portal for citizens
14 March 2023
You are at Ministry of Finance
Share this storyThe Ministry of Finance of the Republic of Kazakhstan has opened an online portal where citizens can follow how the national budget is planned and spent, the ministry said on Tuesday.
The portal publishes the draft budget, the reports of the Accounts Committee and the results of public hearings, and it will be updated every quarter, according to the ministry.
Photo: Ministry of Finance press service
12 345 views
"Transparency is the basis of trust between the state and its citizens," the vice minister said at the presentation in Astana.
The portal was developed with the support of the World Bank and is part of the programme to modernise public finance management that runs until 2025.
Aigerim Bekova
-
Akimat of Almaty presents its digital services -
New rules for public procurement come into force -
Civil servants to pass an ethics course online -
Regional budgets receive additional transfers -
© 2023 Ministry of Finance. All rights reserved.
"""

OWN_FURNITURE = [
    "You are at Ministry of Finance",
    "Share this story",
    "Photo: Ministry of Finance press service",
    "12 345 views",
    "Akimat of Almaty presents its digital services -",
    "New rules for public procurement come into force -",
    "Civil servants to pass an ethics course online -",
    "Regional budgets receive additional transfers -",
    "© 2023 Ministry of Finance. All rights reserved.",
]


def test_the_rules_generalise_to_an_article_they_were_not_written_for(tmp_path):
    path = tmp_path / "finance.txt"
    path.write_text(OWN_ARTICLE, encoding="utf-8")
    source = read_source(path)
    assert list(source.furniture) == OWN_FURNITURE
    assert all(passage in source.text for passage in source.furniture)
    assert source.title.value == "Ministry of Finance opens a budget transparency portal for citizens"
    assert source.published.value == "2023-03-14" and source.published.evidence == "14 March 2023"
    assert source.author.value == "Aigerim Bekova" and source.author.evidence == "Aigerim Bekova"
    assert "9 furniture passages marked" in source.notes


def test_a_headline_list_at_the_end_without_a_byline_and_site_navigation_lines(tmp_path):
    text = (
        "Astana Civil Service Hub holds a webinar on performance evaluation\n\n"
        "Posted on: 5 October 2021\n\n"
        "The Astana Civil Service Hub held a webinar on the performance evaluation of civil servants "
        "with experts from Georgia, Kyrgyzstan and Ukraine, the Hub said in a statement.\n\n"
        "Participants discussed how the results of evaluation should be linked to pay and promotion.\n\n"
        "OECD Around the world\n"
        "Go to OECD Global\n"
        "Related news\n"
        "Hub publishes its annual report -\n"
        "Georgia shares its experience of civil service reform -\n"
        "New members join the Hub -\n"
        "Webinar on ethics in public service\n"
    )
    path = tmp_path / "hub.txt"
    path.write_text(text, encoding="utf-8")
    source = read_source(path)
    assert list(source.furniture) == [
        "OECD Around the world", "Go to OECD Global", "Related news",
        "Hub publishes its annual report -", "Georgia shares its experience of civil service reform -",
        "New members join the Hub -", "Webinar on ethics in public service",
    ]
    assert source.published.value == "2021-10-05" and source.published.evidence == "Posted on: 5 October 2021"
    assert source.author is None


NO_FURNITURE = """Public councils to report on their work to citizens

By Dana Omarova

Public councils in every region will present a yearly report of their work to the citizens they represent, the Agency for Civil Service Affairs announced.
Civil service reform around the world
"You are at the centre of this reform," the chairman told the members of the councils at a meeting in Astana.
Go to any district and you will find a public council that works, he added.
The councils discussed the budget, the quality of public services and the results of 2022 -
three subjects that, according to the agency, matter most to citizens.
Shareholders of state companies must answer the councils' questions within a month, the new rules say.
Chester Newland
was among the experts the agency consulted on the rules.
For more information, please contact the Press Office of the Agency by email.
"""


def test_an_article_without_furniture_gets_none_and_its_short_body_lines_stay_content(tmp_path):
    path = tmp_path / "councils.txt"
    path.write_text(NO_FURNITURE, encoding="utf-8")
    source = read_source(path)
    assert source.furniture == ()
    assert "no furniture found" in source.notes
    assert source.title.value == "Public councils to report on their work to citizens"
    assert source.author.value == "Dana Omarova" and source.author.evidence == "By Dana Omarova"
    assert source.published is None


def test_line_endings_and_a_byte_order_mark_are_kept(tmp_path):
    path = tmp_path / "crlf.txt"
    raw = ("\ufeff" + OWN_ARTICLE.replace("\n", "\r\n")).encode("utf-8")
    path.write_bytes(raw)
    source = read_source(path)
    assert source.text.encode("utf-8") == raw
    assert list(source.furniture) == OWN_FURNITURE
    assert source.title.value.startswith("Ministry of Finance")


@pytest.mark.parametrize("line, iso", [
    ("2020, December 10", "2020-12-10"),
    ("Jan 28, 2016", "2016-01-28"),
    ("2019", "2019"),
    ("January 2016", "2016-01"),
    ("28.01.2016", "2016-01-28"),
    ("Monday, 28 January 2016", "2016-01-28"),
    ("28 January 2016, 14:05", "2016-01-28"),
    ("2016-01-28", "2016-01-28"),
    ("Published: Dec. 3, 2019", "2019-12-03"),
    ("28 January 2016 at 2:05 pm GMT+06:00", "2016-01-28"),
    ("June 2025 | 10:15", "2025-06"),  # a time gives no day
    ("Date: 2019", "2019"),
    ("Astana, 14 March 2024", "2024-03-14"),  # a dateline's city
    ("ALMATY – June 3, 2023", "2023-06-03"),
    ("Astana, the capital", None),
    ("Jan 28", None),          # no year: none is invented
    ("9-11 June 2025", None),  # a range is no one date
    ("12.06.2025 10:15", None),
    ("02.03.2016", None),      # day and month cannot be told apart
    ("7293", None),            # a view counter, not a year
    ("yesterday", None),
    ("On 13 February 2019, the session took place.", None),  # not only a date
])
def test_a_dateline_is_read_without_inventing_a_day_or_month(line, iso):
    assert date_of_line(line) == iso


# ------------------------------------------------------------------------------------------------
# Is it English?
# ------------------------------------------------------------------------------------------------

RUSSIAN = ("Агентство Республики Казахстан по делам государственной службы провело международную "
           "конференцию, посвящённую реформе государственной службы. В мероприятии приняли участие "
           "представители центральных государственных органов, международных организаций и "
           "академического сообщества.\n")
KAZAKH = ("Қазақстан Республикасы Мемлекеттік қызмет істері агенттігі мемлекеттік қызмет реформасына "
          "арналған халықаралық конференция өткізді. Іс-шараға орталық мемлекеттік органдардың, "
          "халықаралық ұйымдардың және академиялық қауымдастықтың өкілдері қатысты.\n")
GERMAN = ("Die Agentur der Republik Kasachstan für Angelegenheiten des öffentlichen Dienstes hat eine "
          "internationale Konferenz zur Reform des öffentlichen Dienstes ausgerichtet. An der Veranstaltung "
          "nahmen Vertreter der zentralen Regierungsbehörden, internationaler Organisationen und der "
          "akademischen Gemeinschaft teil. Die Teilnehmer erörterten Fragen der Leistungsorientierung, "
          "der Ethik und der Professionalisierung des Staatsapparats.\n")
FRENCH = ("L'Agence de la République du Kazakhstan pour les affaires de la fonction publique a organisé "
          "une conférence internationale consacrée à la réforme de la fonction publique. Des représentants "
          "des organes centraux de l'État, des organisations internationales et de la communauté "
          "universitaire ont pris part à cet événement.\n")


def test_the_language_measure_passes_the_seeds_and_fails_other_languages():
    assert {"the", "of", "and"} <= ENGLISH_FUNCTION_WORDS
    for number in SEEDS:
        text = seed(number).text
        share, words = function_word_share(text)
        assert latin_share(text) > 0.99 and share > 2 * MIN_FUNCTION_WORD_SHARE and words >= LANGUAGE_MIN_WORDS
    for text in (RUSSIAN, KAZAKH):
        assert latin_share(text) < MIN_LATIN_SHARE
    for text in (GERMAN, FRENCH):
        share, words = function_word_share(text)
        assert latin_share(text) > MIN_LATIN_SHARE and words >= LANGUAGE_MIN_WORDS
        assert share < MIN_FUNCTION_WORD_SHARE / 2


@pytest.mark.parametrize("name, text, why", [
    ("ru.txt", RUSSIAN, "Latin letters"),
    ("kk.txt", KAZAKH, "Latin letters"),
    ("de.txt", GERMAN, "common English words"),
    ("fr.txt", FRENCH, "common English words"),
])
def test_an_article_not_in_english_is_refused(tmp_path, name, text, why):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=rf"{name}: not in English \({why}"):
        read_source(path)


# ------------------------------------------------------------------------------------------------
# A saved web page
# ------------------------------------------------------------------------------------------------

HEADLINE = "International conference on the Kazakhstan model of civil service held in Astana"


def page_of_003(tmp_path: Path, body: str | None = None) -> tuple[Path, list[str]]:
    paragraphs = [line for line in lines_of((CORPUS / SEEDS["003"]).read_text(encoding="utf-8"))[2:]
                  if len(line) > 80]
    article = body if body is not None else (
        f"<article><h1>{HEADLINE}</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>")
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{HEADLINE} | UNDP in Kazakhstan</title>
<meta property="article:published_time" content="2016-01-28T09:30:00+06:00">
<meta property="og:site_name" content="UNDP in Kazakhstan">
<link rel="canonical" href="https://www.undp.org/kazakhstan/press-releases/civil-service-conference">
</head><body>
<nav><ul><li><a href="/">Homepage</a></li><li><a href="/procurement">Procurement notices</a></li>
<li><a href="/jobs">Vacancies</a></li><li><a href="/contacts">Contacts</a></li></ul></nav>
{article}
<aside><h2>Related stories</h2><ul><li><a href="/a">Solar panels light up schools in Kyzylorda</a></li>
<li><a href="/b">Aral Sea fishermen adopt new quotas</a></li><li><a href="/c">Youth volunteers plant saxaul forests</a></li></ul></aside>
<footer><p>Terms of use. Privacy policy. Copyright United Nations Development Programme.</p></footer>
</body></html>"""
    path = tmp_path / "undp.html"
    path.write_text(html, encoding="utf-8")
    return path, paragraphs


def test_a_saved_page_gives_its_article_paragraphs_and_the_markups_metadata(tmp_path):
    path, paragraphs = page_of_003(tmp_path)
    source = read_source(path)
    assert source.kind == "html"
    text = normalise(source.text)
    for paragraph in paragraphs:
        assert normalise(paragraph) in text
    for word in ("Homepage", "Procurement", "Vacancies", "Contacts", "Related stories", "Solar panels",
                 "Aral Sea", "saxaul", "Terms of use", "Privacy policy", "Copyright"):
        assert word not in source.text
    assert (source.title.value, source.title.evidence, source.title.origin) == (HEADLINE, HEADLINE, "text")
    assert (source.published.value, source.published.evidence, source.published.origin) == ("2016-01-28", None, "page")
    assert source.publisher.value == "UNDP in Kazakhstan" and source.publisher.origin == "page"
    assert source.url.value == "https://www.undp.org/kazakhstan/press-releases/civil-service-conference"
    assert source.furniture == ()
    assert any(note.startswith("metadata from the page's markup: ") and "published" in note for note in source.notes)
    assert source.sha256 and source.text.strip()


def test_furniture_inside_a_saved_pages_article_is_marked_by_the_same_rules(tmp_path):
    body = (f"<article><h1>{HEADLINE}</h1><p>Jan 28, 2016</p>"
            "<p>The Ministry of Civil Service Affairs hosted an international conference on the new model of "
            "civil service at Nazarbayev University, with government bodies and international organizations.</p>"
            "<p>Photo by: undp.org</p>"
            "<p>UNDP, being a long-term partner of the government of Kazakhstan, supported the conference and "
            "the reform of the civil service at all of its phases.</p></article>")
    source = read_source(page_of_003(tmp_path, body)[0])
    assert source.furniture == ("Photo by: undp.org",)
    assert source.published.value == "2016-01-28" and source.published.evidence == "Jan 28, 2016"
    assert source.published.origin == "text"


def test_a_page_recognised_by_its_content_whatever_its_name(tmp_path):
    path, _ = page_of_003(tmp_path)
    html = path.read_bytes()
    for name in ("article", "saved.txt"):
        (tmp_path / name).write_bytes(html)
        assert read_source(tmp_path / name).kind == "html"


# ------------------------------------------------------------------------------------------------
# Inputs that are not an article: one SourceError naming the file
# ------------------------------------------------------------------------------------------------

def test_empty_and_whitespace_only_files(tmp_path):
    for name, content in (("empty.txt", b""), ("blank.txt", b"  \n\t\n \r\n")):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(SourceError, match=rf"{name}: empty$"):
            read_source(path)


def test_binary_files(tmp_path):
    for name, content in (("nul.txt", b"Some text\x00\x01\x02 more text"), ("latin1.txt", "Caf\xe9 au lait".encode("latin-1")),
                          ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(SourceError, match=rf"{name}: not a text file \(binary content\)"):
            read_source(path)


def test_a_file_over_the_size_limit(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"word " * 1_200_000)  # 6 MB
    assert path.stat().st_size > MAX_BYTES
    with pytest.raises(SourceError, match=r"huge\.txt: 6,000,000 bytes, over the limit of 5,000,000"):
        read_source(path)


def test_a_page_with_no_article_text(tmp_path):
    path = tmp_path / "menu.html"
    path.write_text("<html><head><title>Ministry of Finance</title></head><body><nav><a href='/'>Home</a> "
                    "<a href='/news'>News</a></nav><footer>Contacts</footer></body></html>", encoding="utf-8")
    with pytest.raises(SourceError, match=r"menu\.html: no article text found in the page"):
        read_source(path)
    empty = tmp_path / "empty.html"
    empty.write_text("<!doctype html><html><body></body></html>", encoding="utf-8")
    with pytest.raises(SourceError, match=r"empty\.html: no article text found in the page"):
        read_source(empty)


def test_a_path_that_does_not_exist_or_is_a_folder(tmp_path):
    with pytest.raises(SourceError, match=r"missing\.txt: no such file"):
        read_source(tmp_path / "missing.txt")
    with pytest.raises(SourceError, match=rf"{tmp_path.name}: a folder, not a file"):
        read_source(tmp_path)


# ------------------------------------------------------------------------------------------------
# Which files
# ------------------------------------------------------------------------------------------------

def test_source_files_takes_files_as_given_and_the_articles_of_a_folder(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for name in ("b.html", "a.txt", "c.HTM", "notes.md", "index.tsv", "sub/d.txt"):
        (folder / name).write_text("x", encoding="utf-8")
    single = tmp_path / "page.xhtml"
    single.write_text("x", encoding="utf-8")
    other = tmp_path / "saved-page"
    other.write_text("x", encoding="utf-8")
    assert source_files([single, folder, other]) == [
        single, folder / "a.txt", folder / "b.html", folder / "c.HTM", other]
    assert source_files([CORPUS]) == [CORPUS / name for name in sorted(SEEDS.values())]
    assert source_files([folder / "a.txt", folder]) == [folder / "a.txt", folder / "b.html", folder / "c.HTM"]


def test_source_files_refuses_a_missing_path_and_a_folder_without_articles(tmp_path):
    with pytest.raises(SourceError, match=r"nowhere: no such file or folder"):
        source_files([tmp_path / "nowhere"])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.md").write_text("x", encoding="utf-8")
    with pytest.raises(SourceError, match=r"empty: no article files"):
        source_files([empty])
