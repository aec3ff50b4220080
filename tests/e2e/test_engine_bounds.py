"""The engine cannot be crashed by text: whatever the admission policy lets through, Oxigraph
evaluates without crashing. Queries are generated at and near the policy's limits (nesting of
every bracket, chains of every operator the parser recurses on, both at once) and evaluated in
a child process, which a crash would kill; what the policy refuses never reaches an engine."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from graph.errors import QueryRefused
from graph.policy import MAX_DEPTH, MAX_OPERATORS, QueryPolicy

CHILD = """
import json, sys, pyoxigraph as ox
store = ox.Store()
store.add(ox.Quad(ox.NamedNode('http://e/a'), ox.NamedNode('http://e/p'), ox.NamedNode('http://e/b')))
for line in sys.stdin:
    try:
        result = store.query(json.loads(line))
        if not isinstance(result, ox.QueryBoolean):
            for _ in result:
                pass
        print('ok', flush=True)
    except Exception as exc:
        print('error', type(exc).__name__, flush=True)
"""
P = "<http://e/p>"
CHAINS = {  # an expression or pattern of n operators
    "not": lambda n: "FILTER(" + "!" * n + "true)",
    "or": lambda n: "FILTER(" + " || ".join(["true"] * (n + 1)) + ")",
    "and": lambda n: "FILTER(" + " && ".join(["true"] * (n + 1)) + ")",
    "add": lambda n: "BIND(" + " + ".join(["1"] * (n + 1)) + " AS ?x)",
    "alternative": lambda n: "?s " + "|".join([P] * (n + 1)) + " ?o",
    "inverse": lambda n: "?s " + "^" * min(n, 1) + P + " ?o",
    "union": lambda n: "{} " + "UNION {} " * n,
    "sequence": lambda n: "?s " + "/".join([P] * (min(n, 40) + 1)) + " ?o",  # longer sequences run long, not crash
}
NESTS = {  # n levels of one bracket around a group
    "brace": lambda n, inner: "{ " * n + inner + " }" * n,
    "optional": lambda n, inner: "OPTIONAL { " * n + inner + " }" * n,
    "exists": lambda n, inner: "FILTER EXISTS { " * n + inner + " }" * n,
    "subselect": lambda n, inner: "{ SELECT * WHERE { " * (n // 2) + inner + " } }" * (n // 2),
}


def queries(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    made = []
    for name, chain in CHAINS.items():  # each chain at the limit, inside the deepest braces
        made.append("SELECT * WHERE { " + chain(MAX_OPERATORS - 2) + " }")
        made.append("SELECT * WHERE " + NESTS["brace"](MAX_DEPTH - 2, chain(MAX_OPERATORS - 2)) if name != "union"
                    else "SELECT * WHERE { " + NESTS["brace"](MAX_DEPTH - 3, chain(MAX_OPERATORS - 2)) + " }")
    made.append("SELECT * WHERE { FILTER(" + "(" * (MAX_DEPTH - 3) + "!" * (MAX_OPERATORS - 5) + "true" + ")" * (MAX_DEPTH - 3) + ") }")
    for _ in range(count):
        depth = rng.randint(1, MAX_DEPTH - 4)
        n = rng.randint(1, MAX_OPERATORS // 2)
        inner = " ".join(rng.choice(list(CHAINS.values()))(n // 2) for _ in range(2))
        made.append("SELECT * WHERE { " + rng.choice(list(NESTS.values()))(depth, inner) + " }")
    return made


def test_every_admitted_query_at_the_limits_is_evaluated_without_a_crash():
    policy = QueryPolicy()
    admitted = []
    for query in queries(20261206, 150):
        try:
            policy.admit(query, {}, set())
        except QueryRefused:
            continue
        admitted.append(query)
    assert len(admitted) > 100  # the generator stays within the limits, mostly
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        for query in admitted:
            child.stdin.write(json.dumps(query) + "\n")
            child.stdin.flush()
            answer = child.stdout.readline()
            assert answer, f"the engine crashed (exit {child.wait()}) on a query the policy admitted: {query[:300]}..."
    finally:
        child.kill()
        child.wait()


PAST_THE_LIMIT = {
    **CHAINS,
    "inverse": lambda n: "?s " + "^" * n + P + " ?o",
    "sequence": lambda n: "?s " + "/".join([P] * (n + 1)) + " ?o",
}


@pytest.mark.parametrize("name", sorted(PAST_THE_LIMIT))
def test_a_chain_past_the_limit_is_refused_before_any_engine_sees_it(name):
    with pytest.raises(QueryRefused, match="operators"):
        QueryPolicy().admit("SELECT * WHERE { " + PAST_THE_LIMIT[name](MAX_OPERATORS + 10) + " }", {}, set())
