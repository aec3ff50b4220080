"""The pages as a person sees them: Debian's Chromium, driven by Playwright for Python (pointed at
/usr/bin/chromium: Playwright's own browser download cannot work here), against a real `kg serve`
whose base IRI is its own 127.0.0.1 address. For every page kind at 1280 and 390 px wide: it
loads, nothing is requested from anywhere but 127.0.0.1, no script error, no horizontal
scrolling, and an axe-core audit (tests/support/axe) finds no serious or critical violation;
a screenshot of each is written to KG_SCREENSHOTS (default ./screenshots). Then what the pages do:
the header's search box suggests and opens an entity, an error page keeps the query.

.ci/run installs Chromium when it is missing; where it cannot be installed these tests are
skipped with the reason (and a CI run, in which nothing may be skipped, fails)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

from graph.build import build
from graph.config import Sources
from graph.namespaces import Namespaces
from tests.support.paths import CORPUS, PROJECT_ROOT, RECORDS

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parents[1] / "support" / "axe" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("KG_SCREENSHOTS", "screenshots"))
WIDTHS = (1280, 390)
RESULTS = "SELECT ?event ?label WHERE { ?event a kgo:Event ; rdfs:label ?label } ORDER BY ?label LIMIT 20"
PAGES = {
    "home": "/",
    "person": "/id/person/colin-knox",
    "organization": "/id/organization/astana-civil-service-hub",
    "event": "/id/event/world-government-summit-2019",
    "place": "/id/place/kazakhstan",
    "search": "/search?q=academy",
    "query-editor": "/query",
    "query-shared": f"/query?query={quote(RESULTS)}",
    "query-results": f"/sparql?format=html&query={quote(RESULTS)}",
    "query-error": f"/sparql?query={quote('SELECT ?s WHERE { ?s ?p }')}",
    "not-found": "/id/person/nobody-at-all",
    "ontology": "/ontology",
    "void": "/.well-known/void",
    "docs": "/docs",
    "redoc": "/redoc",
}
THIRD_PARTY = {"docs", "redoc"}  # Swagger UI's and ReDoc's own markup: loaded offline, not audited as ours
ERRORS = {"query-error": 400, "not-found": 404}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> str:
    """A `kg serve` whose base IRI is the address it listens on, over a fresh build."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    data = tmp_path_factory.mktemp("browser") / "data"
    build(Sources(RECORDS, CORPUS), Namespaces(url), data)
    log = (data.parent / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--port", str(port)], cwd=PROJECT_ROOT,
                               env={**os.environ, "KG_DATA_DIR": str(data), "KG_BASE_IRI": url}, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline and process.poll() is None, (data.parent / "serve.log").read_text()
        time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; .ci/run does it): "
                    "the browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Visit:
    """A page opened at one width, with what it asked from outside and what went wrong in it."""

    def __init__(self, browser, site: str, width: int):
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        host = urlsplit(site).hostname

        def only_here(route):
            if urlsplit(route.request.url).hostname == host:
                route.continue_()
            else:
                self.outside.append(route.request.url)
                route.abort()

        self.page.route("**/*", only_here)

    def open(self, url: str):
        response = self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        return response

    def horizontal_overflow(self) -> int:
        return self.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")

    def serious_violations(self) -> list[str]:
        self.page.add_script_tag(path=str(AXE))
        found = self.page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
        return [f"{v['id']} ({v['impact']}): {v['help']}: {[n['target'] for n in v['nodes']][:3]}"
                for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_each_page_kind_in_chromium(browser, site, name, width):
    visit = Visit(browser, site, width)
    response = visit.open(site + PAGES[name])
    assert response.status == ERRORS.get(name, 200), name
    assert response.headers["content-type"].startswith("text/html")
    assert visit.outside == [], f"{name} asked outside 127.0.0.1: {visit.outside}"
    expected = [e for e in visit.errors if "Failed to load resource" in e and name in ERRORS]  # the page's own status
    assert [e for e in visit.errors if e not in expected] == [], f"{name} at {width} px: {visit.errors}"
    assert visit.horizontal_overflow() <= 0, f"{name} scrolls sideways at {width} px"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    if name not in THIRD_PARTY:
        assert visit.serious_violations() == [], f"{name} at {width} px"
    visit.page.close()


def test_the_header_search_box_suggests_names_and_opens_the_one_chosen(browser, site):
    visit = Visit(browser, site, 1280)
    visit.open(site + "/")
    visit.page.fill("#site-q", "knox")
    visit.page.wait_for_selector("#site-q-list li")
    assert "Colin Knox" in visit.page.inner_text("#site-q-list")
    visit.page.keyboard.press("ArrowDown")
    visit.page.keyboard.press("Enter")
    visit.page.wait_for_url("**/id/person/colin-knox")
    assert visit.page.inner_text("h1") == "Colin Knox" and visit.errors == []


def test_a_query_error_page_keeps_the_query_and_runs_it_again_mended(browser, site):
    visit = Visit(browser, site, 1280)
    visit.open(site + PAGES["query-error"])
    assert visit.page.input_value("#query") == "SELECT ?s WHERE { ?s ?p }"
    visit.page.fill("#query", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3")
    visit.page.click("button[type=submit]")
    visit.page.wait_for_load_state("networkidle")
    assert visit.page.locator("table tr").count() == 4  # the header and three rows


def test_the_relation_picture_of_the_most_connected_entity_is_capped_and_its_nodes_open_pages(browser, site):
    visit = Visit(browser, site, 1280)
    visit.open(site + PAGES["place"])
    nodes = visit.page.locator(".relations-picture a.node")
    listed = visit.page.locator("#connections-list li").count()
    assert 0 < nodes.count() <= 20 and listed >= nodes.count()
    if listed > nodes.count():
        assert visit.page.locator(".relations-picture a.more").count() == 1
    target = nodes.first.get_attribute("href")
    nodes.first.click()
    visit.page.wait_for_url(target)
    assert visit.page.locator("h1").count() == 1 and visit.errors == []


def test_the_home_timeline_draws_every_dated_event_and_lists_the_undated_apart(browser, site):
    visit = Visit(browser, site, 1280)
    visit.open(site + "/")
    drawn = visit.page.locator(".timeline-picture a").count()
    assert drawn == visit.page.locator("section.timeline ol.events li").count() > 0
    assert visit.page.locator("section.timeline h3").inner_text().startswith("Not dated by the articles")


def _editor(browser, site: str, path: str = "/query") -> Visit:
    visit = Visit(browser, site, 1280)
    visit.open(site + path)
    visit.page.wait_for_selector(".yasqe .CodeMirror")
    return visit


def _type_query(visit: Visit, query: str) -> None:
    visit.page.evaluate("text => document.querySelector('.yasqe .CodeMirror').CodeMirror.setValue(text)", query)


def _run_with_ctrl_enter(visit: Visit) -> None:
    visit.page.evaluate("document.querySelector('.yasqe .CodeMirror').CodeMirror.focus()")
    visit.page.keyboard.press("Control+Enter")


def test_the_editor_runs_an_example_with_ctrl_enter_into_a_sortable_table_of_entity_links(browser, site):
    visit = _editor(browser, site)
    visit.page.locator("li", has=visit.page.locator("summary", has_text="dated event")).locator("button.load-example").click()
    assert "ORDER BY ?start" in visit.page.evaluate("document.querySelector('.yasqe .CodeMirror').CodeMirror.getValue()")
    _run_with_ctrl_enter(visit)
    rows = visit.page.locator(".yasr table.dataTable tbody tr")
    visit.page.wait_for_function("() => (document.querySelector('.yasr .dt-info') || {}).innerText?.includes(' of ')")
    assert rows.count() > 1
    assert visit.page.locator(f".yasr table.dataTable tbody a[href^='{site}/id/event/']").count() > 0
    header = visit.page.locator(".yasr table.dataTable thead th").nth(1)
    first_before = rows.first.inner_text()
    header.click()  # DataTables sorts by the column: the query's own order (by ?start) first, then reversed
    header.click()
    visit.page.wait_for_function("before => document.querySelector('.yasr table.dataTable tbody tr').innerText !== before", arg=first_before)
    assert "query=" in visit.page.url and visit.errors == []


def test_the_editor_marks_a_syntax_error_on_its_line_and_shows_the_endpoints_message(browser, site):
    visit = _editor(browser, site)
    _type_query(visit, "SELECT ?s WHERE {\n  ?s ?p\n}")
    marker = visit.page.locator(".CodeMirror-gutter-wrapper .parseErrorIcon")
    marker.wait_for()
    assert marker.count() == 1
    line = visit.page.locator(".CodeMirror-code > div", has=marker).locator(".CodeMirror-linenumber").inner_text()
    assert line == "3"  # the parser expects an object where "}" stands
    _run_with_ctrl_enter(visit)
    error = visit.page.locator(".yasr .errorResult")
    error.wait_for()
    assert "line 3" in error.inner_text() or "3:" in error.inner_text(), error.inner_text()


def test_the_editor_completes_our_own_properties_and_prefixes(browser, site):
    visit = _editor(browser, site)
    _type_query(visit, "PREFIX kgo: <%s/ontology#>\nSELECT * WHERE { ?post kgo:hold" % site)
    visit.page.evaluate("() => { const cm = document.querySelector('.yasqe .CodeMirror').CodeMirror; cm.focus(); cm.setCursor(cm.lineCount(), 0); }")
    visit.page.keyboard.press("Control+Space")
    hints = visit.page.locator(".CodeMirror-hints li")
    hints.first.wait_for()
    assert "kgo:holder" in hints.all_inner_texts()
    _type_query(visit, "PREFIX kg")
    visit.page.evaluate("() => { const cm = document.querySelector('.yasqe .CodeMirror').CodeMirror; cm.focus(); cm.setCursor(0, 9); }")
    visit.page.keyboard.press("Control+Space")
    visit.page.locator(".CodeMirror-hints li").first.wait_for()
    assert any(h.startswith("kgo: <") for h in visit.page.locator(".CodeMirror-hints li").all_inner_texts())
    assert visit.outside == [] and visit.errors == []


def test_the_editor_downloads_csv_and_a_shared_link_reopens_the_query(browser, site):
    query = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?label WHERE { ?s rdfs:label ?label } ORDER BY ?label LIMIT 5"
    visit = _editor(browser, site, f"/query?query={quote(query)}")
    assert visit.page.evaluate("document.querySelector('.yasqe .CodeMirror').CodeMirror.getValue()") == query
    with visit.page.expect_download() as download:
        visit.page.locator("#downloads a", has_text="CSV").click()
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines[0] == "label" and len(lines) == 6
    formats = visit.page.locator("#downloads a").all_inner_texts()
    assert formats == ["JSON", "XML", "CSV", "TSV"]
    _type_query(visit, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3")
    _run_with_ctrl_enter(visit)
    visit.page.wait_for_function("location.search.includes('CONSTRUCT')")
    assert "TURTLE" in visit.page.locator("#downloads a").all_inner_texts()
    shared = visit.page.url
    again = _editor(browser, site, shared[len(site):])
    assert again.page.evaluate("document.querySelector('.yasqe .CodeMirror').CodeMirror.getValue()").startswith("CONSTRUCT")
