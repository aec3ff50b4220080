"""Serialising query results, cut at a row limit, in the W3C result formats.

pyoxigraph serialises a whole result; to cut at the limit (and say so) the rows are written
here: SPARQL 1.1 Query Results JSON, XML, CSV and TSV. Graph results (CONSTRUCT, DESCRIBE) are
written by pyoxigraph from the first `limit` triples.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

SOLUTION_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class Serialized:
    body: bytes
    rows: int
    truncated: bool


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {k: _json_term(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    raise TypeError(f"unexpected term {term!r}")


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        parts = "".join(f"<{k}>{_xml_term(getattr(term, k))}</{k}>" for k in ("subject", "predicate", "object"))
        return f"<triple>{parts}</triple>"
    raise TypeError(f"unexpected term {term!r}")


def _csv_term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return getattr(term, "value", str(term))


def serialize_solutions(solutions: ox.QuerySolutions, fmt: str, limit: int) -> Serialized:
    variables = [v.value for v in solutions.variables]
    rows = list(itertools.islice(solutions, limit + 1))
    truncated = len(rows) > limit
    rows = rows[:limit]
    if fmt == "json":
        bindings = [{v: _json_term(row[v]) for v in variables if row[v] is not None} for row in rows]
        body = json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False)
        return Serialized(body.encode(), len(rows), truncated)
    if fmt == "xml":
        head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
        results = "".join(
            "<result>"
            + "".join(f"<binding name={quoteattr(v)}>{_xml_term(row[v])}</binding>" for v in variables if row[v] is not None)
            + "</result>"
            for row in rows
        )
        body = (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{head}</head><results>{results}</results></sparql>\n"
        )
        return Serialized(body.encode(), len(rows), truncated)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_term(row[v]) for v in variables] for row in rows)
        return Serialized(out.getvalue().encode(), len(rows), truncated)
    if fmt == "tsv":
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join(str(row[v]) if row[v] is not None else "" for v in variables) for row in rows]
        return Serialized(("\n".join(lines) + "\n").encode(), len(rows), truncated)
    raise ValueError(f"unknown solutions format {fmt}")


def serialize_boolean(value: bool, fmt: str) -> Serialized:
    if fmt == "json":
        body = json.dumps({"head": {}, "boolean": value})
    elif fmt == "xml":
        body = (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        )
    elif fmt in ("csv", "tsv"):
        body = ("_askResult\r\n" if fmt == "csv" else "?_askResult\n") + ("true" if value else "false") + ("\r\n" if fmt == "csv" else "\n")
    else:
        raise ValueError(f"unknown boolean format {fmt}")
    return Serialized(body.encode(), 1, False)


def serialize_triples(triples, fmt: str, limit: int, prefixes: dict[str, str] | None = None) -> Serialized:
    rows = list(itertools.islice(triples, limit + 1))
    truncated = len(rows) > limit
    rows = rows[:limit]
    rdf_format = GRAPH_FORMATS[fmt]
    kwargs = {"prefixes": prefixes} if prefixes and rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
    body = ox.serialize(rows, format=rdf_format, **kwargs)
    return Serialized(body or b"", len(rows), truncated)
