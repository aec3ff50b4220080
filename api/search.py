"""/search: entities by label or alias, for people and for autocompletion."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from api import negotiation, pages
from api.state import service_state
from graph.search import MAX_COUNTED

TYPE_FILTERS = ("kgo:Person", "kgo:Organization", "kgo:Event", "kgo:Policy", "kgo:Place", "kgo:Topic", "kgo:Position",
                "kgo:StatedView", "kgo:NewsArticle")  # the classes the search form offers (any class works in `type`)

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
    q: str = Query("", description="the name, or part of it; words in any order", examples=["nazarbayev", "NAC", "knox colin"]),
    type: list[str] = Query([], description="only entities of these classes, e.g. kgo:Person"),
    limit: int = Query(10, ge=1, le=100, description="results per page"),
    offset: int = Query(0, ge=0, le=MAX_COUNTED, description="results to skip (the pages before)"),
):
    state = service_state(request)
    types = {state.ns.expand_or_keep(t) for t in type if t}
    hits, total, exact = await state.by_name(lambda: state.search_index.page(q, types or None, offset, limit), "the search")
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
    pages_at = {"next": offset + limit if offset + limit < total else None,
                "previous": max(0, offset - limit) if offset else None}
    links = {name: str(request.url.include_query_params(offset=at)) if at is not None else None for name, at in pages_at.items()}
    accept = request.headers.get("accept")
    if negotiation.names_html(accept) and negotiation.best(["application/json", negotiation.HTML], accept) == negotiation.HTML:
        return pages.render(request, "search.html", q=q, results=results, total=total, exact=exact, offset=offset,
                            limit=limit, links=links, chosen=[state.ns.compact(t) for t in types], filters=TYPE_FILTERS)
    return {"query": q, "total": total, "total_is_exact": exact, "offset": offset, "limit": limit, "results": results, **links}
