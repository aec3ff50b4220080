"""application/x-www-form-urlencoded, read fast: query strings and form bodies of every route.

It reads as `urllib.parse.parse_qs(keep_blank_values=True)` does (tests/test_percent_decoding.py
compares them on random input), with the common case of percent-decoding done in C: it runs on
every /sparql request.
"""

from __future__ import annotations

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
