"""/search: entities by label or alias, for people and for autocompletion."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from api import negotiation, pages
from api.documents import CACHE_CONTROL, NOT_MODIFIED_VARY, entity_tag, not_modified
from api.problems import Problem
from api.state import service_state
from graph.facets import SORTS
from graph.overview import written_date
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
    article: str = Query("", description="only entities this article mentions (its IRI or prefixed name, e.g. article:...)"),
    sort: str = Query("", description="the order: " + "; ".join(f"`{k}` {v}" for k, v in SORTS.items())
                      + " (default: by name for a list, by relevance for a search)"),
):
    state = service_state(request)
    accept = request.headers.get("accept")
    html = negotiation.names_html(accept) and negotiation.best(["application/json", negotiation.HTML], accept) == negotiation.HTML
    # a function of the version and the query string: cacheable, and 304 without searching
    etag = entity_tag(state.info.version, "search", request.url.query, html, weak=True)
    cache = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={**cache, "Vary": f"Accept, {NOT_MODIFIED_VARY}"})
    if sort and sort not in SORTS:
        raise Problem(400, f"unknown sort {sort!r}; one of: {', '.join(SORTS)}")
    types = {state.ns.expand_or_keep(t) for t in type if t}
    source = state.ns.expand_or_keep(article) if article else None

    def find():
        facets = state.facets
        within = facets.mentioned_by(source) if source else None
        return state.search_index.page(q, types or None, offset, limit, within, sort or None, facets.order(sort) if sort else None)

    hits, total, exact = await state.by_name(find, "the search")
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
    if html:
        overview = await asyncio.to_thread(lambda: state.overview)
        facets = state.facets  # built by find() above
        for result in results:
            result["shown_types"] = [t for t in result["types"] if t.startswith("kgo:")] or result["types"]  # the graph's own classes
            result["articles"] = len(facets.mentioned_in.get(result["id"], ()))
            start = facets.starts.get(result["id"])
            result["date"] = written_date(start) if start else ""
        return pages.render(request, "search.html", q=q, results=results, total=total, exact=exact, offset=offset,
                            limit=limit, links=links, chosen=[state.ns.compact(t) for t in types], filters=TYPE_FILTERS,
                            articles=overview["articles"], article=source, sorts=SORTS, sort=sort, headers=cache)
    return JSONResponse({"query": q, "total": total, "total_is_exact": exact, "offset": offset, "limit": limit,
                         "results": results, **links}, headers=cache)
