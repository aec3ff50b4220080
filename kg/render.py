"""What the command line draws on a terminal: tables and progress bars, with rich. The graph layer
returns rows; this module lays them out."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import Progress, wrap_file
from rich.table import Table

from graph.links import SCHEMES, Coverage
from graph.stats import Stats


def console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 160)


def _term_text(term: dict | None) -> str:
    """A SPARQL JSON term as a person reads it: IRIs and literals by value, blank nodes as _:id."""
    if term is None:
        return ""
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    if term["type"] == "triple":
        return " ".join(_term_text(term["value"][k]) for k in ("subject", "predicate", "object"))
    return term["value"]


def results_table(body: bytes, form: str) -> None:
    """A query's answer, from SPARQL JSON results (or N-Triples for a graph), as a table."""
    out = Console()
    if form == "graph":
        for line in body.decode().splitlines():
            out.print(line, highlight=False, soft_wrap=True)
        return
    data = json.loads(body)
    if form == "boolean":
        out.print("true" if data["boolean"] else "false")
        return
    variables = data["head"]["vars"]
    table = Table(*variables, show_lines=False)
    rows = data["results"]["bindings"]
    for row in rows:
        table.add_row(*(_term_text(row.get(v)) for v in variables))
    out.print(table)
    out.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


def stats_tables(heading: str, stats: Stats, triples: int) -> None:
    out = console()
    out.print(heading)
    out.print(f"triples in the default graph (the union of all graphs): {triples}; quads stored: {stats.quads}")
    graphs = Table("named graph", "kind", "article", "quads", "facts", title="Graphs")
    for row in stats.graphs:
        graphs.add_row(*row)
    out.print(graphs)
    classes = Table("class", "entities", title="Entities per class")
    for row in stats.classes:
        classes.add_row(*row)
    out.print(classes)


def coverage_tables(report: list[Coverage], learned: list[Coverage], table: Path | None, unattached: list[dict[str, str]]) -> None:
    out = console()
    for title, found in (("Identity links: entities linked, per scheme", report),
                         ("Entities learned since the first version (kg publish): linked, per scheme", learned)):
        if found is not report and not any(cov.entities for cov in found):
            out.print("No entity learned since the first version.")
            continue
        schemes = list(SCHEMES)
        grid = Table("kind", "entities", *schemes, "with no link", title=title)
        for cov in found:
            grid.add_row(cov.kind, str(len(cov.entities)), *(str(len(cov.by_scheme.get(s, ()))) for s in schemes), str(len(cov.unlinked)))
        out.print(grid)
        for cov in found:
            if cov.unlinked:
                names = ", ".join(label for label, _ in cov.unlinked)
                out.print(f"[bold]{cov.kind}[/bold] with no verified identifier ({len(cov.unlinked)}): {names}", soft_wrap=True)
    if table is not None:
        out.print(f"\n{table}: {len(unattached)} VERIFIED row(s) not attached to an entity")
        for row in unattached:
            out.print(f"  {row['entity_label']} ({row['entity_type']}): {row['scheme']} {row['identifier']}: no entity of the graph is this", soft_wrap=True)


class LoadProgress:
    """A progress bar over the bytes each file of `kg load` has given (graph.loading's `watch`)."""

    def __init__(self) -> None:
        self.progress = Progress(transient=True)

    def __enter__(self) -> "LoadProgress":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    @contextlib.contextmanager
    def watch(self, stream: IO[bytes], path: Path, size: int | None) -> Iterator[IO[bytes]]:
        with wrap_file(stream, total=size or 0, description=path.name) as wrapped:
            yield wrapped
        self.progress.refresh()


class StageProgress:
    """A progress bar per stage of a long run (kg ingest of a folder): `tick(stage, done, total)`."""

    def __init__(self) -> None:
        self.progress = Progress(transient=True)
        self.tasks: dict[str, object] = {}

    def __enter__(self) -> "StageProgress":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def tick(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done)


def review_report(reviewed) -> None:
    """`kg review`: the draft's entries by status, its problems, and whether it can be published."""
    out = console()
    record = reviewed.record
    out.print(f"[bold]{reviewed.draft}[/bold]: article {record.article.slug} ({record.article.file}), "
              f"{len(record.entities)} entities, {sum(len(e.facts) for e in record.entities)} facts, "
              f"{len(record.article.furniture)} furniture passages")
    table = Table("status", "entity", "written", "detail", title="Entries")
    for key, entry in reviewed.reviews.items():
        if key == "article" or not isinstance(entry, dict):
            continue
        detail = entry.get("reason") or (f"score {entry['score']}" if "score" in entry else "")
        if entry.get("candidates"):
            detail = f"candidates: {', '.join(entry['candidates'])}"
        table.add_row(str(entry.get("status", "")), key, ", ".join(entry.get("written", [])), str(detail))
    out.print(table)
    article = reviewed.reviews.get("article") or {}
    unclassified = article.get("unclassified names (not proposed)") or []
    if unclassified:
        out.print(f"names not proposed (kind unknown): {', '.join(unclassified)}", soft_wrap=True)
    for seen in article.get("facts seen, not proposed") or []:
        out.print(f"seen, not proposed: {seen}", soft_wrap=True)
    for key, entry in reviewed.reviews.items():  # identifiers proposed for new entities (graph/linking.py)
        if key == "article" or not isinstance(entry, dict):
            continue
        for link in entry.get("links") or []:
            out.print(f"[cyan]link proposed[/cyan] {key}: {link['scheme']} {link['identifier']} (score {link['score']}; "
                      f"{link['evidence']}): copy it into the entry's `links:` to accept it", soft_wrap=True)
        for link in entry.get("link_conflicts") or []:
            out.print(f"[yellow]link conflict[/yellow] {key}: {link['scheme']} {link['identifier']} is already "
                      f"{link['linked_to']}'s; not proposed", soft_wrap=True)
        if entry.get("links_not_proposed"):
            out.print(f"link not proposed {key}: {entry['links_not_proposed']}", soft_wrap=True)
    for conflict in article.get("conflicts with the graph (both kept)") or []:
        out.print(f"[yellow]conflict[/yellow] {conflict}", soft_wrap=True)
    for problem in reviewed.problems:
        out.print(f"[red]problem[/red] {problem}", soft_wrap=True)
    for blocking in reviewed.blocking:
        out.print(f"[yellow]to decide[/yellow] {blocking}", soft_wrap=True)
    if reviewed.checked is not None:
        for violation in reviewed.checked.violations:
            out.print(f"[red]violation[/red] {violation}", soft_wrap=True)
    out.print("[green]publishable[/green]: kg publish would add it" if reviewed.publishable else "[red]not publishable yet[/red]")
