"""Content negotiation, for every route: `format=` when given, else the Accept header (q-values,
wildcards), over the media types a route offers (graph/formats.py lists them, in order)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import mimeparse

from api.problems import Problem
from graph.formats import GRAPH, SOLUTIONS, by_media_type, by_parameter, of_form

HTML = "text/html"

# Offered in this order: on a tie (e.g. Accept: */*) mimeparse picks the LAST offered type, so
# the preferred default comes last.
SOLUTION_TYPES = tuple(m for f in of_form(SOLUTIONS) for m in f.media_types)
GRAPH_TYPES = tuple(m for f in of_form(GRAPH) for m in f.media_types)
FORMAT_NAMES = sorted({n for f in (*of_form(SOLUTIONS), *of_form(GRAPH)) for n in (f.name, *f.names)} | {"html"})


def _clean(accept: str | None) -> str:
    """Drop media ranges mimeparse cannot read instead of failing the request."""
    if not accept or not accept.strip():
        return "*/*"
    good = []
    for part in accept.split(","):
        try:
            mimeparse.parse_media_range(part)
        except (mimeparse.MimeTypeParseException, ValueError, IndexError):
            continue
        good.append(part)
    return ",".join(good) or "*/*"


def best(offered: Sequence[str], accept: str | None) -> str | None:
    """The offered media type the client prefers, or None if it accepts none of them."""
    return _best(tuple(offered), accept)


@lru_cache(maxsize=1024)  # clients send few distinct Accept headers; this is on every request
def _best(offered: tuple[str, ...], accept: str | None) -> str | None:
    return mimeparse.best_match(list(offered), _clean(accept)) or None


def names_html(accept: str | None) -> bool:
    """Whether the client names HTML itself (a browser), rather than taking it by a wildcard."""
    return bool(accept) and HTML in accept


def from_format_parameter(value: str, form: str) -> str | None:
    """The media type a `format=` value typed by hand means for a result of `form`."""
    if value.strip().lower() in ("html", HTML):
        return HTML
    found = by_parameter(value, form)
    return found.media_type if found is not None else None


def choose(offered: Sequence[str], accept: str | None, fmt: str | None, form: str = GRAPH) -> str:
    """The media type to answer in, or a 406 problem naming what is available."""
    if fmt:
        media = from_format_parameter(fmt, form)
        if media is None or media not in offered:
            raise Problem(406, f"format={fmt} is not available here; available: {', '.join(offered)}")
        return media
    media = best(offered, accept)
    if media is None:
        raise Problem(406, f"none of the accepted types is available; available: {', '.join(offered)}")
    return media


def format_name(media: str, form: str) -> str:
    """The short name (graph/formats.py) of the format an offered media type means."""
    return by_media_type(media, form).name


def rdflib_name(media: str) -> str:
    """rdflib's serialiser name for a graph media type (the documents rdflib writes)."""
    return by_media_type(media, GRAPH).rdflib


def content_type(media: str) -> str:
    return media if media.startswith("application/") else f"{media}; charset=utf-8"

