"""The uvicorn factory of `kg serve`: each HTTP worker process reads the settings and makes its
application over its own embedded engine (the store current when the worker starts, held until
it stops)."""

from __future__ import annotations

from api.app import create_app
from graph.engine.embedded import EmbeddedEngine
from kg.settings import Settings


def app():
    settings = Settings.from_env()
    pool = settings.pool()
    return create_app(settings.service(), lambda: EmbeddedEngine.open(settings.data_dir, pool))
