"""Errors of the graph layer. Each carries a message fit for one line of a terminal."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Origin:
    """Where something was read: a file and a 1-based line."""

    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class KgError(Exception):
    """An error the user can act on; the CLI prints it as one line, without a traceback."""


class QuerySyntaxError(KgError):
    """A SPARQL query the engine cannot parse; the message has the parser's position."""


class QueryRefused(KgError):
    """A query the admission policy does not let through (graph.policy): nested too deep, a
    SERVICE not allowed, a graph the dataset does not hold, an engine pragma."""


class UpdateRefused(QueryRefused):
    """SPARQL Update: the graph is read-only."""


class WrongResultFormat(KgError):
    """The negotiated format does not fit the query's result (e.g. CSV for a CONSTRUCT)."""


class QueryTimeout(KgError):
    """The query ran past its time limit and was stopped."""


class QueryCrashed(KgError):
    """The process evaluating the query was lost twice while the query was in it."""


class QueryTooLarge(KgError):
    """The query used more memory than a query process may have, and was stopped."""


class StoreNotWritten(KgError):
    """A new store could not be written (a full disk, a read-only folder); the one in use stands."""


class EngineUnavailable(KgError):
    """The engine cannot answer now (a query process that cannot start): our failure, not the
    query's; the message says why."""


class EngineFailed(KgError):
    """The engine answered, but with an error of its own or with something that cannot be read
    (a remote engine's 5xx, a refused password): a bad gateway, not the query's fault."""


@dataclass(frozen=True)
class Problem:
    message: str
    origin: Origin | None = None

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}" if self.origin else self.message


def listing(items: list, noun: str, suffix: str = "") -> str:
    """`3 problems in the records:` and one line per item."""
    count = len(items)
    lines = "\n".join(str(item) for item in items)
    return f"{count} {noun}{'s' if count != 1 else ''}{suffix}:\n{lines}"


class RecordErrors(KgError):
    """One or more problems in the curated records; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(listing(problems, "problem", " in the records"))
