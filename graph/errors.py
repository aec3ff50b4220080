"""Errors of the graph layer. Each carries a message fit for one line of a terminal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.records import Origin


class KgError(Exception):
    """An error the user can act on; the CLI prints it as one line, without a traceback."""


class QuerySyntaxError(KgError):
    """A SPARQL query the engine cannot parse; the message has the parser's position."""


@dataclass(frozen=True)
class Problem:
    message: str
    origin: "Origin | None" = None

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
