"""`kg`: build, check, query and serve the knowledge graph.

Every command reads its settings from the environment (kg/settings.py); errors print as one
line (or one line per problem) and exit non-zero, never as a traceback.
"""

from __future__ import annotations

import functools
import gzip
import os
import sys
from pathlib import Path
from typing import Callable

import click

from graph.errors import KgError
from kg.settings import RECORDS_DIR, Settings

QUERY_FORMATS = ("table", "json", "csv", "tsv")
EXPORT_FORMATS = ("nq", "trig", "ttl", "jsonld")


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
            if os.environ.get("KG_DEBUG"):
                raise
            _fail(f"internal error ({type(exc).__name__}: {exc}); rerun with KG_DEBUG=1 for the traceback")

    return wrapper


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise KgError(f"bad setting in the environment: {exc}") from exc


records_option = click.option(
    "--records",
    "records_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=RECORDS_DIR,
    show_default="graph/records",
    help="Directory of curated record files.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kz-civil-service-kg")
def main() -> None:
    """The public-administration knowledge graph. Settings: KG_BASE_IRI, KG_DATA_DIR, KG_CORPUS_DIR (see README)."""


@main.command()
@records_option
@handles_errors
def build(records_dir: Path) -> None:
    """Compile the records, check every quote and the shapes, and replace the store atomically."""
    from graph.build import build as build_graph
    from graph.namespaces import Namespaces

    settings = _settings()
    info, checked = build_graph(records_dir, Namespaces(settings.base_iri), settings.corpus_dir, settings.data_dir)
    if not checked.quotes_checked:
        click.echo("note: corpus not found (KG_CORPUS_DIR): quotes were not checked against the articles", err=True)
    click.echo(f"built {info.triples} triples from {len(info.sources)} record files into {settings.data_dir / info.path} (version {info.version})")


@main.command()
@records_option
@handles_errors
def validate(records_dir: Path) -> None:
    """Check the records: quotes against the articles, then SHACL with RDFS inference."""
    from graph.build import check
    from graph.namespaces import Namespaces

    settings = _settings()
    checked = check(records_dir, Namespaces(settings.base_iri), settings.corpus_dir)
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
    from graph import query as q

    settings = _settings()
    text = sys.stdin.read() if sparql == "-" else sparql
    with q.opened(settings) as engine:
        result = engine.run(text)
        if fmt == "table":
            q.print_table(result)
        else:
            sys.stdout.buffer.write(q.serialize_result(result, fmt))


@main.command()
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="nq", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (.gz to compress); default: standard output.")
@handles_errors
def export(fmt: str, output: Path | None) -> None:
    """Write the whole dataset (N-Quads sorted, TriG, Turtle of the union, or JSON-LD)."""
    from graph.export import export_dataset

    data = export_dataset(_settings(), fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        return
    opener = gzip.open if output.suffix == ".gz" else open
    with opener(output, "wb") as handle:
        handle.write(data)
    click.echo(f"wrote {len(data)} bytes to {output}", err=True)


@main.command()
@handles_errors
def stats() -> None:
    """Triples, entities per class, and facts per article graph."""
    from graph.stats import print_stats

    print_stats(_settings())


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--base", "base_iri", default=None, help="Base IRI for relative IRIs in Turtle/TriG files.")
@handles_errors
def load(files: tuple[Path, ...], base_iri: str | None) -> None:
    """Load RDF files (.nt .nq .ttl .trig, optionally .gz) into a new store of their own in KG_DATA_DIR."""
    from graph.loading import load_files

    settings = _settings()
    info = load_files(settings.data_dir, list(files), base_iri)
    click.echo(f"loaded {info.triples} triples from {len(files)} file(s) into {settings.data_dir / info.path}")


@main.command()
@click.option(
    "--table",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A table of verified identifiers to compare with (default: ../shared/links/external_ids.tsv, if present).",
)
@handles_errors
def links(table: Path | None) -> None:
    """Coverage of the identity links per kind of entity and scheme, and the entities with none."""
    from rich.console import Console
    from rich.table import Table

    from graph.links import LINKS_FILE, SCHEMES, coverage, read_links, unattached
    from graph.namespaces import Namespaces
    from graph.store import open_store
    from kg.settings import PROJECT_ROOT

    settings = _settings()
    store, info = open_store(settings.data_dir)
    if info.kind != "curated":
        raise KgError("`kg links` describes the curated graph; this store was made by `kg load`")
    console = Console(width=None if sys.stdout.isatty() else 160)
    report = coverage(store, Namespaces(settings.base_iri))
    schemes = list(SCHEMES)
    grid = Table("kind", "entities", *schemes, "with no link", title="Identity links: entities linked, per scheme")
    for cov in report:
        grid.add_row(cov.kind, str(len(cov.entities)), *(str(len(cov.by_scheme.get(s, ()))) for s in schemes), str(len(cov.unlinked)))
    console.print(grid)
    for cov in report:
        if cov.unlinked:
            names = ", ".join(label for label, _ in cov.unlinked)
            console.print(f"[bold]{cov.kind}[/bold] with no verified identifier ({len(cov.unlinked)}): {names}", soft_wrap=True)
    table = table or (PROJECT_ROOT.parent / "shared" / "links" / "external_ids.tsv")
    if table.is_file():
        missing = unattached(table, read_links(LINKS_FILE))
        console.print(f"\n{table}: {len(missing)} VERIFIED row(s) not attached to an entity")
        for row in missing:
            console.print(f"  {row['entity_label']} ({row['entity_type']}): {row['scheme']} {row['identifier']}: no entity of the graph is this", soft_wrap=True)


@main.command()
@click.option("--host", default=None, help="Address to bind (default KG_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default KG_PORT, 8000).")
@click.option("--workers", type=int, default=None, help="HTTP worker processes (default KG_WORKERS, 1).")
@handles_errors
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve SPARQL, Linked Data and search over HTTP; builds the graph first if there is no store."""
    import uvicorn

    from graph.store import read_info

    from api.workers import malloc_library

    settings = _settings()
    malloc_library(settings.query_malloc)  # a bad setting is one line here, not a failed worker later
    info = read_info(settings.data_dir)
    if info is None or (info.kind == "curated" and info.base_iri != settings.base_iri):
        click.echo(f"building the graph into {settings.data_dir} for {settings.base_iri} ...", err=True)
        from graph.build import build as build_graph
        from graph.namespaces import Namespaces

        build_graph(RECORDS_DIR, Namespaces(settings.base_iri), settings.corpus_dir, settings.data_dir)
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    os.environ.update({"KG_HOST": host, "KG_PORT": str(port), "KG_WORKERS": str(workers)})
    click.echo(f"serving {settings.data_dir} at http://{host}:{port}/ (public base {settings.base_iri})", err=True)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
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
