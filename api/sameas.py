"""/sameas: from an external identifier we link to, to our entity."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from api.problems import Problem
from graph.links import LINK_PREDICATES, variants

router = APIRouter(tags=["Links"])


@router.get(
    "/sameas",
    summary="Our entity for an external identifier",
    description="Answers 303 to the entity linked to `uri` by owl:sameAs, skos:exactMatch or skos:closeMatch. "
    "Accepts the common forms of an identifier: http or https, `wikidata.org/wiki/Q…` or `/entity/Q…`, a bare "
    "`Q…`, a bare ROR id, `geonames.org/N/name`, DBpedia `/page/` or `/resource/`.",
    responses={303: {"description": "Location: the entity"}, 404: {"description": "nothing links to it"}},
    status_code=303,
)
async def sameas(request: Request, uri: str = Query(..., min_length=1, examples=["Q232", "https://www.wikidata.org/wiki/Q2783344"])):
    state = request.app.state.kg
    for candidate in variants(uri):
        try:
            target = ox.NamedNode(candidate) if candidate.startswith(("http://", "https://")) else None
        except ValueError:  # not a valid IRI
            target = None
        if target is None:
            continue
        for predicate in LINK_PREDICATES:
            for quad in state.store.quads_for_pattern(None, ox.NamedNode(str(predicate)), target, ox.DefaultGraph()):
                return RedirectResponse(quad.subject.value, status_code=303)
    raise Problem(404, f"no entity of this graph is linked to {uri}")
