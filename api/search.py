"""/search: entities by label or alias, for people and for autocompletion."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from api import negotiation, pages
from api.state import service_state

router = APIRouter(tags=["Search"])


@router.get(
    "/search",
    summary="Find entities by name",
    description="Case-, accent- and punctuation-insensitive; exact, prefix, word-prefix and substring matches, "
    "ranked in that order, then (when they leave places free) names spelled differently, such as other "
    "transliterations (`Nazarbaev`). `type` (repeatable) filters by class, as an IRI or a prefixed name (`kgo:Person`).",
)
async def search(
    request: Request,
    q: str = Query("", description="the name, or part of it", examples=["nazarbayev", "NAC", "knox"]),
    type: list[str] = Query([], description="only entities of these classes, e.g. kgo:Person"),
    limit: int = Query(10, ge=1, le=100),
):
    state = service_state(request)
    types = {state.ns.expand_or_keep(t) for t in type}
    hits = await state.by_name(lambda: state.search_index.search(q, types or None, limit), "the search")
    results = [
        {
            "id": hit.entity,
            "label": hit.label,
            "matched": hit.matched,
            "score": hit.score,
            "types": [state.ns.compact(t) for t in hit.types],
        }
        for hit in hits
    ]
    accept = request.headers.get("accept")
    if negotiation.names_html(accept) and negotiation.best(["application/json", negotiation.HTML], accept) == negotiation.HTML:
        return pages.render(request, "search.html", q=q, results=results)
    return {"query": q, "results": results}
