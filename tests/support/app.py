"""The service called in-process: no socket, no server process (Starlette's TestClient)."""

from __future__ import annotations

from starlette.testclient import TestClient

from api.app import create_app
from api.config import ServiceConfig
from graph.engine import Engine
from tests.support.paths import BASE


def in_process(engine: Engine, **config) -> TestClient:
    """The application over `engine`; use as a context manager (it runs the lifespan)."""
    return TestClient(create_app(ServiceConfig(BASE, **config), lambda: engine), base_url=BASE, follow_redirects=False)
