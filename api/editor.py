"""The query editor at /query: YASGUI (api/static/vendor/yasgui, what Fuseki and Oxigraph ship)
over this service's /sparql, with completion from the graph's own vocabulary
(/query/completions.json: prefixes, classes and properties of the ontology and of the graph), the
examples of queries/examples/, and downloads in every format /sparql writes. Without JavaScript
the page is a plain form that runs the query as an HTML table. `?query=` loads a query: the link
a "query this" or a shared editor gives."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api import pages
from api.documents import document_response
from api.state import service_state
from graph.formats import GRAPH, SOLUTIONS, of_form
from graph.vocabulary import Vocabulary, terms_in_use

router = APIRouter(tags=["Query editor"])

DEFAULT_QUERY = "SELECT * WHERE { ?s ?p ?o } LIMIT 10"


def downloads() -> dict[str, list[str]]:
    """The `format=` names /sparql writes, by what a query returns (solutions, a boolean, a graph),
    the preferred first: the download links of the editor and of a results page."""
    solutions = [f.name for f in reversed(of_form(SOLUTIONS))]
    return {"solutions": solutions, "boolean": solutions, "graph": [f.name for f in reversed(of_form(GRAPH))]}


def editor_page(request: Request, query: str | None):
    state = service_state(request)
    examples = pages.example_queries(state.base)
    text = query or (examples[0]["text"] if examples else DEFAULT_QUERY)
    return pages.render(request, "query.html", query=text, examples=examples, prefixes=state.prefixes, downloads=downloads())


@router.get("/query", response_class=HTMLResponse, summary="The query editor (HTML)",
            description="YASGUI over `/sparql`; `?query=` opens the editor with that query.")
async def editor(request: Request, query: str | None = Query(None, description="a SPARQL query to open in the editor")):
    return editor_page(request, query)


@router.get("/query/completions.json", summary="What the query editor completes",
            description="Prefixes, classes and properties: the ontology's and those the graph uses.")
async def completions(request: Request):
    state = service_state(request)

    def build() -> bytes:
        vocabulary = Vocabulary(state.ontology)
        classes, properties = terms_in_use(state.engine)
        return json.dumps({
            "prefixes": state.prefixes,
            "classes": sorted(set(classes) | {str(c) for c in vocabulary.classes}),
            "properties": sorted(set(properties) | {str(p) for p in vocabulary.properties}),
        }).encode()

    return await document_response(request, state, "completions", "application/json", build)
