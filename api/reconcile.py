"""/reconcile: the W3C Entity Reconciliation API 0.2 (the version OpenRefine speaks).

Manifest, batched reconciliation queries (GET or POST `queries=`), suggest for entities, types
and properties, HTML previews, data extension (`extend=`) with one property, `owl:sameAs`: the
verified identifiers an entity has in other datasets, what another instance of this project asks
for when it proposes links (graph/linking.py); JSONP (`callback=`) besides CORS. Entity ids are paths under the
identifier space `{base}/id/` (`person/colin-knox`); type and property ids are local names in the
schema space `{base}/ontology#` (`Person`, `basedIn`).
"""

from __future__ import annotations

import json
import math
import re
from html import escape

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.config import SERVICE_VERSION
from api.forms import parse_form, read_body
from api.problems import Problem
from api.state import ServiceState
from api.state import service_state as _state
from graph.kinds import RECONCILE_DEFAULT_TYPES
from graph.links import same_as
from graph.reconcile import Query as ReconcileQuery
from graph.search import fold

router = APIRouter(prefix="/reconcile", tags=["Reconciliation"])

CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,100}$")
MAX_BATCH = 100
SAME_AS = "owl:sameAs"  # the one property of data extension
EXTEND_PROPERTIES = [{"id": SAME_AS, "name": "same as: its verified identifiers in other open datasets"}]


def _entity_id(state: ServiceState, iri: str) -> str:
    prefix = str(state.ns.entity(""))
    return iri[len(prefix):] if iri.startswith(prefix) else iri


def _reply(request: Request, body: dict):
    callback = request.query_params.get("callback")
    if callback:
        if not CALLBACK.match(callback):
            raise Problem(400, "callback must be a JavaScript identifier")
        return Response(f"{callback}({json.dumps(body)});", media_type="application/javascript")
    return JSONResponse(body)


def manifest(state: ServiceState) -> dict:
    base = state.base
    return {
        "versions": ["0.2"],
        "name": "Public administration knowledge graph (Kazakhstan)",
        "identifierSpace": f"{base}/id/",
        "schemaSpace": f"{base}/ontology#",
        "documentation": f"{base}/docs#/Reconciliation",
        "serviceVersion": SERVICE_VERSION,
        "view": {"url": f"{base}/id/{{{{id}}}}"},
        "defaultTypes": [{"id": t, "name": t} for t in RECONCILE_DEFAULT_TYPES],
        "preview": {"url": f"{base}/reconcile/preview?id={{{{id}}}}", "width": 430, "height": 220},
        "extend": {"propose_properties": {"service_url": base, "service_path": "/reconcile/propose_properties"},
                   "property_settings": []},
        "suggest": {
            "entity": {"service_url": base, "service_path": "/reconcile/suggest/entity"},
            "type": {"service_url": base, "service_path": "/reconcile/suggest/type"},
            "property": {"service_url": base, "service_path": "/reconcile/suggest/property"},
        },
    }


def _parse_queries(state: ServiceState, raw: str) -> dict[str, ReconcileQuery]:
    """The batch, every query checked (400 naming the query and the field at fault) before any work."""
    try:
        queries = json.loads(raw)
    except RecursionError:
        raise Problem(400, "`queries` is nested too deep to be a reconciliation batch") from None
    except ValueError as exc:
        raise Problem(400, f"`queries` is not valid JSON: {exc}") from None
    if not isinstance(queries, dict) or not all(isinstance(q, dict) for q in queries.values()):
        raise Problem(400, '`queries` must be an object of queries: {"q0": {"query": "..."}}')
    if len(queries) > MAX_BATCH:
        raise Problem(413, f"at most {MAX_BATCH} queries per batch (OpenRefine sends 10)")
    return {key: _to_query(state, key, spec) for key, spec in queries.items()}


def _to_query(state, key: str, spec: dict) -> ReconcileQuery:
    vocabulary = state.reconcile_vocabulary
    text = spec.get("query", "")
    if not isinstance(text, str):
        raise Problem(400, f"{key}: `query` must be a string")
    types = spec.get("type") or []
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise Problem(400, f"{key}: `type` must be a type id or a list of them")
    properties = []
    given = spec.get("properties") or []
    if not isinstance(given, list):
        raise Problem(400, f"{key}: `properties` must be a list of {{pid, v}} objects")
    for prop in given:
        if not isinstance(prop, dict) or "pid" not in prop or "v" not in prop:
            raise Problem(400, f"{key}: each property needs `pid` and `v`")
        if not isinstance(prop["pid"], str):
            raise Problem(400, f"{key}: a property's `pid` must be a property id (a string)")
        values = prop["v"] if isinstance(prop["v"], list) else [prop["v"]]
        if not all(isinstance(v, (str, int, float, dict)) and not isinstance(v, bool) for v in values):
            raise Problem(400, f"{key}: a property's `v` must be a value (a string, a number, or an {{id}} object) or a list of them")
        properties.append((vocabulary.expand(prop["pid"]), values))
    if not text and not properties:
        raise Problem(400, f"{key}: a query needs `query` or `properties`")
    limit = spec.get("limit", 5)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not math.isfinite(limit) or limit < 1:
        raise Problem(400, f"{key}: `limit` must be a positive number")
    strict = spec.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        raise Problem(400, f"{key}: `type_strict` is any, should or all")
    return ReconcileQuery(text, [vocabulary.expand(t) for t in types], strict, properties, min(int(limit), 100))


def _results(state: ServiceState, queries: dict[str, ReconcileQuery]) -> dict:
    vocabulary = state.reconcile_vocabulary
    reconciler = state.reconciler
    out = {}
    for key, query in queries.items():
        candidates = reconciler.reconcile(query)
        out[key] = {"result": [
            {
                "id": _entity_id(state, c.id),
                "name": c.name,
                "description": reconciler.brief(c.id),
                "score": c.score,
                "match": c.match,
                "type": [vocabulary.type_ref(t) for t in c.types],
                "features": [{"id": k, "value": v} for k, v in c.features.items()],
            }
            for c in candidates
        ]}
    return out


@router.get("", summary="Service manifest, or reconciliation queries by GET (`queries=`)")
async def reconcile_get(request: Request, queries: str | None = None, extend: str | None = None):
    state = _state(request)
    if extend is not None:
        return _reply(request, await _extended(state, extend))
    if queries is None:
        return _reply(request, manifest(state))
    batch = _parse_queries(state, queries)
    return _reply(request, await state.by_name(lambda: _results(state, batch), "the reconciliation batch"))


@router.post(
    "",
    summary="Reconciliation queries (form field `queries`, a JSON object of queries)",
    openapi_extra={"requestBody": {"content": {"application/x-www-form-urlencoded": {
        "example": 'queries={"q0": {"query": "Nazarbaev University", "type": "Organization"}}'}}}},
)
async def reconcile_post(request: Request):
    state = _state(request)
    config = state.config
    raw_body = await read_body(request.receive, dict(request.scope["headers"]), config.max_request_bytes, config.read_timeout)
    body = raw_body.decode("utf-8", errors="replace")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        raw = body
    else:
        form = parse_form(raw_body, "the form")
        if form.get("extend"):
            return _reply(request, await _extended(state, form["extend"][0]))
        raw = (form.get("queries") or [None])[0]
        if raw is None:
            raise Problem(400, "missing form field `queries` (or `extend`)")
    batch = _parse_queries(state, raw)
    return _reply(request, await state.by_name(lambda: _results(state, batch), "the reconciliation batch"))


@router.get("/suggest/entity", summary="Suggest entities by name prefix")
async def suggest_entity(request: Request, prefix: str = Query(..., examples=["nazar"]), type: str | None = None, cursor: int = 0):
    state = _state(request)
    vocabulary = state.reconcile_vocabulary
    types = {vocabulary.expand(type)} if type else None

    def suggestions() -> list[dict]:
        hits = state.search_index.search(prefix, None, 200)
        if types:
            hits = [h for h in hits if types & state.reconciler.types_of(h.entity)]
        return [
            {"id": _entity_id(state, h.entity), "name": h.label, "description": state.reconciler.brief(h.entity),
             "notable": [vocabulary.type_ref(t) for t in h.types]}
            for h in hits[cursor: cursor + 10]
        ]

    return _reply(request, {"result": await state.by_name(suggestions, "the suggestion")})


def _suggest_terms(terms: list[dict], prefix: str) -> list[dict]:
    needle = fold(prefix)
    ranked = [(0 if fold(t["name"]).startswith(needle) or fold(t["id"]).startswith(needle) else 1, t)
              for t in terms if needle in fold(t["name"]) or needle in fold(t["id"])]
    return [t for _, t in sorted(ranked, key=lambda r: (r[0], r[1]["name"]))][:20]


@router.get("/suggest/type", summary="Suggest types by name")
async def suggest_type(request: Request, prefix: str = Query(..., examples=["univ"])):
    terms = _state(request).reconcile_vocabulary.types
    return _reply(request, {"result": _suggest_terms(terms, prefix)})


@router.get("/suggest/property", summary="Suggest properties by name")
async def suggest_property(request: Request, prefix: str = Query(..., examples=["based"])):
    terms = _state(request).reconcile_vocabulary.properties
    return _reply(request, {"result": _suggest_terms(terms, prefix)})


@router.get("/preview", summary="An HTML preview of an entity, for a reconciliation client's pop-up", response_class=HTMLResponse)
async def preview(request: Request, id: str = Query(..., examples=["person/colin-knox"])):
    state = _state(request)
    iri = id if id.startswith(("http://", "https://")) else str(state.ns.entity(id))
    index, reconciler = await state.by_name(lambda: (state.search_index, state.reconciler), "the preview")
    if iri not in index.types and iri not in index.labels:
        raise Problem(404, f"no entity {id}")
    vocabulary = state.reconcile_vocabulary
    name = index.labels.get(iri, id)
    types = ", ".join(vocabulary.short(t) for t in index.types.get(iri, ()))
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><style>body{font:14px system-ui,sans-serif;margin:8px}'
        "h1{font-size:16px;margin:0 0 4px}p{margin:4px 0}.t{color:#666}</style></head><body>"
        f'<h1><a href="{escape(iri)}" target="_blank">{escape(name)}</a></h1><p class="t">{escape(types)}</p>'
        f"<p>{escape(reconciler.brief(iri))}</p></body></html>"
    )
    return HTMLResponse(page)


@router.get("/propose_properties", summary="The properties data extension offers (one: owl:sameAs)")
async def propose_properties(request: Request, type: str = Query(..., examples=["Organization"]), limit: int = 10):
    return _reply(request, {"type": type, "properties": EXTEND_PROPERTIES[:max(0, limit)]})


async def _extended(state: ServiceState, raw: str) -> dict:
    """Data extension: `{"ids": [...], "properties": [{"id": "owl:sameAs"}]}` -> for each entity,
    its owl:sameAs identifiers as strings (the IRIs of links.tsv's sameAs rows)."""
    try:
        spec = json.loads(raw)
    except ValueError as exc:
        raise Problem(400, f"`extend` is not JSON: {exc}") from None
    ids, properties = (spec.get("ids"), spec.get("properties")) if isinstance(spec, dict) else (None, None)
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or len(ids) > MAX_BATCH:
        raise Problem(400, f"`extend` needs `ids`, a list of at most {MAX_BATCH} entity ids")
    if not isinstance(properties, list) or not all(isinstance(p, dict) and p.get("id") == SAME_AS for p in properties):
        raise Problem(400, f"`extend` offers one property: {SAME_AS}")

    def rows() -> dict:
        found = {}
        for entity_id in ids:
            iri = entity_id if entity_id.startswith(("http://", "https://")) else str(state.ns.entity(entity_id))
            found[entity_id] = {SAME_AS: [{"str": t} for t in same_as(state.engine, iri)]} if properties else {}
        return found

    return {"meta": EXTEND_PROPERTIES if properties else [], "rows": await state.by_name(rows, "the data extension")}
