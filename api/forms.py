"""Request bodies and application/x-www-form-urlencoded, read fast: query strings and form bodies
of every route, bodies under the request size cap.

It reads as `urllib.parse.parse_qs(keep_blank_values=True)` does (tests/test_percent_decoding.py
compares them on random input), with the common case of percent-decoding done in C: it runs on
every /sparql request.
"""

from __future__ import annotations

import asyncio
import binascii
import re
from urllib.parse import unquote_to_bytes

from api.problems import Problem

_BARE_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def percent_decoded(data: bytes) -> bytes:
    """urllib's unquote_to_bytes, in C for the usual case: when every `%` starts an escape and
    there is no line break, percent-encoding is quoted-printable with `%` for `=`, which binascii
    decodes (a query is mostly escapes, and this runs on every request)."""
    if b"%" not in data:
        return data
    if b"\n" in data or b"\r" in data or _BARE_PERCENT.search(data):  # one pattern with both: twice as slow
        return unquote_to_bytes(data)
    return binascii.a2b_qp(data.replace(b"=", b"=3D").replace(b"%", b"="))


def parse_form(data: bytes, what: str) -> dict[str, list[str]]:
    """application/x-www-form-urlencoded, as parse_qs(keep_blank_values=True) reads it."""
    params: dict[str, list[str]] = {}
    try:
        for part in data.split(b"&"):
            if part:
                name, _, value = part.partition(b"=")
                name = percent_decoded(name.replace(b"+", b" ")).decode()
                params.setdefault(name, []).append(percent_decoded(value.replace(b"+", b" ")).decode())
    except UnicodeDecodeError as exc:
        raise Problem(400, f"{what} is not valid UTF-8 once percent-decoded (byte {exc.start})") from None
    return params


async def read_body(receive, headers: dict[bytes, bytes], limit: int, seconds: float) -> bytes:
    """A request's body from its ASGI `receive`, refused with 413 as soon as it passes `limit`
    bytes (by its Content-Length, or as it arrives), and with 408 when it has not all arrived
    within `seconds` (a client that sends a byte now and then holds nothing for long)."""
    declared = headers.get(b"content-length", b"")
    if declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"request body larger than {limit} bytes")
    try:
        async with asyncio.timeout(seconds):
            return await _chunks(receive, limit)
    except TimeoutError:
        raise Problem(408, f"the request body did not arrive within {seconds:g} s") from None


async def _chunks(receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Problem(400, "the client closed the connection before the body was complete")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"request body larger than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
