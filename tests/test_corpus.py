"""The articles live in the project (corpus/) with a metadata table whose hashes keep every
quote re-checkable; the build refuses a corpus that no longer matches it."""

from __future__ import annotations

import shutil

import pytest

from graph.build import check
from graph.config import Sources
from graph.corpus import COLUMNS, read_index, sha256_of
from graph.errors import RecordErrors
from graph.namespaces import Namespaces
from tests.support.paths import BASE, CORPUS, RECORDS, SHARED_CORPUS


def test_every_article_a_record_quotes_is_in_the_project_with_its_hash():
    entries, problems = read_index(CORPUS)
    assert problems == [] and len(entries) >= 5
    for name, entry in entries.items():
        assert sha256_of(CORPUS / name) == entry.sha256
        assert entry.url.startswith("http") and entry.licence


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_the_seed_articles_are_kept_exactly_as_received():
    for shared in sorted(SHARED_CORPUS.glob("*.txt")):
        assert (CORPUS / shared.name).read_bytes() == shared.read_bytes(), shared.name


@pytest.fixture
def corpus_copy(tmp_path):
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS, copy)
    return copy


def refused(corpus) -> str:
    with pytest.raises(RecordErrors) as caught:
        check(Sources(RECORDS, corpus), Namespaces(BASE))
    return str(caught.value)


def test_a_corpus_file_changed_after_it_was_recorded_is_refused(corpus_copy):
    with open(corpus_copy / "003_5275ec960448982b.txt", "a", encoding="utf-8") as text:
        text.write("\nAn added line.\n")
    message = refused(corpus_copy)
    assert "article file 003_5275ec960448982b.txt has changed since it was recorded" in message
    assert "003-undp-civil-service-conference-2016.yaml" in message


def test_a_quoted_file_the_table_does_not_list_is_refused(corpus_copy):
    lines = (corpus_copy / "index.tsv").read_text(encoding="utf-8").splitlines()
    (corpus_copy / "index.tsv").write_text("\n".join(l for l in lines if not l.startswith("001_")) + "\n", encoding="utf-8")
    assert "article file 001_3cbba066ae2e4c25.txt is not listed in" in refused(corpus_copy)


def test_a_table_with_a_wrong_header_or_row_is_refused_naming_its_line(corpus_copy):
    index = corpus_copy / "index.tsv"
    lines = index.read_text(encoding="utf-8").splitlines()
    index.write_text("\n".join([lines[0], lines[1] + "\textra", *lines[2:]]) + "\n", encoding="utf-8")
    assert f"index.tsv:2: {len(COLUMNS) + 1} cells, expected {len(COLUMNS)}" in refused(corpus_copy)
    index.write_text("\n".join(["file\turl", *lines[1:]]) + "\n", encoding="utf-8")
    assert "index.tsv must start with the header" in refused(corpus_copy)
