"""The graph's published versions: `records/VERSIONS.tsv`, one row per `kg publish` (the seed
records are version 1), compiled into the graph so that a query can answer "what did the graph
say on 1 March" and "what changed since".

A version is a number, the moment it was published (UTC), the digest of what it was built from
(`graph.build.records_version`: the `version` of `/health`, VoID's `dcterms:hasVersion` and the
`KG-Graph-Version` header) and the record files it added. The graph states, in its named graph
`{base}/graph/versions`, each version as `{base}/id/version/N` (`prov:Entity`, `dcterms:issued`,
`dcterms:hasVersion` its digest, `prov:wasRevisionOf` the version before, `dcterms:hasPart` the
article graphs it added), and each article graph gets the `dcterms:issued` of the version that
added it. The graph only grows by articles, so the graph as of a date is the union of the
article graphs issued by then (README, "Versions").

A build whose digest is no version's (records edited by hand since the last publish) is served
as "unreleased": VoID says which version it revises.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Dataset, Literal
from rdflib.namespace import DCTERMS, PROV

from graph.errors import Origin, Problem, RecordErrors
from graph.namespaces import Namespaces
from graph.records import RecordFile

VERSIONS = "VERSIONS.tsv"  # in the records folder
COLUMNS = ("version", "published", "digest", "records", "note")


@dataclass(frozen=True)
class Version:
    number: int
    published: datetime.datetime  # UTC, to the second
    digest: str
    records: tuple[str, ...]  # the record files this version added
    note: str = ""

    def row(self) -> str:
        return "\t".join((str(self.number), self.published.strftime("%Y-%m-%dT%H:%M:%SZ"), self.digest,
                          " ".join(self.records), self.note))


def read_versions(records_dir: Path) -> list[Version]:
    """The versions of `records_dir/VERSIONS.tsv` in order; [] when there is none. Raises
    RecordErrors naming the line of a malformed row."""
    path = records_dir / VERSIONS
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != COLUMNS:
        raise RecordErrors([Problem(f"the first line must be the columns {' '.join(COLUMNS)} (tab-separated)", Origin(path, 1))])
    versions: list[Version] = []
    problems: list[Problem] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        try:
            if len(cells) != len(COLUMNS):
                raise ValueError(f"{len(cells)} cells, not {len(COLUMNS)}")
            published = datetime.datetime.strptime(cells[1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
            version = Version(int(cells[0]), published, cells[2], tuple(cells[3].split()), cells[4])
        except ValueError as exc:
            problems.append(Problem(f"a version row is version, published (YYYY-MM-DDThh:mm:ssZ), digest, records, note: {exc}",
                                    Origin(path, number)))
            continue
        if version.number != len(versions) + 1:
            problems.append(Problem(f"version {version.number} follows version {len(versions)}: numbers go 1, 2, 3 ...",
                                    Origin(path, number)))
        elif versions and version.published < versions[-1].published:
            problems.append(Problem(f"version {version.number} is dated before version {versions[-1].number}", Origin(path, number)))
        versions.append(version)
    if problems:
        raise RecordErrors(problems)
    return versions


def next_version(versions: list[Version], records: tuple[str, ...], now: datetime.datetime | None = None,
                 note: str = "") -> Version:
    """The version a publish of `records` makes (its digest is known once it is built)."""
    moment = (now or datetime.datetime.now(datetime.timezone.utc)).replace(microsecond=0)
    if versions and moment < versions[-1].published:
        moment = versions[-1].published  # a clock set back does not date a version before the one it revises
    return Version(len(versions) + 1, moment, "", records, note)


def append_version(records_dir: Path, version: Version) -> None:
    """Add `version` to VERSIONS.tsv (written whole to a temporary file, then renamed)."""
    path = records_dir / VERSIONS
    rows = [v.row() for v in read_versions(records_dir)]
    temporary = path.with_name(f".{path.name}.publishing")
    temporary.write_text("\n".join(["\t".join(COLUMNS), *rows, version.row()]) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def added_by(versions: list[Version]) -> dict[str, Version]:
    """Record file name -> the version that added it."""
    return {name: version for version in versions for name in version.records}


def current(versions: list[Version], digest: str) -> Version | None:
    """The version whose digest is `digest`, if any (None: an unreleased build)."""
    return next((v for v in reversed(versions) if v.digest == digest), None)


def describe_versions(dataset: Dataset, ns: Namespaces, files: list[RecordFile], versions: list[Version]) -> None:
    """The versions graph, and each article graph's `dcterms:issued` (module docstring)."""
    graph = dataset.graph(ns.versions_graph)
    graph.add((graph.identifier, RDF.type, PROV.Bundle))
    graph.add((graph.identifier, RDFS.label, Literal("The published versions of the graph", lang="en")))
    article_graph = {f.path.name: ns.article_graph(f.article.slug) for f in files}
    previous = None
    for version in versions:
        node = ns.entity(f"version/{version.number}")
        issued = Literal(version.published.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)
        graph.add((node, RDF.type, PROV.Entity))
        graph.add((node, RDFS.label, Literal(f"Version {version.number} of the graph", lang="en")))
        graph.add((node, DCTERMS.identifier, Literal(str(version.number))))
        graph.add((node, DCTERMS.issued, issued))
        graph.add((node, DCTERMS.hasVersion, Literal(version.digest)))
        if version.note:
            graph.add((node, RDFS.comment, Literal(version.note, lang="en")))
        if previous is not None:
            graph.add((node, PROV.wasRevisionOf, previous))
        for name in version.records:
            if name in article_graph:
                graph.add((node, DCTERMS.hasPart, article_graph[name]))
                dataset.graph(article_graph[name]).add((article_graph[name], DCTERMS.issued, issued))
        previous = node
