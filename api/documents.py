"""Documents built once per graph version and served from the document cache (api/cache.py),
with the version's validators: `ETag` (the version, the document, its media type),
`Cache-Control`, `Vary: Accept`, and 304 to a client that has it (`If-None-Match`)."""

from __future__ import annotations

import hashlib

from fastapi import Request
from fastapi.responses import Response

from api import negotiation
from api.state import ServiceState

CACHE_CONTROL = "public, max-age=300"


async def document_response(request: Request, state: ServiceState, key: str, media: str, make) -> Response | None:
    """The document `key` as `media`, built once by `make()` (in a thread; None when there is no
    such document) and then served from the document cache; 304 when the client has it."""
    def build() -> bytes | None:
        built = make()
        return built.body if isinstance(built, Response) else built

    body = await state.documents.obtain((key, media), build)
    if body is None:
        return None
    etag = '"' + hashlib.sha256(f"{state.info.version}|{key}|{media}".encode()).hexdigest()[:24] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=negotiation.content_type(media), headers=headers)
