"""HTML pages, rendered with Jinja2 templates from api/templates/."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from kg.settings import PROJECT_ROOT

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
EXAMPLES_DIR = PROJECT_ROOT / "queries" / "examples"


def render(request: Request, template: str, status_code: int = 200, headers: dict | None = None, **context):
    state = request.app.state.kg

    def expand(curie: str) -> str:
        prefix, sep, local = curie.partition(":")
        namespace = state.prefixes.get(prefix)
        return namespace + local if sep and namespace and not local.startswith("//") else curie

    return TEMPLATES.TemplateResponse(
        request, template, {"base": state.base, "expand": expand, **context}, status_code=status_code, headers=headers
    )


def example_queries() -> list[dict[str, str]]:
    """The queries of queries/examples/: title (first comment line) and text."""
    examples = []
    for path in sorted(EXAMPLES_DIR.glob("*.rq")) if EXAMPLES_DIR.is_dir() else []:
        text = path.read_text()
        first = text.splitlines()[0] if text else ""
        examples.append({"title": first.lstrip("# ").strip() or path.stem, "text": text})
    return examples
