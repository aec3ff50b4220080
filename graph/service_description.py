"""The SPARQL 1.1 Service Description and the VoID description of the dataset, as RDF graphs."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, XSD

from graph.engine.base import Engine, GraphInfo
from graph.formats import GRAPH, SOLUTIONS, of_form
from graph.links import DATASETS, LINK_PREDICATES
from graph.namespaces import Namespaces
from graph.store import CHECKSUMS, DUMP_FORMATS, dump_checksums

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
VOID = Namespace("http://rdfs.org/ns/void#")
CLASS_PARTITIONS = 200  # the largest classes VoID describes one by one (void:classes counts them all)
SPDX = Namespace("http://spdx.org/rdf/terms#")

VOCABULARIES = ("http://schema.org/", "http://www.w3.org/ns/org#", "http://www.w3.org/ns/prov#",
                "http://www.w3.org/2004/02/skos/core#", "http://purl.org/dc/terms/", "http://www.w3.org/ns/oa#")


def _count(engine: Engine, query: str) -> int:
    [row] = engine.select(query)
    return int(row["n"].value)


KINDS_QUERY = "SELECT ?g ?kind WHERE { GRAPH ?g { ?g a ?kind } }"
KIND_WORDS = {
    "ArticleGraph": "asserted: what one article states, every fact with its quote",
    "AssertedGraph": "asserted: identity links to external datasets, each with the public sources that verify it",
    "EntailedGraph": "derived: what the ontology entails from the asserted graphs, with no quote of its own",
    "Ontology": "the ontology",
    "Bundle": "provenance: the graph's published versions, each with its date, digest and the article graphs it added",
}


def graph_kinds(engine: Engine) -> dict[str, tuple[str, str]]:
    """Each named graph that says what it is: its class and, in words, asserted or derived.
    The identity links and the ontology say it in their own way (a links graph, an owl:Ontology)."""
    kinds = {}
    for row in engine.select(KINDS_QUERY):
        kind = row["kind"].value
        words = KIND_WORDS.get(kind.rpartition("#")[2])
        if words:
            kinds[row["g"].value] = (kind, words)
    return kinds


def service_description(base: str, info: GraphInfo, kinds: dict[str, tuple[str, str]] | None = None) -> Graph:
    """`kinds`: graph_kinds() of the engine, to say which named graphs are asserted and which derived."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    g.bind("void", VOID)
    endpoint = URIRef(f"{base}/sparql")
    g.add((endpoint, RDF.type, SD.Service))
    g.add((endpoint, SD.endpoint, endpoint))
    g.add((endpoint, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in (*of_form(SOLUTIONS), *of_form(GRAPH)):
        g.add((endpoint, SD.resultFormat, URIRef(fmt.iri)))
    g.add((endpoint, SD.feature, SD.UnionDefaultGraph))
    g.add((endpoint, RDFS.comment, Literal(
        "Read-only. The default graph is the union of all named graphs. SPARQL Update is refused; "
        "queries are stopped at the time limit and results cut at the result limit (see the response "
        "header KG-Results-Truncated).", lang="en")))
    dataset = BNode("dataset")
    g.add((endpoint, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = BNode("default")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(info.triples, datatype=XSD.integer)))
    for index, name in enumerate(info.graphs):
        named = BNode(f"g{index}")
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        if kinds and name in kinds:
            kind, words = kinds[name]
            described = BNode(f"g{index}-graph")
            g.add((named, SD.graph, described))
            g.add((described, RDF.type, SD.Graph))
            g.add((described, RDF.type, URIRef(kind)))
            g.add((described, RDFS.comment, Literal(words, lang="en")))
    return g


VERSIONS_QUERY = """SELECT ?version ?number ?digest ?issued WHERE {
  ?version a <http://www.w3.org/ns/prov#Entity> ; <http://purl.org/dc/terms/identifier> ?number ;
           <http://purl.org/dc/terms/hasVersion> ?digest ; <http://purl.org/dc/terms/issued> ?issued
  FILTER(STRSTARTS(STR(?version), "%s/id/version/"))
} ORDER BY DESC(<http://www.w3.org/2001/XMLSchema#integer>(?number))"""


def published_versions(engine: Engine, base: str) -> list[dict]:
    """The graph's published versions (graph/versions.py), newest first: number, iri, digest, issued."""
    return [{"number": int(row["number"].value), "iri": row["version"].value, "digest": row["digest"].value,
             "issued": row["issued"].value} for row in engine.select(VERSIONS_QUERY % base)]


def release(versions: list[dict], digest: str) -> dict | None:
    """The published version whose digest is `digest`, else None: an unreleased build."""
    return next((v for v in versions if v["digest"] == digest), None)


def _describe_release(g: Graph, dataset: URIRef, versions: list[dict], digest: str) -> None:
    """The dataset as one of the graph's versions: the same resource as that version when its
    digest is one's (`owl:sameAs`, issued, `prov:wasRevisionOf` the version before), else a
    revision of the latest version (records changed since it was published)."""
    current = release(versions, digest)
    if current is not None:
        g.add((dataset, OWL.sameAs, URIRef(current["iri"])))
        g.add((dataset, DCTERMS.issued, Literal(current["issued"], datatype=XSD.dateTime)))
        before = [v for v in versions if v["number"] == current["number"] - 1]
    else:
        before = versions[:1]
    for version in before:
        g.add((dataset, PROV.wasRevisionOf, URIRef(version["iri"])))


def void_description(base: str, engine: Engine) -> Graph:
    ns = Namespaces(base)
    info = engine.info
    g = Graph()
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    dataset = URIRef(f"{base}/.well-known/void#dataset")
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, Literal("Public administration knowledge graph (Kazakhstan)", lang="en")))
    g.add((dataset, DCTERMS.description, Literal(
        "Actors, events, policies, posts and stated views of public administration and civil-service reform "
        "in Kazakhstan, from five news articles; every fact carries the quote it was taken from.", lang="en")))
    g.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}/sparql")))
    g.add((dataset, VOID.uriSpace, Literal(f"{base}/id/")))
    g.add((dataset, VOID.rootResource, URIRef(f"{base}/id/")))
    g.add((dataset, DCTERMS.hasVersion, Literal(info.version)))  # the version /health and KG-Graph-Version give
    _describe_release(g, dataset, published_versions(engine, base), info.version)
    sums_file = engine.dump_file(CHECKSUMS)
    sums = dump_checksums(sums_file) if sums_file is not None else {}
    for name in DUMP_FORMATS:
        dump = URIRef(f"{base}/dumps/{name}")
        g.add((dataset, VOID.dataDump, dump))
        if name in sums:  # SPDX's checksum terms, as DCAT uses them for a distribution
            checksum = BNode(f"checksum-{name}")
            g.add((dump, SPDX.checksum, checksum))
            g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            g.add((checksum, SPDX.checksumValue, Literal(sums[name], datatype=XSD.hexBinary)))
    g.add((dataset, VOID.triples, Literal(info.triples, datatype=XSD.integer)))
    g.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Quads")))
    counts = {
        "entities": f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"{base}/id/\")) }}",
        "distinctSubjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
        "distinctObjects": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
        "properties": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }",
        "classes": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }",
    }
    for prop, query in counts.items():
        g.add((dataset, VOID[prop], Literal(_count(engine, query), datatype=XSD.integer)))
    if info.origin == "curated":
        g.add((dataset, VOID.vocabulary, URIRef(str(ns.kgo))))
        for vocabulary in VOCABULARIES:
            g.add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    partitions = engine.select(f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c }} GROUP BY ?c ORDER BY DESC(?n) ?c LIMIT {CLASS_PARTITIONS}")
    for index, row in enumerate(partitions):
        part = URIRef(f"{base}/.well-known/void#class-{index}")
        g.add((dataset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(row["c"].value)))
        g.add((part, VOID.entities, Literal(int(row["n"].value), datatype=XSD.integer)))
    examples = engine.select(
        f"SELECT DISTINCT ?s WHERE {{ ?s a ?c ; <http://www.w3.org/2000/01/rdf-schema#label> ?l "
        f"FILTER(STRSTARTS(STR(?s), \"{base}/id/person/\") || STRSTARTS(STR(?s), \"{base}/id/organization/\") "
        f"|| STRSTARTS(STR(?s), \"{base}/id/event/\")) }} ORDER BY ?s LIMIT 5"
    )
    for row in examples:
        g.add((dataset, VOID.exampleResource, URIRef(row["s"].value)))
    for scheme, (target, prefix) in DATASETS.items():
        for predicate in LINK_PREDICATES:
            n = _count(engine, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{predicate}> ?o FILTER(STRSTARTS(STR(?o), \"{prefix}\")) }}")
            if not n:
                continue
            linkset = URIRef(f"{base}/.well-known/void#links-{scheme}-{predicate.split('#')[-1]}")
            g.add((dataset, VOID.subset, linkset))
            g.add((linkset, RDF.type, VOID.Linkset))
            g.add((linkset, DCTERMS.title, Literal(f"{predicate.split('#')[-1]} links to {scheme}", lang="en")))
            g.add((linkset, VOID.subjectsTarget, dataset))
            g.add((linkset, VOID.objectsTarget, URIRef(target)))
            g.add((linkset, VOID.linkPredicate, URIRef(predicate)))
            g.add((linkset, VOID.triples, Literal(n, datatype=XSD.integer)))
            g.add((URIRef(target), RDF.type, VOID.Dataset))
            g.add((URIRef(target), VOID.uriSpace, Literal(prefix)))
    kinds = graph_kinds(engine)
    for name in info.graphs:
        subset = URIRef(name)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        if name in kinds:
            g.add((subset, RDF.type, URIRef(kinds[name][0])))
            g.add((subset, DCTERMS.description, Literal(kinds[name][1], lang="en")))
        n = _count(engine, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        g.add((subset, VOID.triples, Literal(n, datatype=XSD.integer)))
    return g


def void_summary(g: Graph) -> dict:
    """What the VoID description says, as plain values for its page: the dataset's title,
    description, version, counts, endpoint, dumps (with checksums), vocabularies, classes with
    their entities (most first), linksets and named graphs."""
    dataset = next(g.subjects(RDF.type, VOID.Dataset), None)
    dataset = next((s for s in g.subjects(RDF.type, VOID.Dataset) if str(s).endswith("#dataset")), dataset)

    def one(subject, predicate) -> str | None:
        value = g.value(subject, predicate)
        return None if value is None else str(value)

    def number(subject, predicate) -> int | None:
        value = g.value(subject, predicate)
        return None if value is None else int(value)

    classes = sorted(((str(g.value(part, VOID["class"])), number(part, VOID.entities) or 0)
                      for part in g.objects(dataset, VOID.classPartition)), key=lambda pair: (-pair[1], pair[0]))
    dumps = [{"iri": str(dump), "sha256": next((one(c, SPDX.checksumValue) for c in g.objects(dump, SPDX.checksum)), None)}
             for dump in sorted(g.objects(dataset, VOID.dataDump), key=str)]
    subsets = sorted(g.objects(dataset, VOID.subset), key=str)
    linksets = [{"title": one(s, DCTERMS.title), "target": one(s, VOID.objectsTarget), "predicate": one(s, VOID.linkPredicate),
                 "triples": number(s, VOID.triples)} for s in subsets if (s, RDF.type, VOID.Linkset) in g]
    graphs = [{"iri": str(s), "description": one(s, DCTERMS.description), "triples": number(s, VOID.triples)}
              for s in subsets if (s, RDF.type, VOID.Linkset) not in g]
    counts = {name: number(dataset, VOID[name]) for name in ("triples", "entities", "distinctSubjects", "distinctObjects", "properties", "classes")}
    return {
        "iri": str(dataset), "title": one(dataset, DCTERMS.title), "description": one(dataset, DCTERMS.description),
        "digest": one(dataset, DCTERMS.hasVersion), "release": one(dataset, OWL.sameAs), "issued": one(dataset, DCTERMS.issued),
        "revision_of": one(dataset, PROV.wasRevisionOf), "endpoint": one(dataset, VOID.sparqlEndpoint),
        "counts": {k: v for k, v in counts.items() if v is not None}, "dumps": dumps,
        "vocabularies": sorted(str(v) for v in g.objects(dataset, VOID.vocabulary)), "classes": classes,
        "linksets": linksets, "graphs": graphs, "examples": sorted(str(e) for e in g.objects(dataset, VOID.exampleResource)),
    }
