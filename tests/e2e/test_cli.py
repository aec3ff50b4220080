"""The `kg` command line, run as a real subprocess."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re

import pytest
import rdflib

from tests.support.cli import run_kg
from tests.support.paths import SHARED, needs_corpus

SHARED_TABLE = SHARED / "links" / "external_ids.tsv"

ASK_NAC = "ASK { ?o skos:altLabel 'NAC'@en }"


@pytest.fixture(scope="module")
def cli_data(tmp_path_factory):
    data = tmp_path_factory.mktemp("cli-data")
    result = run_kg("build", data_dir=data)
    assert result.returncode == 0, result.stderr
    built = re.search(r"built (\d+) triples \((\d+) of them entailed, in graph/entailed\) from 5 record files", result.stdout)
    assert built and 12_000 < int(built[1]) - int(built[2]) < 14_000, result.stdout
    return data


@needs_corpus
def test_validate_reports_conformance(cli_data):
    result = run_kg("validate", data_dir=cli_data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms: 0 violations; quotes checked" in result.stdout


def test_query_formats(cli_data):
    sparql = "SELECT ?name WHERE { person:colin-knox rdfs:label ?name }"
    as_json = json.loads(run_kg("query", sparql, "--format", "json", data_dir=cli_data).stdout)
    assert as_json["results"]["bindings"][0]["name"]["value"] == "Colin Knox"
    as_csv = list(csv.reader(io.StringIO(run_kg("query", sparql, "--format", "csv", data_dir=cli_data).stdout)))
    assert as_csv == [["name"], ["Colin Knox"]]
    as_tsv = run_kg("query", sparql, "--format", "tsv", data_dir=cli_data).stdout.splitlines()
    assert as_tsv == ["?name", '"Colin Knox"@en']
    table = run_kg("query", sparql, data_dir=cli_data).stdout
    assert "Colin Knox" in table and "1 row" in table
    assert run_kg("query", ASK_NAC, data_dir=cli_data).stdout.strip() == "true"


def test_query_from_stdin(cli_data):
    result = run_kg("query", "-", "--format", "csv", data_dir=cli_data, stdin="SELECT (COUNT(*) AS ?n) WHERE { ?s a kgo:Person }")
    assert result.stdout.splitlines()[1] == "17"


def test_a_syntax_error_is_one_line_without_traceback(cli_data):
    result = run_kg("query", "SELECT ?x WHERE { ?x ", data_dir=cli_data)
    assert result.returncode == 1
    assert result.stderr.startswith("error: SPARQL syntax error at line 1, column ")
    assert "Traceback" not in result.stderr


def test_no_store_is_a_clear_error(tmp_path):
    result = run_kg("stats", data_dir=tmp_path / "empty")
    assert result.returncode == 1
    assert "no store in" in result.stderr and "kg build" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt,parse_as", [("nq", "nquads"), ("trig", "trig"), ("ttl", "turtle"), ("jsonld", "json-ld")])
def test_export_formats_parse(cli_data, tmp_path, fmt, parse_as):
    out = tmp_path / f"dump.{fmt}.gz"
    result = run_kg("export", "--format", fmt, "-o", str(out), data_dir=cli_data)
    assert result.returncode == 0, result.stderr
    dataset = rdflib.Dataset()
    dataset.parse(data=gzip.decompress(out.read_bytes()), format=parse_as)
    assert len(dataset) > 10_000 or sum(1 for _ in dataset.quads()) > 10_000


def test_stats_lists_the_five_article_graphs_with_fact_counts(cli_data):
    result = run_kg("stats", data_dir=cli_data)
    assert result.returncode == 0, result.stderr
    for file in ("000_6a728bf7d395fcc2.txt", "001_3cbba066ae2e4c25.txt", "002_af4b8f91d62aa13d.txt",
                 "003_5275ec960448982b.txt", "004_1eaac0052576f68d.txt"):
        line = next(l for l in result.stdout.splitlines() if file in l)
        facts = int(line.split("│")[-2])
        assert facts > 100 and "asserted" in line
    entailed = next(l for l in result.stdout.splitlines() if "/graph/entailed" in l)
    assert "derived" in entailed and int(entailed.split("│")[-3]) > 5000  # the entailed graph's size


def test_export_says_which_graphs_are_asserted_and_which_derived(cli_data, tmp_path):
    result = run_kg("export", "--format", "trig", "-o", str(tmp_path / "dump.trig"), data_dir=cli_data)
    assert result.returncode == 0, result.stderr
    assert re.search(r"graphs: 6 asserted \(.*\); 1 derived \(.*/graph/entailed\)", result.stderr), result.stderr
    union = run_kg("export", "--format", "ttl", "-o", str(tmp_path / "dump.ttl"), data_dir=cli_data)
    assert "Turtle has no graphs" in union.stderr and "--format nq or trig keeps them apart" in union.stderr


def test_load_any_rdf_into_a_store_of_its_own(tmp_path):
    (tmp_path / "a.nt").write_text('<http://ex.org/a> <http://ex.org/p> "x" .\n')
    (tmp_path / "b.ttl").write_text('@prefix ex: <http://ex.org/> . ex:b ex:p ex:a .\n')
    (tmp_path / "c.trig").write_text('<http://ex.org/g> { <http://ex.org/c> <http://ex.org/p> 1 }\n')
    with gzip.open(tmp_path / "d.nq.gz", "wt") as f:
        f.write('<http://ex.org/d> <http://ex.org/p> "y" <http://ex.org/g2> .\n')
    data = tmp_path / "loaded"
    files = [str(tmp_path / n) for n in ("a.nt", "b.ttl", "c.trig", "d.nq.gz")]
    result = run_kg("load", *files, data_dir=data)
    assert result.returncode == 0, result.stderr
    assert "loaded 4 triples" in result.stdout
    count = run_kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv", data_dir=data)
    assert count.stdout.splitlines()[1] == "4"


def test_load_of_a_broken_file_keeps_the_previous_store(tmp_path):
    data = tmp_path / "loaded"
    (tmp_path / "good.nt").write_text('<http://ex.org/a> <http://ex.org/p> "x" .\n')
    assert run_kg("load", str(tmp_path / "good.nt"), data_dir=data).returncode == 0
    (tmp_path / "bad.nt").write_text('<http://ex.org/a> <http://ex.org/p> "x" .\n<oops\n')
    result = run_kg("load", str(tmp_path / "bad.nt"), data_dir=data)
    assert result.returncode == 1
    assert result.stderr.startswith("error: bad.nt: not valid N-Triples: Parser error") and "Traceback" not in result.stderr
    count = run_kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv", data_dir=data)
    assert count.stdout.splitlines()[1] == "1"


def test_load_rejects_an_unknown_format(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n")
    result = run_kg("load", str(tmp_path / "x.csv"), data_dir=tmp_path / "d")
    assert result.returncode == 1 and "unknown RDF format" in result.stderr


def test_serve_rejects_a_bad_allocator_setting_in_one_line(tmp_path):
    result = run_kg("serve", "--port", "9", data_dir=tmp_path, env={"KG_QUERY_MALLOC": "/no/such/lib.so"})
    assert result.returncode == 1
    assert result.stderr.strip() == "error: KG_QUERY_MALLOC=/no/such/lib.so: no such file (use auto, system or a library path)"


def test_links_cli_reports_coverage_and_what_is_left(cli_data):
    result = run_kg("links", data_dir=cli_data)
    assert result.returncode == 0, result.stderr
    assert re.search(r"place\s+│\s+13\s+│\s+13\s+│\s+13", result.stdout)
    assert "person with no verified identifier (17)" in result.stdout
    if SHARED_TABLE.is_file():
        assert "5 VERIFIED row(s) not attached" in result.stdout and "United Arab Emirates" in result.stdout


def test_serve_rejects_a_lane_count_it_does_not_have_in_one_line(tmp_path):
    result = run_kg("serve", "--port", "9", data_dir=tmp_path, env={"KG_QUERY_LANES": "3"})
    assert result.returncode == 1
    assert result.stderr.strip() == "error: KG_QUERY_LANES=3: use 1 or 2"
