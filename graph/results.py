"""Serialising query results, cut at a row limit, in the W3C result formats.

Oxigraph writes the results (fast, in Rust); the rows past the limit are then cut off, and the
cut is reported. Only when a result passes a byte cap is it written row by row here instead
(SPARQL 1.1 Query Results JSON, XML, CSV, TSV), stopping at the limit. Graph results
(CONSTRUCT, DESCRIBE) are written by pyoxigraph from the first `limit` triples.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

import orjson
import pyoxigraph as ox

from graph.formats import BY_NAME

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class Serialized(NamedTuple):
    body: bytes
    rows: int  # -1 when not counted (known to be within the limit)
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


class _Capped:
    """A write target that stops the serialiser once `cap` bytes are written (a plain class:
    an io.RawIOBase costs a few microseconds per query to make and close)."""

    __slots__ = ("cap", "size", "parts")

    class Full(Exception):
        pass

    def __init__(self, cap: int):
        self.cap = cap
        self.size = 0
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.cap:
            raise _Capped.Full
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


SERIALIZED_CAP = 64 * 1024 * 1024


def serialize_solutions_fast(solutions: ox.QuerySolutions, fmt: str, limit: int) -> Serialized | None:
    """Oxigraph's own serialiser, then cut at `limit` rows; None when the output passes the byte cap
    (the caller then evaluates again and writes row by row)."""
    target = _Capped(SERIALIZED_CAP)
    try:
        solutions.serialize(output=target, format=BY_NAME[fmt].ox)
    except _Capped.Full:
        return None
    return _cut(b"".join(target.parts), fmt, limit)


def _cut(body: bytes, fmt: str, limit: int) -> Serialized:
    if fmt == "json":
        # each row holds a `"type":` key per bound term, or is `{}`: their count bounds the rows
        # from above (string values escape quotes, so they can only add), which spares a parse
        if body.count(b'"type":') + body.count(b"{}") <= limit:
            return Serialized(body, -1, False)
        data = orjson.loads(body)
        bindings = data["results"]["bindings"]
        if len(bindings) <= limit:
            return Serialized(body, len(bindings), False)
        data["results"]["bindings"] = bindings[:limit]
        return Serialized(orjson.dumps(data), limit, True)
    if fmt == "xml":  # "<result>" cannot occur in XML text: literal content is escaped
        rows = body.count(b"<result>")
        if rows <= limit:
            return Serialized(body, rows, False)
        end = 0
        for _ in range(limit):
            end = body.index(b"</result>", end) + len(b"</result>")
        return Serialized(body[:end] + b"</results></sparql>", limit, True)
    if fmt == "tsv":  # TSV escapes line breaks inside terms
        lines = body.split(b"\n")
        rows = len(lines) - 2  # header, and the empty string after the last newline
        if rows <= limit:
            return Serialized(body, rows, False)
        return Serialized(b"\n".join(lines[: limit + 1]) + b"\n", limit, True)
    if fmt == "csv":
        if body.count(b"\n") - 1 <= limit:  # quoted line breaks only add to the count
            return Serialized(body, -1, False)
        records = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
        rows = len(records) - 1
        if rows <= limit:
            return Serialized(body, rows, False)
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(records[: limit + 1])
        return Serialized(out.getvalue().encode(), limit, True)
    raise ValueError(f"unknown solutions format {fmt}")


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
    rdf_format = BY_NAME[fmt].ox
    kwargs = {"prefixes": prefixes} if prefixes and rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
    body = ox.serialize(rows, format=rdf_format, **kwargs)
    return Serialized(body or b"", len(rows), truncated)
