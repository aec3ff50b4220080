"""The form and query-string decoder (api/forms.py) agrees with urllib's on every kind of input."""

from __future__ import annotations

import random
from urllib.parse import parse_qs, quote, unquote_to_bytes

import pytest

from api.problems import Problem
from api.forms import parse_form, percent_decoded

PIECES = [b"%", b"=", b" ", b"\t", b"a", b"F", b"3", b"%3D", b"%2", b"%zz", b"%e9", b"%C3%A9", b"_", b"?", b"\x00",
          b"\xff", b"=\n", b"%0A", b"%0d%0A", b"%20", b"  ", b"\r\n", b"%%", b"%25", b"=3D", b"=\r", b"+"]


def test_percent_decoding_agrees_with_urllib_on_random_input():
    rng = random.Random(7)
    for _ in range(50_000):
        data = b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12)))
        assert percent_decoded(data) == unquote_to_bytes(data), data


@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p 'é' } # ?&=+%", "ASK {}", ""])
def test_parameters_read_as_parse_qs_reads_them(query):
    data = ("query=" + quote(query, safe="") + "&default-graph-uri=" + quote("http://g/1?a=b") + "&&x&y=").encode()
    assert parse_form(data, "the query string") == parse_qs(data.decode(), keep_blank_values=True)


def test_an_escape_that_is_not_utf8_is_a_400():
    with pytest.raises(Problem) as error:
        parse_form(b"query=%FF", "the query string")
    assert error.value.status == 400
