#!/usr/bin/env python3
"""Reconcile a spreadsheet column in a real OpenRefine against the running service, as a user would.

Drives OpenRefine through its own HTTP API (what its web UI calls): creates a project from a CSV
of names typed the way people type them, reconciles the column with the "standard service" at
`{service}/reconcile` (type Organization or Person, auto-match on), waits, and prints each
cell's judgment and match.

    apt-get install openrefine        # Debian's OpenRefine 3.6
    cd /usr/share/openrefine && ./refine -i 127.0.0.1 -p 3333 -d /tmp/refine-data &
    kg serve &
    python bench/openrefine_reconcile.py [--refine http://127.0.0.1:3333] [--service http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import json
import time

import httpx

COLUMNS = {
    "Organization": ["Nazarbaev University", "university of ulster", "Behavioural Insights Team", "Cornell Univ.",
                     "National Analytical Centre", "UNDP", "OECD", "Academy of Public Administration",
                     "ministry of civil service affairs", "Astana Hub", "Harvard University"],
    "Person": ["Knox, Colin", "Rasul Rysmambetov", "Waqar Ahmed", "Prof. Pan Suk Kim", "alikhan baimenov", "John Smith"],
}


def reconcile_column(refine: httpx.Client, service: str, type_id: str, names: list[str]) -> list[tuple[str, str, str]]:
    token = refine.get("/command/core/get-csrf-token").json()["token"]
    csv = "name\n" + "\n".join(names) + "\n"
    created = refine.post(
        "/command/core/create-project-from-upload",
        params={"csrf_token": token},
        data={"project-name": f"kg-{type_id}", "format": "text/line-based/*sv",
              "options": json.dumps({"separator": ",", "headerLines": 1, "encoding": "UTF-8"})},
        files={"project-file": ("names.csv", csv.encode(), "text/csv")},
        follow_redirects=False,
    )
    project = created.headers["location"].split("project=")[1]
    manifest = httpx.get(f"{service}/reconcile").json()
    config = {
        "mode": "standard-service",
        "service": f"{service}/reconcile",
        "identifierSpace": manifest["identifierSpace"],
        "schemaSpace": manifest["schemaSpace"],
        "type": {"id": type_id, "name": type_id},
        "autoMatch": True,
        "columnDetails": [],
        "limit": 0,
    }
    token = refine.get("/command/core/get-csrf-token").json()["token"]
    refine.post("/command/core/reconcile", params={"project": project, "csrf_token": token},
                data={"columnName": "name", "config": json.dumps(config),
                      "engine": json.dumps({"facets": [], "mode": "row-based"})})
    for _ in range(120):
        if not refine.get("/command/core/get-processes", params={"project": project}).json()["processes"]:
            break
        time.sleep(0.5)
    page = refine.get("/command/core/get-rows", params={"project": project, "start": 0, "limit": 100}).json()
    recons = page["pool"]["recons"]  # cells refer to their reconciliation by id
    out = []
    for row, name in zip(page["rows"], names, strict=True):
        recon = recons.get(str((row["cells"][0] or {}).get("r")), {})
        match = recon.get("m") or {}
        out.append((name, recon.get("j", "none"), f"{match.get('id', '')} {match.get('name', '')}".strip()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refine", default="http://127.0.0.1:3333")
    parser.add_argument("--service", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    with httpx.Client(base_url=args.refine, timeout=60) as refine:
        for type_id, names in COLUMNS.items():
            print(f"\n{type_id}: {len(names)} names reconciled by OpenRefine against {args.service}/reconcile")
            for name, judgment, match in reconcile_column(refine, args.service, type_id, names):
                print(f"  {name!r:40} {judgment:8} {match}")


if __name__ == "__main__":
    main()
