#!/usr/bin/env python3
"""Server time and weight of the HTML pages a person browses, per page kind, on two graphs.

    .venv/bin/python bench/page_weight.py [--graphs curated 1m] [--repeat 50] [--write]

Graphs: `curated`, the project's own build (`kg build` of records/ into a temporary data
directory), and a dataset of the shared harness (`1m`, also `100k` or `10k`:
$PEERBENCH/data/kg-NAME.nt, written by ../shared/bench/gen_data.py as its setup.sh does when it
is not there yet). The harness's IRIs `https://example.org/kg/KIND/N` are rewritten to
`{base}/id/KIND/N` before `kg load`, so that its entities have pages (the service serves
`/id/...` under its own base only); its classes keep their namespace.

For each graph a real `kg serve` (its defaults) listens on 127.0.0.1. The pages: home, search
results for a common word, a class list, the entity pages of the first (by IRI) event, person,
organisation, place, article and assertion (quote) of the graph and of its most connected
entity (links out to IRIs plus links in; types and the evidence layer aside), the SPARQL
editor, a SPARQL results page (entities per class), the ontology and VoID. The entities and
the harness graph's class are chosen by SPARQL on the served /sparql before any timing, and
printed (stderr). Each page, `Accept: text/html`, over one keep-alive connection: once cold
(the first request, which builds the page; entity pages, the ontology and VoID are then kept
in the document cache, and the first search builds the search index), once with
`Accept-Encoding: identity` (bytes), then `--repeat` times with `gzip` (p50 and p99 latency as
the client sees it; of 50 requests, p99 is the slowest). A page that does not answer 200, or
could not be chosen, is reported as such in its row. The code measured is the working tree's
when each server starts; each table says which commit, and whether files had changed.

`--write` replaces (or adds, above the first section) this script's section of
bench/RESULTS.md with the tables: notes added there by hand are replaced too.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import httpx

from common import ROOT, SHARED_BENCH, VENV_BIN, free_port, wait_ready  # bench/common.py (scripts run as bench/NAME.py)
from interleaved import PEERBENCH

SECTION = "## Page weight and server time per page kind (`bench/page_weight.py`, issue 17)"
SCALES = {"10k": 1, "100k": 10, "1m": 100}  # the harness's datasets, as its setup.sh makes them
HARNESS_IRIS, HARNESS_ONTOLOGY = "https://example.org/kg/", "https://example.org/ontology#"
WORDS = {"curated": "public"}  # the search page's common word; "reform" on the harness's graphs
ENTITY_KINDS = {  # page kind -> local names of the classes whose first entity (by IRI) it shows
    "event": ("Event",),
    "person": ("Person",),
    "organisation": ("Organization", "GovernmentAgency"),  # the harness asserts the subclasses only
    "place": ("Place", "City"),
    "article (NewsArticle)": ("NewsArticle",),
    "quote (Assertion)": ("Assertion",),
}
ENTITIES_PER_CLASS = ("SELECT ?class (COUNT(DISTINCT ?e) AS ?entities) WHERE { ?e a ?class ; rdfs:label ?label } "
                      "GROUP BY ?class ORDER BY DESC(?entities)")


def first_entity(base: str, classes: list[str]) -> str:
    values = " ".join(f"<{c}>" for c in classes)
    return (f'SELECT ?e WHERE {{ VALUES ?class {{ {values} }} ?e a ?class '
            f'FILTER(STRSTARTS(STR(?e), "{base}/id/") && !CONTAINS(STR(?e), "#")) }} ORDER BY STR(?e) LIMIT 1')


def most_connected(base: str) -> str:
    """Links out to IRIs and links in, grouped first and only then kept to entities (about 6 s on
    1M triples, within the 10 s limit; filtering each link by its IRI first took over 20 s). Types
    and the evidence (reification, derivation, annotation), which pages never list as links, aside."""
    return ("SELECT ?e ?links WHERE { { SELECT ?e (COUNT(*) AS ?links) WHERE { { ?e ?p ?other FILTER(isIRI(?other)) } "
            "UNION { ?other ?p ?e } FILTER(?p NOT IN (rdf:type, rdf:subject, rdf:predicate, rdf:object, prov:wasDerivedFrom, "
            "oa:hasTarget, oa:hasSource, oa:hasSelector)) } GROUP BY ?e } "
            f'FILTER(STRSTARTS(STR(?e), "{base}/id/") && !CONTAINS(STR(?e), "#")) }} ORDER BY DESC(?links) LIMIT 1')


@dataclass
class Page:
    kind: str
    shown: str  # the path as a reader would type it
    target: str | None  # the request target, URL-encoded; None: the graph has no such page


@dataclass
class Row:
    page: Page
    cold_ms: float | None = None
    warm_ms: list[float] = field(default_factory=list)
    size: int | None = None
    gzip_size: int | None = None
    failures: list[str] = field(default_factory=list)


def first_row(client: httpx.Client, query: str) -> tuple[dict[str, str] | None, str]:
    """The first solution of a SELECT on the served /sparql (None: none, or the query failed), and
    what became of it in words."""
    start = time.perf_counter()
    try:
        response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
        response.raise_for_status()
    except httpx.HTTPError as exc:
        return None, f"not chosen: the query failed ({failure(exc)} after {time.perf_counter() - start:.1f} s)"
    rows = response.json()["results"]["bindings"]
    said = f"chosen in {time.perf_counter() - start:.1f} s" if rows else "none in this graph"
    return ({name: value["value"] for name, value in rows[0].items()} if rows else None), said


def entity_page(client: httpx.Client, graph: str, kind: str, query: str, base: str) -> Page:
    row, said = first_row(client, query)
    print(f"{graph}: {kind}: {row['e'] + ' ' if row else ''}{said}", file=sys.stderr)
    if row is None:
        return Page(kind, said, None)
    path = row["e"].removeprefix(base)
    return Page(f"{kind} ({int(row['links']):,} links)" if "links" in row else kind, path, path)


def choose_pages(client: httpx.Client, graph: str, base: str) -> list[Page]:
    ontology = f"{base}/ontology#" if graph == "curated" else HARNESS_ONTOLOGY
    word = WORDS.get(graph, "reform")
    pages = [Page("home", "/", "/"), Page("search results", f"/search?q={word}", "/search?" + urlencode({"q": word}))]
    if graph == "curated":
        class_list, said = "kgo:Person", ""
    else:  # the class with the most labelled entities
        row, said = first_row(client, ENTITIES_PER_CLASS)
        class_list = row["class"] if row else None
        print(f"{graph}: class list: {class_list or ''} {said}", file=sys.stderr)
    pages.append(Page("class list", f"/search?q=&type={class_list}", "/search?" + urlencode({"q": "", "type": class_list}))
                 if class_list else Page("class list", said, None))
    for kind, names in ENTITY_KINDS.items():
        pages.append(entity_page(client, graph, kind, first_entity(base, [ontology + name for name in names]), base))
    pages.append(entity_page(client, graph, "most connected", most_connected(base), base))
    pages.append(Page("query editor", "/query", "/query"))
    pages.append(Page("SPARQL results", "/sparql?query=(entities per class)&format=html",
                      "/sparql?" + urlencode({"query": ENTITIES_PER_CLASS, "format": "html"})))
    pages.append(Page("ontology", "/ontology", "/ontology"))
    pages.append(Page("VoID", "/.well-known/void", "/.well-known/void"))
    return pages


def failure(exc: httpx.HTTPError) -> str:
    return f"HTTP {exc.response.status_code}" if isinstance(exc, httpx.HTTPStatusError) else type(exc).__name__


def fetch(client: httpx.Client, target: str, encoding: str) -> tuple[str | None, int, float]:
    """What went wrong (None: a 200), the bytes as sent, and the seconds until the last of them."""
    start = time.perf_counter()
    try:
        with client.stream("GET", target, headers={"Accept-Encoding": encoding}) as response:
            size = sum(len(chunk) for chunk in response.iter_raw())
    except httpx.HTTPError as exc:
        return failure(exc), 0, time.perf_counter() - start
    return (None if response.status_code == 200 else f"HTTP {response.status_code}"), size, time.perf_counter() - start


def measure(client: httpx.Client, page: Page, repeat: int) -> Row:
    row = Row(page)
    if page.target is None:
        return row
    error, row.gzip_size, seconds = fetch(client, page.target, "gzip")
    row.cold_ms = 1000 * seconds
    if error:
        row.failures.append(error)
        return row
    error, row.size, _ = fetch(client, page.target, "identity")
    if error:
        row.failures.append(f"{error} (identity)")
    for _ in range(repeat):
        error, _, seconds = fetch(client, page.target, "gzip")
        if error:
            row.failures.append(error)
        else:
            row.warm_ms.append(1000 * seconds)
    return row


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    return sorted(values)[max(0, math.ceil(share * len(values)) - 1)]


def table(rows: list[Row]) -> str:
    lines = ["| page kind | IRI/path | cold ms | p50 ms | p99 ms | bytes | gzip bytes |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        cells = [row.page.kind, f"`{row.page.shown}`" if row.page.target else row.page.shown]
        if row.cold_ms is None:
            cells += ["-"] * 5
        elif row.size is None:  # the first request failed
            cells += [f"**{row.failures[0]}** after {row.cold_ms:,.1f}", "-", "-", "-", "-"]
        else:
            warm = [f"{statistics.median(row.warm_ms):,.1f}", f"{percentile(row.warm_ms, 0.99):,.1f}"] if row.warm_ms else ["-", "-"]
            cells += [f"{row.cold_ms:,.1f}", *warm, f"{row.size:,}", f"{row.gzip_size:,}"]
        lines.append("| " + " | ".join(cells) + " |")
    for row in rows:
        if row.size is not None and row.failures:
            failed = ", ".join(f"{n} x {kind}" for kind, n in Counter(row.failures).items())
            lines.append(f"\n{row.page.kind}: {failed} of the {len(row.failures) + len(row.warm_ms)} requests after the first failed.")
    return "\n".join(lines)


@contextmanager
def served(env: dict[str, str], port: int) -> Iterator[httpx.Client]:
    server = subprocess.Popen([str(VENV_BIN / "kg"), "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(f"http://127.0.0.1:{port}/health", server)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Accept": "text/html"}, timeout=120) as client:
            yield client
    finally:
        server.terminate()
        server.wait(timeout=15)


def harness_graph(name: str, base: str, out: Path) -> Path:
    """The harness's dataset (generated when missing), its entities moved under `{base}/id/`."""
    source = PEERBENCH / "data" / f"kg-{name}.nt"
    if not source.is_file():
        subprocess.run([sys.executable, str(SHARED_BENCH / "gen_data.py"), "--scale", str(SCALES[name]), "--out", str(source)],
                       check=True)
    with source.open(encoding="utf-8") as lines, out.open("w", encoding="utf-8") as rewritten:
        for line in lines:
            rewritten.write(line.replace(f"<{HARNESS_IRIS}", f"<{base}/id/"))
    return out


def code_state() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True).stdout
    return f"commit {head or 'unknown'}" + (" with uncommitted changes" if changed.strip() else "")


def run_graph(graph: str, repeat: int) -> tuple[str, list[Row]]:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "KG_DATA_DIR": f"{tmp}/data", "KG_BASE_IRI": base}
        kg = str(VENV_BIN / "kg")
        if graph == "curated":
            subprocess.run([kg, "build"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        else:
            subprocess.run([kg, "load", str(harness_graph(graph, base, Path(tmp) / "graph.nt"))], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
        code, load = code_state(), os.getloadavg()[0]
        with served(env, port) as client:
            triples = client.get("/health", headers={"Accept": "application/json"}).json()["triples"]
            pages = choose_pages(client, graph, base)
            rows = [measure(client, page, repeat) for page in pages]
    title = "the curated graph" if graph == "curated" else f"the harness's kg-{graph}.nt, entities under `{{base}}/id/`"
    return f"**{title}** ({triples:,} triples; the service at {code}; load average {load:.1f} at its start)", rows


def write_section(text: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text(encoding="utf-8")
    section = f"{SECTION}\n\n{text}\n\n"
    start = current.find(SECTION + "\n")
    if start < 0:  # the newest section goes first, under the introduction
        start = end = current.index("\n## ") + 1
    else:
        following = re.compile(r"^## ", re.MULTILINE).search(current, start + len(SECTION))
        end = following.start() if following else len(current)
    path.write_text(current[:start] + section + current[end:], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphs", nargs="+", default=["curated", "1m"], choices=["curated", *SCALES])
    parser.add_argument("--repeat", type=int, default=50, help="warm requests per page")
    parser.add_argument("--write", action="store_true", help=f"replace the section of bench/RESULTS.md: {SECTION[3:]}")
    args = parser.parse_args()
    parts = [f"{date.today().isoformat()}, this {os.cpu_count()}-core machine, "
             f"`.venv/bin/python bench/page_weight.py --repeat {args.repeat}`: `kg serve` with "
             f"its defaults on 127.0.0.1, one keep-alive connection, `Accept: text/html`; cold is the first request "
             f"(which builds the page), p50 and p99 over the {args.repeat} requests after it (gzip), bytes as sent "
             "with `Accept-Encoding: identity` and with `gzip`."]
    for graph in args.graphs:
        title, rows = run_graph(graph, args.repeat)
        parts.append(f"{title}\n\n{table(rows)}")
    parts[0] = textwrap.fill(parts[0], 96, break_long_words=False, break_on_hyphens=False)
    text = "\n\n".join(parts)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
