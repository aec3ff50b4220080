"""What a SPARQL request asks for, found before anything runs: update or query, SERVICE
endpoints, FROM graphs, engine pragmas, nesting depth. What is let through is decided by
graph.policy.

A lexer over the SPARQL 1.1 terminals is enough for these questions: keywords can only occur
outside IRIs, strings and comments, and `SERVICE`, `FROM` and the update verbs are keywords.
It runs on every request, before the engine parses the query for real. Most queries name no
SERVICE, no FROM and no update verb anywhere in their text, comments and strings included:
for those one regular expression over the prologue gives the form, and the lexer is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# the IRIREF and short-string terminals, in the lexer, the prologue's pattern and query shapes
_IRI = r"""<[^<>"{}|^`\\\x00-\x20]*>"""
_STRING = r'"(?:[^"\\\n\r]|\\.)*"' + "|" + r"'(?:[^'\\\n\r]|\\.)*'"

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri>""" + _IRI + r""")
  | (?P<long_string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*''')
  | (?P<string>""" + _STRING + r""")
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.\u00B7\u00C0-\uFFFF]*)?:(?:[\w\-.:%\\\u00B7\u00C0-\uFFFF]|\\.)*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
  | (?P<open>[({\[])
  | (?P<close>[)}\]])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

UPDATE_VERBS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})
FAST_DEPTH = 200  # with at most this many opening brackets in all, no nesting is deeper
# Operators the engine's parser recurses on, one level per operator even in a flat chain:
# `!`, `||`, `&&`, `+`, `-`, `*`, `/` (also a path step), `|`, `^`, and UNION. Oxigraph 0.5
# crashed (segfault) at 6,600 UNIONs, 7,000 `+`, 9,600 `!` or `||`, 11,200 path alternatives.
OPERATOR_CHARS = "!|/^&+-*"
FAST_OPERATORS = 1000  # with at most this many operator characters in all (IRIs and strings included), no more operators

# the keywords the lexer looks for: a query whose text holds none of them (lower-cased, anywhere)
# needs only its form
_KEYWORDS = tuple(sorted(k.lower() for k in {"SERVICE", "FROM", *UPDATE_VERBS}))
# a prologue of PREFIX and BASE declarations (and comments), then the query form
_PROLOGUE_THEN_FORM = re.compile(
    r"""(?:\s+|\#[^\n]*|PREFIX\s*(?:[A-Za-z][\w\-.]*)?:\s*""" + _IRI + r"""|BASE\s*""" + _IRI + r""")*
        (SELECT|CONSTRUCT|ASK|DESCRIBE)(?![\w\-])""",
    re.IGNORECASE | re.VERBOSE,
)


_CONSTANTS = re.compile(_IRI + "|" + _STRING)


def query_shape(text: str) -> str:
    """The query with its IRIs and short strings blanked: queries that differ only in those (one
    entity's lookup and another's) have one shape, and usually a like cost. Numbers stay: a
    LIMIT is part of the cost."""
    return _CONSTANTS.sub("_", text)


@dataclass
class Token:
    kind: str
    text: str


@dataclass
class QueryAnalysis:
    form: str | None  # SELECT, CONSTRUCT, ASK, DESCRIBE; None when not found
    is_update: bool
    service_endpoints: list[str] = field(default_factory=list)  # IRIs, prefixed names or ?variables
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    pragmas: list[str] = field(default_factory=list)  # Virtuoso's `define name value` before the query
    max_depth: int = 0  # exact above FAST_DEPTH; at or below it, a bound
    operators: int = 0  # exact above FAST_OPERATORS; at or below it, a bound


def tokens(text: str) -> list[Token]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(Token(kind, match.group()))
    return out


def _resolve(token: Token, prefixes: dict[str, str]) -> str:
    if token.kind == "iri":
        return token.text[1:-1]
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return token.text


def analyse(text: str, default_prefixes: dict[str, str] | None = None) -> QueryAnalysis:
    opening = text.count("{") + text.count("(") + text.count("[")
    lowered = text.lower()
    operators = sum(map(text.count, OPERATOR_CHARS)) + lowered.count("union")
    if opening <= FAST_DEPTH and operators <= FAST_OPERATORS and not any(keyword in lowered for keyword in _KEYWORDS):
        form = _PROLOGUE_THEN_FORM.match(text)
        if form:
            return QueryAnalysis(form=form.group(1).upper(), is_update=False, max_depth=opening, operators=operators)
    return lex(text, default_prefixes)


def lex(text: str, default_prefixes: dict[str, str] | None = None) -> QueryAnalysis:
    """The whole analysis, token by token."""
    toks = tokens(text)
    prefixes = dict(default_prefixes or {})
    analysis = QueryAnalysis(form=None, is_update=False)
    depth = 0
    first_keyword: str | None = None
    i = 0
    while i < len(toks):
        tok = toks[i]
        upper = tok.text.upper() if tok.kind == "word" else ""
        if tok.kind == "other" and tok.text in OPERATOR_CHARS:
            analysis.operators += 1
        elif tok.kind == "open":
            depth += 1
            analysis.max_depth = max(analysis.max_depth, depth)
        elif tok.kind == "close":
            depth = max(0, depth - 1)
        elif upper == "PREFIX" and i + 2 < len(toks) and toks[i + 1].kind == "pname" and toks[i + 2].kind == "iri":
            prefixes[toks[i + 1].text.rstrip(":")] = toks[i + 2].text[1:-1]
            i += 3
            continue
        elif upper == "BASE":
            i += 2
            continue
        elif upper == "DEFINE" and depth == 0 and first_keyword is None:
            analysis.pragmas.append(" ".join(t.text for t in toks[i:i + 3]))
            i += 3
            continue
        elif upper:
            if first_keyword is None and depth == 0:
                first_keyword = upper
            if upper == "UNION":
                analysis.operators += 1
            if upper == "SERVICE":
                j = i + 1
                if j < len(toks) and toks[j].text.upper() == "SILENT":
                    j += 1
                analysis.service_endpoints.append(_resolve(toks[j], prefixes) if j < len(toks) else "")
            elif upper == "FROM" and i + 1 < len(toks):
                if toks[i + 1].text.upper() == "NAMED" and i + 2 < len(toks):
                    analysis.from_named_graphs.append(_resolve(toks[i + 2], prefixes))
                    i += 3
                    continue
                analysis.from_graphs.append(_resolve(toks[i + 1], prefixes))
        i += 1
    if first_keyword in UPDATE_VERBS:
        analysis.is_update = True
    elif first_keyword in QUERY_FORMS:
        analysis.form = first_keyword
    return analysis
