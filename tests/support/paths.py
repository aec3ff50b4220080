"""Where the tests find the project's files and the shared inputs, and the base IRI they build for."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RECORDS = PROJECT_ROOT / "records"
SHARED = PROJECT_ROOT.parent / "shared"
CORPUS = PROJECT_ROOT / "corpus"  # the articles, in the project since issue 16
SHARED_CORPUS = SHARED / "corpus"
QUESTIONS = SHARED / "questions" / "public.yaml"
BASE = "http://kg.test"  # every test graph is built for this base, whatever port serves it

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus/ is not present")
needs_questions = pytest.mark.skipif(not QUESTIONS.is_file(), reason="../shared/questions/public.yaml is not present")
