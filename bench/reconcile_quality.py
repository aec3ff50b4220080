#!/usr/bin/env python3
"""Precision and recall of reconciliation on name variants (tests/data/reconciliation_variants.tsv).

Runs the variants through a running service's /reconcile in one batch and reports, for the top
candidate: accuracy (top candidate is the expected entity), and for the `match` flag: precision
(matches that are right / matches) and recall (right matches / variants that have an entity).
Usage: python bench/reconcile_quality.py [http://127.0.0.1:8000] [-v]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

VARIANTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "reconciliation_variants.tsv"


def load_variants(path: Path = VARIANTS) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, type_, properties, expected = (line.split("\t") + ["", "", ""])[:4]
        spec: dict = {"query": query, "limit": 5}
        if type_:
            spec["type"] = type_
        if properties:
            spec["properties"] = json.loads(properties)
        rows.append({"spec": spec, "expected": expected or None})
    return rows


def evaluate(client: httpx.Client) -> dict:
    """`client`: an HTTP client whose base URL is the service (or an in-process test client)."""
    variants = load_variants()
    queries = {f"q{i}": v["spec"] for i, v in enumerate(variants)}
    response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    response.raise_for_status()
    results = response.json()
    top_right = matched = matched_right = with_entity = 0
    misses = []
    for i, variant in enumerate(variants):
        candidates = results[f"q{i}"]["result"]
        top = candidates[0] if candidates else None
        expected = variant["expected"]
        with_entity += expected is not None
        if top and top["id"] == expected:
            top_right += 1
        if top and top["match"]:
            matched += 1
            matched_right += top["id"] == expected
        if (top and top["match"] and top["id"] != expected) or (expected and not (top and top["match"] and top["id"] == expected)):
            misses.append((variant["spec"]["query"], expected, top and (top["id"], top["score"], top["match"])))
    return {
        "variants": len(variants),
        "with_entity": with_entity,
        "top1_accuracy": top_right / with_entity,
        "match_precision": matched_right / matched if matched else 1.0,
        "match_recall": matched_right / with_entity,
        "misses": misses,
    }


if __name__ == "__main__":
    url = next((a for a in sys.argv[1:] if a.startswith("http")), "http://127.0.0.1:8000")
    with httpx.Client(base_url=url.rstrip("/"), timeout=60) as client:
        report = evaluate(client)
    print(f"{report['variants']} variants ({report['with_entity']} with an entity in the graph)")
    print(f"top candidate right: {report['top1_accuracy']:.1%}")
    print(f"match flag: precision {report['match_precision']:.1%}, recall {report['match_recall']:.1%}")
    if "-v" in sys.argv:
        for miss in report["misses"]:
            print("  miss:", miss)
