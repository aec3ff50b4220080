"""The uvicorn factory of `kg serve`: each HTTP worker process reads the settings and makes its
application over the store current when it starts, and follows the data directory from then on
(graph/engine/following.py): a build or load beside the running service is served, without a
restart, within KG_RELOAD_INTERVAL seconds and the time to start its query processes. With
KG_SPARQL_ENDPOINT, the application reads that endpoint instead, and follows the version `kg push`
switches it to (graph/engine/remote.py)."""

from __future__ import annotations

from api.app import create_app
from graph.engine.following import Follower
from graph.engine.remote import RemoteSource
from kg.settings import Settings


def app():
    settings = Settings.from_env()
    endpoint = settings.endpoint()
    source = RemoteSource(endpoint) if endpoint is not None else Follower(settings.data_dir, settings.pool())
    return create_app(settings.service(), source.open, source.newer)
