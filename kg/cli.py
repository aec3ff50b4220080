"""`kg`: build, check, query and serve the knowledge graph.

Every command reads its settings from the environment (kg/settings.py); errors print as one
line (or one line per problem) and exit non-zero, never as a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import click

from graph.errors import KgError
from kg.settings import Settings, debug, serve_workers_with

if TYPE_CHECKING:
    from graph.engine.embedded import EmbeddedEngine

QUERY_FORMATS = ("table", "json", "csv", "tsv")
EXPORT_FORMATS = ("nq", "trig", "ttl", "jsonld")
SHARED_LINKS_TABLE = Path("../shared/links/external_ids.tsv")  # the development checkout's verified table


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def handles_errors(command: Callable) -> Callable:
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KgError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        except Exception as exc:  # a bug: still one line, with the traceback only on request
            if debug():
                raise
            _fail(f"internal error ({type(exc).__name__}: {exc}); rerun with KG_DEBUG=1 for the traceback")

    return wrapper


def _settings() -> Settings:
    return Settings.from_env()


@contextlib.contextmanager
def _engine(settings: Settings) -> Iterator[EmbeddedEngine]:
    """The current store of KG_DATA_DIR, evaluated in this process, held while the command runs."""
    from graph.engine.embedded import EmbeddedEngine

    engine = EmbeddedEngine.open(settings.data_dir)
    try:
        yield engine
    finally:
        asyncio.run(engine.close())


records_option = click.option(
    "--records",
    "records_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of curated record files (default: KG_RECORDS_DIR, ./records).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kz-civil-service-kg")
def main() -> None:
    """The public-administration knowledge graph. Settings: KG_BASE_IRI, KG_DATA_DIR, KG_CORPUS_DIR (see README)."""


@main.command()
@records_option
@handles_errors
def build(records_dir: Path | None) -> None:
    """Compile the records, check every quote and the shapes, and replace the store atomically."""
    from graph.build import build as build_graph
    from graph.namespaces import Namespaces

    settings = _settings()
    info, checked = build_graph(settings.sources(records_dir), Namespaces(settings.base_iri), settings.data_dir)
    if not checked.quotes_checked:
        click.echo("note: corpus not found (KG_CORPUS_DIR): quotes were not checked against the articles", err=True)
    click.echo(f"built {info.triples} triples ({checked.entailed} of them entailed, in graph/entailed) from {len(info.sources)} "
               f"record files into {settings.data_dir / info.path} (version {info.version})")


@main.command()
@records_option
@handles_errors
def validate(records_dir: Path | None) -> None:
    """Check the records: quotes against the articles, then SHACL with RDFS inference."""
    from graph.build import check
    from graph.namespaces import Namespaces

    settings = _settings()
    checked = check(settings.sources(records_dir), Namespaces(settings.base_iri))
    for violation in checked.violations:
        click.echo(str(violation))
    quotes = "quotes checked" if checked.quotes_checked else "quotes NOT checked (no corpus; set KG_CORPUS_DIR)"
    if checked.violations:
        _fail(f"{len(checked.violations)} SHACL violations; {quotes}")
    click.echo(f"conforms: 0 violations; {quotes}")


@main.command()
@click.argument("sparql")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="table", show_default=True)
@handles_errors
def query(sparql: str, fmt: str) -> None:
    """Run a SPARQL query (use - to read it from standard input) against the store."""
    from graph.engine import QueryJob
    from graph.sparql_guard import analyse
    from kg.render import results_table

    text = sys.stdin.read() if sparql == "-" else sparql
    with _engine(_settings()) as engine:
        graph = analyse(text, engine.prefixes).form in ("CONSTRUCT", "DESCRIBE")
        if graph:  # a graph has no table or CSV: N-Triples, or JSON-LD for json
            wire = "jsonld" if fmt == "json" else "ntriples"
        else:
            wire = "json" if fmt == "table" else fmt
        outcome = asyncio.run(engine.run(QueryJob(text, wire, limit=sys.maxsize)))
    if fmt == "table":
        results_table(outcome.result.body, outcome.form)
    else:
        sys.stdout.buffer.write(outcome.result.body)


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--url", default=None, help="The article's URL (a text file does not state it).")
@click.option("--publisher", default=None, help="Its publisher, as named (replaces what the page says).")
@click.option("--published", default=None, help="Its publication date, ISO 8601 (replaces what the page says).")
@records_option
@handles_errors
def ingest(sources: tuple[Path, ...], url: str | None, publisher: str | None, published: str | None, records_dir: Path | None) -> None:
    """Draft records from articles (text files, saved web pages, or folders of them), for review."""
    from graph.ingest.pipeline import ingest as ingest_sources
    from kg.render import StageProgress

    with StageProgress() as bar:
        settings = _settings()
        results = ingest_sources(list(sources), settings.sources(records_dir), url=url, publisher=publisher,
                                 published=published, progress=bar.tick, model=settings.prose_model(),
                                 reconcile=settings.reconcile())
    for result in results:
        click.echo(result.note)


@main.command()
@click.argument("draft", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@records_option
@handles_errors
def review(draft: Path, records_dir: Path | None) -> None:
    """What a draft would change, and whether it passes the gate of kg publish (nothing is written)."""
    from graph.ingest.publish import review as review_draft
    from graph.namespaces import Namespaces
    from kg.render import review_report

    settings = _settings()
    reviewed = review_draft(draft, settings.sources(records_dir), Namespaces(settings.base_iri))
    review_report(reviewed)
    text = draft.with_suffix(".txt")
    if text.is_file():
        from kg.review_page import write_review_page

        click.echo(f"review page: {write_review_page(reviewed, text.read_text(encoding='utf-8'))}")
    if not reviewed.publishable:
        _fail(f"{draft}: not publishable yet (see above)")


@main.command()
@click.argument("draft", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@records_option
@handles_errors
def publish(draft: Path, records_dir: Path | None) -> None:
    """Publish a reviewed draft: build it with the records (quotes, SHACL, atomic store swap), then add it to them."""
    from graph.ingest.publish import publish as publish_draft
    from graph.namespaces import Namespaces

    settings = _settings()
    info, record, version = publish_draft(draft, settings.sources(records_dir), Namespaces(settings.base_iri), settings.data_dir)
    click.echo(f"published {record} as version {version.number} ({version.published:%Y-%m-%d %H:%M} UTC, digest {info.version}); "
               f"built {info.triples} triples into {settings.data_dir / info.path}")


@main.command("release")
@click.option("--note", required=True, help="What the version holds, in a few words (the changelog's and VoID's).")
@records_option
@handles_errors
def release_version(note: str, records_dir: Path | None) -> None:
    """Make the records as they are (edited by hand since the last publish) the graph's next version."""
    from graph.build import release
    from graph.namespaces import Namespaces

    settings = _settings()
    info, version = release(settings.sources(records_dir), Namespaces(settings.base_iri), settings.data_dir, note)
    click.echo(f"version {version.number} ({version.published:%Y-%m-%d %H:%M} UTC, digest {info.version}): "
               f"{len(version.records)} records added; built {info.triples} triples into {settings.data_dir / info.path}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="nq", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (.gz to compress); default: standard output.")
@handles_errors
def export(fmt: str, output: Path | None) -> None:
    """Write the whole dataset (N-Quads sorted, TriG, Turtle of the union, or JSON-LD)."""
    from graph.export import export_dataset

    settings = _settings()
    data = export_dataset(settings.data_dir, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        opener = gzip.open if output.suffix == ".gz" else open
        with opener(output, "wb") as handle:
            handle.write(data)
        click.echo(f"wrote {len(data)} bytes to {output}", err=True)
    click.echo(_graphs_said(settings, fmt), err=True)


@main.command()
@click.option("--engine", "url", default=None, help="The engine's SPARQL query endpoint (default KG_SPARQL_ENDPOINT).")
@click.option("--update", "update_url", default=None,
              help="Its SPARQL Update endpoint (default KG_SPARQL_UPDATE_ENDPOINT, else the query endpoint).")
@click.option("--skip-refused", is_flag=True,
              help="Serve the version without the triples the engine refuses to hold (listed), instead of stopping.")
@handles_errors
def push(url: str | None, update_url: str | None, skip_refused: bool) -> None:
    """Publish the current version into a SPARQL engine: staged in graphs named for the version,
    checked, then switched to in one update; `kg serve` over the engine follows it."""
    from graph.engine.push import push as push_version
    from graph.store import open_store

    settings = _settings()
    endpoint = settings.endpoint(url, update_url)
    if endpoint is None:
        raise KgError("no engine to push to: give --engine URL or set KG_SPARQL_ENDPOINT")
    opened = open_store(settings.data_dir)
    try:
        done = push_version(opened, endpoint, skip_refused=skip_refused)
    finally:
        opened.close()
    if not done.switched:
        click.echo(f"{endpoint.url} already serves version {done.version}: nothing sent")
        return
    was = f" (was {done.previous})" if done.previous else ""
    click.echo(f"pushed version {done.version} ({done.triples} triples, {done.graphs} named graphs) to {endpoint.url} "
               f"in {done.seconds:.1f} s; it serves it now{was}")
    if done.refused:
        click.echo(f"left out, refused by the engine ({len(done.refused)}; N-Quads):", err=True)
        for quad in done.refused:
            click.echo(f"  {quad} .", err=True)


def _graphs_said(settings: Settings, fmt: str) -> str:
    """Which graphs of the export are asserted and which derived (each says so inside itself)."""
    from graph.service_description import graph_kinds

    with _engine(settings) as engine:
        kinds = graph_kinds(engine)
    asserted = sorted(g for g, (_, words) in kinds.items() if words.startswith("asserted"))
    derived = sorted(g for g, (_, words) in kinds.items() if words.startswith("derived"))
    if fmt in ("ttl",):
        return (f"note: Turtle has no graphs: this is the default graph, the union of {len(asserted)} asserted "
                f"graphs, {len(derived)} derived ({', '.join(derived) or 'none'}) and the ontology; "
                "--format nq or trig keeps them apart")
    return (f"graphs: {len(asserted)} asserted ({', '.join(asserted)}); {len(derived)} derived "
            f"({', '.join(derived) or 'none'}); each says which it is inside itself (?g a kgo:ArticleGraph, "
            "kgo:AssertedGraph or kgo:EntailedGraph)")


@main.command()
@handles_errors
def stats() -> None:
    """Triples, entities per class, and facts per article graph."""
    from graph.stats import stats as graph_stats
    from kg.render import stats_tables

    with _engine(_settings()) as engine:
        info, folder = engine.info, engine.opened.folder
        stats_tables(f"store {folder} ({info.origin}, version {info.version})", graph_stats(engine), info.triples)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--base", "base_iri", default=None, help="Base IRI for relative IRIs in Turtle/TriG files.")
@handles_errors
def load(files: tuple[Path, ...], base_iri: str | None) -> None:
    """Load RDF files (.nt .nq .ttl .trig, optionally .gz) into a new store of their own in KG_DATA_DIR."""
    from graph.loading import load_files
    from kg.render import LoadProgress

    settings = _settings()
    with LoadProgress() as progress:
        info = load_files(settings.data_dir, list(files), base_iri, progress.watch)
    click.echo(f"loaded {info.triples} triples from {len(files)} file(s) into {settings.data_dir / info.path}")


@main.command()
@click.option(
    "--table",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A table of verified identifiers to compare with (default: ../shared/links/external_ids.tsv, if present).",
)
@records_option
@handles_errors
def links(table: Path | None, records_dir: Path | None) -> None:
    """Coverage of the identity links per kind of entity and scheme, and the entities with none."""
    from graph.links import coverage, read_links, unattached
    from graph.namespaces import Namespaces
    from kg.render import coverage_tables

    settings = _settings()
    with _engine(settings) as engine:
        if engine.info.origin != "curated":
            raise KgError("`kg links` describes the curated graph; this store was made by `kg load`")
        report = coverage(engine, Namespaces(settings.base_iri))
        learned = coverage(engine, Namespaces(settings.base_iri), learned=True)
    table = table or SHARED_LINKS_TABLE
    if not table.is_file():
        coverage_tables(report, learned, None, [])
        return
    coverage_tables(report, learned, table, unattached(table, read_links(settings.sources(records_dir).links_file)))


@main.command()
@click.option("--host", default=None, help="Address to bind (default KG_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default KG_PORT, 8000).")
@click.option("--workers", type=int, default=None, help="HTTP worker processes (default KG_WORKERS, 1).")
@handles_errors
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve SPARQL, Linked Data and search over HTTP; builds the graph first if there is no store."""
    import uvicorn

    from graph.store import read_info, usable
    from kg.connection import LimitedHttpProtocol

    settings = _settings()
    settings.pool()  # a bad allocator setting is one line here, not a failed worker later
    endpoint = settings.endpoint()
    info = read_info(settings.data_dir)
    stale = info is not None and info.origin == "curated" and (info.base_iri != settings.base_iri or not usable(settings.data_dir, info))
    if endpoint is None and (info is None or stale):
        click.echo(f"building the graph into {settings.data_dir} for {settings.base_iri} ...", err=True)
        from graph.build import build as build_graph
        from graph.namespaces import Namespaces

        build_graph(settings.sources(), Namespaces(settings.base_iri), settings.data_dir)
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    serve_workers_with(host, port, workers)
    served = endpoint.url if endpoint is not None else settings.data_dir
    click.echo(f"serving {served} at http://{host}:{port}/ (public base {settings.base_iri})", err=True)
    uvicorn.run(
        "kg.serve:app",
        factory=True,
        http=LimitedHttpProtocol,  # the limits uvicorn leaves out (kg/connection.py)
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # our own middleware logs one line per request
        proxy_headers=False,
        server_header=False,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
