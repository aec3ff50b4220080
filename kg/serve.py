"""The uvicorn factory of `kg serve`: each HTTP worker process reads the settings and makes its
application over the store current when it starts, and follows the data directory from then on
(graph/engine/following.py): a build or load beside the running service is served, without a
restart, within KG_RELOAD_INTERVAL seconds and the time to start its query processes."""

from __future__ import annotations

from api.app import create_app
from graph.engine.following import Follower
from kg.settings import Settings


def app():
    settings = Settings.from_env()
    follower = Follower(settings.data_dir, settings.pool())
    return create_app(settings.service(), follower.open, follower.newer)
