"""HTML pages, rendered with Jinja2 templates from api/templates/."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

import queries
from api.state import service_state
from graph import overview

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def render(request: Request, template: str, status_code: int = 200, headers: dict | None = None, **context):
    state = service_state(request)
    return TEMPLATES.TemplateResponse(
        request, template, {"base": state.base, "expand": state.ns.expand_or_keep, "compact": state.ns.compact, "cut": overview.TIMELINE_LIMIT, **context},
        status_code=status_code, headers=headers
    )


def example_queries(base: str) -> list[dict[str, str]]:
    """The queries of queries/examples/ for the graph at `base`: title (first comment line) and
    text, with the PREFIX lines it needs."""
    examples = []
    for path in sorted(queries.EXAMPLES.glob("*.rq")):
        text = queries.for_base(path.read_text(), base)
        first = text.splitlines()[0] if text else ""
        examples.append({"title": first.lstrip("# ").strip() or path.stem, "text": text})
    return examples
