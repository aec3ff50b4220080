"""The ingest round trip on the real command line: a saved web page of a seed article, with
navigation and a related-headlines list around it, through kg ingest, kg review and kg publish."""

from __future__ import annotations

import html
import shutil
import time

from graph.build import build
from graph.config import Sources
from graph.namespaces import Namespaces
from tests.support.cli import run_kg
from tests.support.paths import BASE, CORPUS, RECORDS
from tests.support.server import start_service
from tests.test_ingest import curated

SEED = "003_5275ec960448982b.txt"


def page_of_seed() -> str:
    lines = [l for l in (CORPUS / SEED).read_text(encoding="utf-8").splitlines() if l.strip()]
    body = [l for l in lines[2:] if not l.startswith(("UNDP Around", "You are at", "Go to"))]
    paragraphs = "\n".join(f"<p>{html.escape(l)}</p>" for l in body)
    return f"""<!doctype html><html><head><title>{html.escape(lines[0][:120])}</title>
<meta property="article:published_time" content="2016-01-28"></head><body>
<nav><a href="/">Home</a> <a href="/news">Newsroom</a> <a href="/about">About us</a> <a href="/contact">Contact</a></nav>
<article><h1>{html.escape(lines[0])}</h1>{paragraphs}</article>
<aside><h2>Related headlines</h2><ul><li>UNDP opens a new office in Almaty</li><li>Energy week starts in Nur-Sultan</li>
<li>Water forum gathers experts from ten countries</li></ul></aside>
<footer>Copyright © UNDP 2016. All rights reserved.</footer></body></html>"""


def test_a_saved_page_is_ingested_reviewed_and_published(tmp_path):
    records, corpus, data = tmp_path / "records", tmp_path / "corpus", tmp_path / "data"
    shutil.copytree(RECORDS, records, ignore=shutil.ignore_patterns("drafts", "003-*", "links.tsv"))  # its links name 003's entities
    shutil.copytree(CORPUS, corpus)
    lines = (corpus / "index.tsv").read_text(encoding="utf-8").splitlines()
    (corpus / "index.tsv").write_text("\n".join(l for l in lines if not l.startswith("003_")) + "\n", encoding="utf-8")
    (corpus / SEED).unlink()
    page = tmp_path / "conference.html"
    page.write_text(page_of_seed(), encoding="utf-8")
    env = {"KG_CORPUS_DIR": str(corpus)}

    ingested = run_kg("ingest", str(page), "--records", str(records), "--url", "http://www.kz.undp.org/x",
                      "--publisher", "UNDP Kazakhstan", data_dir=data, env=env)
    assert ingested.returncode == 0, ingested.stderr
    draft = next((records / "drafts").glob("*.yaml"))
    text = draft.read_text(encoding="utf-8")
    assert "Related headlines" not in text and "Newsroom" not in text and "Almaty" not in text
    assert "person/norimasa-shimomura" in text and "organization/ministry-of-civil-service-affairs" in text
    assert (records / "drafts" / (draft.stem + ".txt")).is_file()

    reviewed = run_kg("review", str(draft), "--records", str(records), data_dir=data, env=env)
    assert reviewed.returncode == 1 and "not publishable yet" in reviewed.stdout + reviewed.stderr  # units without a parent, to decide
    page = (records / "drafts" / (draft.stem + ".html")).read_text(encoding="utf-8")
    assert page.count("<mark>") >= 5 and "Norimasa Shimomura" in page and "Not publishable yet" in page

    built = run_kg("build", "--records", str(records), data_dir=data, env=env)
    assert built.returncode == 0, built.stderr
    refused = run_kg("publish", str(draft), "--records", str(records), data_dir=data, env=env)
    assert refused.returncode == 1 and refused.stderr.startswith("error: ")
    assert "Traceback" not in refused.stderr and draft.is_file()
    assert not list(records.glob("005-*.yaml"))


def test_bad_inputs_get_one_line_and_write_nothing(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 10)
    (tmp_path / "russian.txt").write_text("Государственная служба Казахстана продолжает реформу. " * 20, encoding="utf-8")
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records, ignore=shutil.ignore_patterns("drafts"))
    for name in ("empty.txt", "binary.txt", "russian.txt", "missing.txt"):
        result = run_kg("ingest", str(tmp_path / name), "--records", str(records), data_dir=tmp_path / "data")
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and name in result.stderr and "Traceback" not in result.stderr
    assert not (records / "drafts").exists()


def test_a_published_draft_is_served_by_a_running_kg_serve_without_a_restart(tmp_path):
    records, corpus, data = tmp_path / "records", tmp_path / "corpus", tmp_path / "data"
    shutil.copytree(RECORDS, records, ignore=shutil.ignore_patterns("drafts", "001-*", "links.tsv"))
    shutil.copytree(CORPUS, corpus)
    lines = (corpus / "index.tsv").read_text(encoding="utf-8").splitlines()
    (corpus / "index.tsv").write_text("\n".join(l for l in lines if not l.startswith("001_")) + "\n", encoding="utf-8")
    article = tmp_path / "knox.txt"
    shutil.move(corpus / "001_3cbba066ae2e4c25.txt", article)
    build(Sources(records, corpus), Namespaces(BASE), data)
    env = {"KG_CORPUS_DIR": str(corpus), "KG_RECORDS_DIR": str(records)}
    service = start_service(tmp_path, env=env, data=data)
    knox = {"query": "ASK { ?p a kgo:Person ; rdfs:label 'Colin Knox'@en }"}
    try:
        with service.client() as client:
            assert client.get("/sparql", params=knox).json()["boolean"] is False
            assert run_kg("ingest", str(article), data_dir=data, env=env).returncode == 0
            draft = next((records / "drafts").glob("*.yaml"))
            curated(draft, url="https://nu.edu.kz/news/x", publisher="organization/nu-press-office")
            published = run_kg("publish", str(draft), data_dir=data, env=env)
            assert published.returncode == 0, published.stderr
            statuses, served = [], False
            for _ in range(50):  # the service looks for a new version every second
                response = client.get("/sparql", params=knox)
                statuses.append(response.status_code)
                if response.json()["boolean"]:
                    served = True
                    break
                time.sleep(0.2)
            assert served and set(statuses) == {200}
            assert "version" in client.get("/health").json()
    finally:
        service.stop()
