"""Errors of the graph layer. Each carries a message fit for one line of a terminal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.records import Origin


class KgError(Exception):
    """An error the user can act on; the CLI prints it as one line, without a traceback."""


@dataclass(frozen=True)
class Problem:
    message: str
    origin: "Origin | None" = None

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}" if self.origin else self.message


class RecordErrors(KgError):
    """One or more problems in the curated records; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = len(problems)
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the records:\n{lines}")
