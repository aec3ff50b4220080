"""/sameas: from an external identifier we link to, to our entity."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from api.problems import Problem
from api.state import service_state
from graph.links import linked_entity

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
    entity = await asyncio.to_thread(linked_entity, service_state(request).engine, uri)
    if entity is None:
        raise Problem(404, f"no entity of this graph is linked to {uri}")
    return RedirectResponse(entity, status_code=303)
