"""Documents built once per graph version and served from the document cache (api/cache.py),
with the version's validators: `ETag` (the version, the document, its media type),
`Cache-Control`, `Vary: Accept`, and 304 to a client that has it (`If-None-Match`).

`entity_tag` and `not_modified` are the one way the service makes and compares validators:
the documents here, /sparql's answers to GET and the dumps (api/linked_data.py) use them.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timezone
from email.utils import parsedate_to_datetime

from fastapi import Request
from fastapi.responses import Response

from api import negotiation
from api.state import ServiceState

CACHE_CONTROL = "public, max-age=300"
# A 304 names in Vary what its 200 would (RFC 9110 §15.4.5), and a cache takes it as the stored
# answer's (RFC 9111 §3.2): a 200 of a kilobyte or more is gzipped (api.app.compressed), and
# then the middleware adds Accept-Encoding, which a 304, without a body, must say itself.
NOT_MODIFIED_VARY = "Accept-Encoding"
_TAGS = re.compile(r'(?:W/)?("[^"]*")')  # the entity tags of an If-None-Match list, without their W/


def entity_tag(*parts: object, weak: bool = False) -> str:
    """An `ETag` naming `parts` (the graph version first, then what the answer is a function of):
    blake2b of their repr, which keeps them apart whatever they contain, a microsecond or two,
    cheap enough for /sparql's fast path. Weak (`W/`) for answers equivalent but not always
    byte for byte the same (a query's blank nodes, RAND())."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return f'W/"{digest}"' if weak else f'"{digest}"'


def not_modified(if_none_match: str | None, etag: str, if_modified_since: str | None = None,
                 last_modified: float | None = None) -> bool:
    """Whether the client's copy is current, so that the answer is 304 (RFC 9110 §13.1.2-3):
    `If-None-Match` by the weak comparison (a `W/` on either side ignored, as caches and browsers
    send back weak tags), as a list or `*`; `If-Modified-Since` (whole seconds) only without an
    If-None-Match, which supersedes it; a date that cannot be read is ignored."""
    if if_none_match is not None:
        return if_none_match.strip() == "*" or etag.removeprefix("W/") in _TAGS.findall(if_none_match)
    if if_modified_since is None or last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:  # "-0000": UTC all the same
        since = since.replace(tzinfo=timezone.utc)
    return int(last_modified) <= since.timestamp()


async def document_response(request: Request, state: ServiceState, key: str, media: str, make) -> Response | None:
    """The document `key` as `media`, built once by `make()` (in a thread; None when there is no
    such document) and then served from the document cache; 304 when the client has it."""
    def build() -> bytes | None:
        built = make()
        return built.body if isinstance(built, Response) else built

    body = await state.documents.obtain((key, media), build)
    if body is None:
        return None
    etag = entity_tag(state.info.version, key, media)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={**headers, "Vary": f"Accept, {NOT_MODIFIED_VARY}"})
    return Response(body, media_type=negotiation.content_type(media), headers=headers)
