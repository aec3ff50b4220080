"""Shared fixtures: the curated graph built once per session into a temporary data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph.build import build
from graph.namespaces import Namespaces
from graph.query import QueryEngine
from graph.store import open_store
from kg.settings import PROJECT_ROOT, RECORDS_DIR, Settings

SHARED = PROJECT_ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
BASE = "http://127.0.0.1:8000"

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")


@pytest.fixture(scope="session")
def ns() -> Namespaces:
    return Namespaces(BASE)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data")
    build(RECORDS_DIR, Namespaces(BASE), CORPUS if CORPUS.is_dir() else None, path)
    return path


@pytest.fixture(scope="session")
def engine(data_dir) -> QueryEngine:
    store, info = open_store(data_dir)
    return QueryEngine(store, info)


@pytest.fixture
def http(service):
    """An HTTP client of the module's `service` fixture (a real `kg serve`)."""
    with service.client() as client:
        yield client


def run_kg(*args: str, data_dir: Path, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real `kg` command line in a subprocess."""
    environment = {**os.environ, "KG_DATA_DIR": str(data_dir), "KG_BASE_IRI": BASE, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=PROJECT_ROOT,
        timeout=120,
    )


def settings_for(data_dir: Path) -> Settings:
    return Settings(base_iri=BASE, data_dir=data_dir, corpus_dir=CORPUS if CORPUS.is_dir() else None)
