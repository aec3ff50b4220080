"""Where SPARQL runs: the `Engine` seam and its implementations (embedded, in-memory)."""

from graph.engine.base import Engine, GraphInfo
from graph.engine.evaluate import QueryJob, QueryOutcome

__all__ = ["Engine", "GraphInfo", "QueryJob", "QueryOutcome"]
