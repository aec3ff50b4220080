"""A client of the W3C Reconciliation API 0.2 (the schemas in ../shared/reconciliation-0.2/):
what `kg ingest` asks, when the user has configured services (KG_RECONCILE_SERVICES), for the
people and organisations a draft adds; it is never called otherwise.

For each service: its manifest (the identifier space says what its ids are), one batch of
queries (the names as the draft writes them), then the identifiers of its best candidates: the
ids themselves when its identifier space is a dataset links.tsv knows (Wikidata's services), or
else, when it offers data extension with `owl:sameAs` (another instance of this project), the
verified identifiers it holds for them. Every request has a time limit; a service that is down,
slow or answers nonsense costs a note in the draft's review, never the draft. Answers are kept in
a cache file (the same name asked again within CACHE_DAYS is not sent).
"""

from __future__ import annotations

import json
import time
import httpx

from graph.config import ReconcileConfig
from graph.links import DATASETS, SCHEMES, identifier_of
from graph.linking import Candidate

CACHE_DAYS = 30
PER_QUERY = 3  # candidates asked for per name
SAME_AS = "owl:sameAs"


class ReconcileClient:
    def __init__(self, config: ReconcileConfig, transport: httpx.BaseTransport | None = None):
        self.config = config
        self.client = httpx.Client(timeout=config.timeout, transport=transport, headers={"User-Agent": "kg-ingest"},
                                   follow_redirects=True)
        self.cache: dict[str, dict] = {}
        if config.cache is not None and config.cache.is_file():
            try:
                self.cache = json.loads(config.cache.read_text(encoding="utf-8"))
            except ValueError:
                self.cache = {}  # a broken cache is no cache

    def close(self) -> None:
        self.client.close()
        if self.config.cache is not None and self.cache:
            self.config.cache.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.config.cache.with_suffix(".tmp")
            fresh = self._fresh()  # answers older than CACHE_DAYS are dropped, not kept for ever
            temporary.write_text(json.dumps({k: v for k, v in self.cache.items() if k in fresh}, sort_keys=True), encoding="utf-8")
            temporary.replace(self.config.cache)

    def candidates(self, names: dict[str, str]) -> tuple[dict[str, list[Candidate]], list[str]]:
        """Entity id -> name as written, to: entity id -> the identifiers proposed, and notes
        (one per service that could not answer)."""
        found: dict[str, list[Candidate]] = {entity: [] for entity in names}
        notes = []
        for url in self.config.services:
            try:
                for entity, candidates in self._ask(url, names).items():
                    found[entity] += candidates
            except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
                notes.append(f"the reconciliation service {url} could not be asked ({type(exc).__name__}: {exc or 'no answer'}); "
                             f"no identifiers from it")
        return found, notes

    def _ask(self, url: str, names: dict[str, str]) -> dict[str, list[Candidate]]:
        manifest = self._cached(f"manifest {url}", lambda: self._json(self.client.get(url)))
        space = str(manifest.get("identifierSpace", ""))
        service = str(manifest.get("name") or url)
        results = {}
        fresh = self._fresh()
        todo = {entity: name for entity, name in names.items() if f"query {url} {name}" not in fresh}
        if todo:
            keys = {f"q{i}": entity for i, entity in enumerate(todo)}
            queries = {key: {"query": todo[entity], "limit": PER_QUERY} for key, entity in keys.items()}
            answer = self._json(self.client.post(url, data={"queries": json.dumps(queries)}))
            for key, entity in keys.items():
                self.cache[f"query {url} {todo[entity]}"] = {"at": time.time(), "value": answer[key]["result"]}
        for entity, name in names.items():
            results[entity] = [r for r in self.cache[f"query {url} {name}"]["value"] if isinstance(r, dict) and "id" in r]
        if any(space == prefix for _, prefix in DATASETS.values()):  # its ids are a dataset's (Wikidata's services)
            return {entity: [c for r in rows if (c := self._direct(space, service, url, names[entity], r))]
                    for entity, rows in results.items()}
        if "extend" not in manifest:
            return {entity: [] for entity in names}
        best = {entity: rows[0] for entity, rows in results.items() if rows}
        extended = self._extend(url, [row["id"] for row in best.values()]) if best else {}
        return {entity: [c for iri in extended.get(row["id"], []) if (c := self._via(service, url, names[entity], row, iri))]
                for entity, row in best.items()} | {entity: [] for entity in names if entity not in best}

    def _extend(self, url: str, ids: list[str]) -> dict[str, list[str]]:
        """Each id's owl:sameAs identifiers, by data extension (the ids not in the cache asked at once)."""
        fresh = self._fresh()
        todo = sorted({i for i in ids if f"extend {url} {i}" not in fresh})
        if todo:
            answer = self._json(self.client.post(url, data={"extend": json.dumps({"ids": todo, "properties": [{"id": SAME_AS}]})}))
            for i in todo:
                row = answer["rows"].get(i) or {}
                values = [v["str"] for v in row.get(SAME_AS, []) if isinstance(v, dict) and isinstance(v.get("str"), str)]
                self.cache[f"extend {url} {i}"] = {"at": time.time(), "value": values}
        return {i: self.cache[f"extend {url} {i}"]["value"] for i in ids}

    def _direct(self, space: str, service: str, url: str, name: str, row: dict) -> Candidate | None:
        found = identifier_of(space + str(row["id"]))
        return None if found is None else self._candidate(found, service, url, name, row, "its id")

    def _via(self, service: str, url: str, name: str, row: dict, iri: str) -> Candidate | None:
        found = identifier_of(iri)
        return None if found is None else self._candidate(found, service, url, name, row, f"its {SAME_AS}")

    @staticmethod
    def _candidate(found: tuple[str, str], service: str, url: str, name: str, row: dict, how: str) -> Candidate | None:
        scheme, identifier = found
        if scheme not in SCHEMES or not SCHEMES[scheme][0].match(identifier):
            return None
        score = max(0, min(100, round(float(row.get("score", 0)))))
        types = ", ".join(str(t.get("name") or t.get("id")) for t in row.get("type") or [] if isinstance(t, dict))
        evidence = (f"{name!r} reconciled by {service} as {row.get('name')!r}" + (f" ({types})" if types else "")
                    + f", score {score}{', a match' if row.get('match') else ''}; {how}")
        return Candidate(scheme, identifier, "sameAs", score, evidence,
                         f"{service} ({url}, W3C reconciliation): {row.get('id')}, {how}")

    def _cached(self, key: str, fetch) -> dict:
        if key not in self._fresh():
            self.cache[key] = {"at": time.time(), "value": fetch()}
        return self.cache[key]["value"]

    def _fresh(self) -> set[str]:
        limit = time.time() - CACHE_DAYS * 86400
        return {key for key, entry in self.cache.items() if isinstance(entry, dict) and entry.get("at", 0) >= limit}

    @staticmethod
    def _json(response: httpx.Response):
        response.raise_for_status()
        return response.json()

