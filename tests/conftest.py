"""Fixtures: the curated graph built once per session, engines over it, and the service in-process.

Tiers (README, "Tests"): unit tests need none of these; the API tests run the application
in-process (Starlette's TestClient) over the in-memory engine or the embedded one; tests marked
`e2e` start real `kg serve` processes and the command line. `pytest -m "not e2e"` is the inner loop.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from graph.build import Checked, build, to_oxigraph
from graph.config import Sources
from graph.engine.embedded import EmbeddedEngine
from graph.engine.memory import MemoryEngine
from graph.namespaces import Namespaces
from tests.support.app import in_process
from tests.support.paths import BASE, CORPUS, RECORDS


E2E = Path(__file__).parent / "e2e"


def pytest_collection_modifyitems(items) -> None:
    """Everything under tests/e2e/ is end to end: real processes, sockets, the command line,
    whole builds beside the session's."""
    for item in items:
        if E2E in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


def pytest_sessionfinish(session, exitstatus) -> None:
    """With KG_TESTS_SKIP_NOTHING=1 (CI, which has ../shared, jemalloc and every tool), a skipped
    test fails the run: a check whose input is missing there is a check that did not happen."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("KG_TESTS_SKIP_NOTHING") and skipped and exitstatus == 0:
        reporter.write_line(f"KG_TESTS_SKIP_NOTHING: {len(skipped)} test(s) skipped, which fails this run", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def ns() -> Namespaces:
    return Namespaces(BASE)


@pytest.fixture(scope="session")
def sources() -> Sources:
    return Sources(RECORDS, CORPUS if CORPUS.is_dir() else None)


@pytest.fixture(scope="session")
def built(tmp_path_factory, sources, ns) -> tuple[Path, Checked]:
    """The curated graph, built once into a data directory: (data dir, what the build checked)."""
    path = tmp_path_factory.mktemp("data")
    _, checked = build(sources, ns, path)
    return path, checked


@pytest.fixture(scope="session")
def data_dir(built) -> Path:
    return built[0]


@pytest.fixture(scope="session")
def engine(data_dir):
    """The embedded engine over the built store, evaluating in this process."""
    engine = EmbeddedEngine.open(data_dir)
    yield engine
    asyncio.run(engine.close())


@pytest.fixture(scope="session")
def memory_engine(built) -> MemoryEngine:
    """The same graph in the SPARQL-only in-memory engine."""
    checked = built[1]
    return MemoryEngine(to_oxigraph(checked.compiled.dataset), base_iri=BASE, version=checked.version)


@pytest.fixture(scope="session")
def client(memory_engine):
    """The service over the in-memory engine: what the API tests talk to."""
    with in_process(memory_engine) as test_client:
        yield test_client


@pytest.fixture
def http(client):
    return client
