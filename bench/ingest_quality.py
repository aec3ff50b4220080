#!/usr/bin/env python3
"""How well `kg ingest` turns an article into a draft, measured leave-one-out on the five seed
articles: for each, the graph is the other four records (and their corpus rows), the fifth is
ingested, and its draft is compared with the curated record.

    .venv/bin/python bench/ingest_quality.py [--misses]

Per article and in total:
- named entities (people, organisations, places) of the curated record, found in its text (not
  known only from the metadata table), that the draft proposes or resolves, by id or by label
  and alternative labels; and the draft's entries of those kinds that are real entities of the
  record (precision);
- false merges: an entry resolved to a known person, organisation, place, event or policy that
  the curated record does not name (a topic the curator did not list is not counted);
- events and policies of the record the draft proposes: by name, or for one described in prose
  by the draft's words lying within the record's quote or label (or labels alike);
- mentions of entities the other four records already have, resolved to the right IRI, and
  false merges (an entry resolved to a known IRI that the curated record does not name);
- quotes of the draft found verbatim in the text, and quotes lying in furniture (must be 0);
- posts (holder and organisation), figures (value and qualifier) and event dates: recall against
  the record and precision of what the draft proposes;
- seconds per article.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from graph.config import Sources  # noqa: E402
from graph.ingest.pipeline import ingest  # noqa: E402
from graph.quotes import normalise  # noqa: E402
from graph.records import load_draft, load_records  # noqa: E402

NAMED = ("person", "organization", "place")
PROSE = ("event", "policy", "programme", "project")


def names(entity) -> set[str]:
    return {n.casefold() for n in [entity.label or "", *(a.label for a in entity.alt)] if n}


def described_alike(proposed, curated) -> bool:
    """An event or policy described in prose: the draft's label within the curated entity's quote
    or label, or the two labels alike (rapidfuzz token_set_ratio >= 85): curators write labels,
    drafts the text's words."""
    label = normalise(proposed.label or "").casefold()
    within = normalise(f"{curated.quote or ''} {curated.label or ''}").casefold()
    return bool(label) and (label in within or fuzz.token_set_ratio(label, (curated.label or "").casefold()) >= 85)


def left_out_sources(tmp: Path, record: Path) -> Sources:
    records, corpus = tmp / "records", tmp / "corpus"
    records.mkdir()
    corpus.mkdir()
    for path in (ROOT / "records").glob("*.yaml"):
        if path != record:
            shutil.copy(path, records)
    shutil.copy(ROOT / "records" / "links.tsv", records)
    skip = load_records_of(record).article.file
    lines = (ROOT / "corpus" / "index.tsv").read_text(encoding="utf-8").splitlines()
    (corpus / "index.tsv").write_text("\n".join(l for l in lines if not l.startswith(skip)) + "\n", encoding="utf-8")
    return Sources(records, corpus)


def load_records_of(path: Path):
    folder = Path(tempfile.mkdtemp())
    shutil.copy(path, folder)
    return load_records(folder)[0]


def measure(record_path: Path) -> dict:
    curated = load_records_of(record_path)
    with tempfile.TemporaryDirectory() as folder:
        sources = left_out_sources(Path(folder), record_path)
        others = {e.id for r in load_records(sources.records_dir) for e in r.entities}
        started = time.perf_counter()
        [result] = ingest([ROOT / "corpus" / curated.article.file], sources)
        seconds = time.perf_counter() - started
        draft, reviews = load_draft(result.draft)
        text = normalise(result.text.read_text(encoding="utf-8"))
    in_text = [e for e in curated.entities if not e.metadata]
    by_id = {e.id: e for e in draft.entities}
    draft_names = {e.id: names(e) | {w.casefold() for w in reviews.get(e.id, {}).get("written", [])} for e in draft.entities}

    def found(entity) -> str | None:
        if entity.id in by_id:
            return entity.id
        named = next((i for i, ns in draft_names.items() if ns & names(entity)), None)
        if named or entity.kind not in PROSE:
            return named
        alike = [e for e in draft.entities if e.kind == entity.kind and described_alike(e, entity)]
        best = max(alike, key=lambda e: (fuzz.token_set_ratio((e.label or "").casefold(), (entity.label or "").casefold()),
                                         len(e.label or "")), default=None)
        return best.id if best else None

    named = [e for e in in_text if e.kind in NAMED]
    named_found = {e.id: found(e) for e in named}
    prose = [e for e in in_text if e.kind in PROSE]
    prose_found = {e.id: found(e) for e in prose}
    proposals = [e for e in draft.entities if e.kind in NAMED and not e.metadata]
    prose_proposals = [e for e in draft.entities if e.kind in PROSE and reviews.get(e.id, {}).get("status") == "new"]
    matched = {v for v in named_found.values() if v}
    known_mentions = [e for e in named + prose if e.id in others]
    resolved_right = [e for e in known_mentions if reviews.get(e.id, {}).get("status") == "resolved"]
    curated_ids = {e.id for e in curated.entities}
    false_merges = [e.id for e in draft.entities if reviews.get(e.id, {}).get("status") == "resolved"
                    and e.id not in curated_ids and e.kind in NAMED + PROSE]  # a topic the record did not list is no merge
    quotes = [e.quote for e in draft.entities if e.quote] + [f.quote for e in draft.entities for f in e.facts]
    verbatim = [q for q in quotes if normalise(q) in text]
    furniture = [q for q in quotes if any(normalise(p) in normalise(q) for p in draft.article.furniture)]
    posts = _posts(curated), _posts(draft)
    # draft id -> curated id, a match by id or name before one by description (a conference's name
    # is within the labels of its panel and its section works too)
    by_name = {e.id: e.id if e.id in by_id else next((i for i, ns in draft_names.items() if ns & names(e)), None) for e in in_text}
    as_curated = {found_id: e.id for e in in_text if not by_name[e.id] and (found_id := found(e))}
    as_curated.update({found_id: curated_id for curated_id, found_id in by_name.items() if found_id})
    figures = _figures(curated), _figures(draft, as_curated)
    dates = _event_dates(curated), _event_dates(draft, as_curated)
    views = _views(curated), _views(draft)
    links = _organisation_links(curated), _organisation_links(draft, as_curated)
    roles = _event_roles(curated), _event_roles(draft, as_curated)
    return {
        "article": curated.article.file,
        "posts": (len(posts[0] & posts[1]), len(posts[0]), len(posts[1])),
        "figures": (len(figures[0] & figures[1]), len(figures[0]), len(figures[1])),
        "event dates": (len(dates[0] & dates[1]), len(dates[0]), len(dates[1])),
        "views": (len(views[0] & views[1]), len(views[0]), len(views[1])),
        "organisation links": (len(links[0] & links[1]), len(links[0]), len(links[1])),
        "links missed": sorted(" ".join(r) for r in links[0] - links[1]),
        "links wrong": sorted(" ".join(r) for r in links[1] - links[0]),
        "event roles": (len(roles[0] & roles[1]), len(roles[0]), len(roles[1])),
        "views missed": sorted(views[0] - views[1]),
        "views wrong": sorted(views[1] - views[0]),
        "roles missed": sorted(" ".join(r) for r in roles[0] - roles[1]),
        "roles wrong": sorted(" ".join(r) for r in roles[1] - roles[0]),
        "posts missed": sorted(" at ".join(p) for p in posts[0] - posts[1]),
        "posts wrong": sorted(" at ".join(p) for p in posts[1] - posts[0]),
        "figures missed": sorted(f"{q} {v} ({s})" for s, v, q in figures[0] - figures[1]),
        "figures wrong": sorted(f"{q} {v} ({s})" for s, v, q in figures[1] - figures[0]),
        "dates missed": sorted(f"{d} ({s})" for s, d in dates[0] - dates[1]),
        "dates wrong": sorted(f"{d} ({s})" for s, d in dates[1] - dates[0]),
        "named": (len(matched & set(named_found.values())), len(named)),
        "named missed": sorted(e.label for e in named if not named_found[e.id]),
        "precision": (sum(1 for p in proposals if p.id in matched), len(proposals)),
        "not real": sorted(p.label for p in proposals if p.id not in matched),
        "events and policies": (sum(1 for v in prose_found.values() if v), len(prose)),
        "prose precision": (sum(1 for e in prose_proposals if any(described_alike(e, c) or names(e) & names(c) for c in prose)),
                            len(prose_proposals)),
        "prose missed": sorted(e.label for e in prose if not prose_found[e.id]),
        "prose not real": sorted(e.label for e in prose_proposals
                                 if not any(described_alike(e, c) or names(e) & names(c) for c in prose)),
        "resolved": (len(resolved_right), len(known_mentions)),
        "unresolved known": sorted(e.label for e in known_mentions if e not in resolved_right),
        "false merges": false_merges,
        "quotes verbatim": (len(verbatim), len(quotes)),
        "quotes in furniture": len(furniture),
        "seconds": round(seconds, 2),
    }


def _labels(record) -> dict[str, str]:
    return {e.id: (e.label or "").casefold() for e in record.entities}


def _posts(record) -> set[tuple[str, str]]:
    """(holder's label, organisation's label) of each post with both."""
    labels = _labels(record)
    found = set()
    for entity in record.entities:
        if entity.kind != "position":
            continue
        facts = {f.predicate: f.value for f in entity.facts}
        if "kgo:holder" in facts and "kgo:postIn" in facts:
            found.add((labels.get(facts["kgo:holder"], facts["kgo:holder"]), labels.get(facts["kgo:postIn"], facts["kgo:postIn"])))
    return found


def _views(record) -> set[str]:
    """The holders (labels) of the stated views: who is said to have said something."""
    labels = _labels(record)
    return {labels.get(f.value, str(f.value)) for e in record.entities if e.kind == "view"
            for f in e.facts if f.predicate == "kgo:viewHolder"}


def _event_roles(record, as_curated: dict[str, str] | None = None) -> set[tuple[str, str, str]]:
    """(event, property, entity) of each organiser, venue and place of an event."""
    same = (lambda i: as_curated.get(i, i)) if as_curated is not None else (lambda i: i)
    return {(same(e.id), f.predicate, same(str(f.value))) for e in record.entities if e.kind == "event"
            for f in e.facts if f.predicate in ("kgo:organizer", "kgo:venue", "kgo:place", "kgo:openedBy", "kgo:chairedBy",
                                                "kgo:speaker", "kgo:collaborator")}


def _organisation_links(record, as_curated: dict[str, str] | None = None) -> set[tuple[str, str, str]]:
    """(organisation, property, entity) of each part-of, based-at/in and partner link."""
    same = (lambda i: as_curated.get(i, i)) if as_curated is not None else (lambda i: i)
    found = set()
    for entity in record.entities:
        for fact in entity.facts if entity.kind == "organization" else ():
            if fact.predicate in ("kgo:subOrganizationOf", "kgo:basedAt", "kgo:basedIn", "kgo:partner"):
                ends = (same(entity.id), same(str(fact.value)))
                if fact.predicate == "kgo:partner":  # symmetric: either way round is the same link
                    ends = tuple(sorted(ends))
                found.add((ends[0], fact.predicate, ends[1]))
    return found


def _figures(record, as_curated: dict[str, str] | None = None) -> set[tuple[str, int, str]]:
    """(subject, value, qualifier) of every stated figure; a draft's subject by the curated
    entity it was matched to (its own id when none)."""
    subject = (lambda i: as_curated.get(i, i)) if as_curated is not None else (lambda i: i)
    return {(subject(e.id), int(f.value["value"]), str(f.value["qualifier"])) for e in record.entities for f in e.facts
            if isinstance(f.value, dict) and "value" in f.value}


def _event_dates(record, as_curated: dict[str, str] | None = None) -> set[tuple[str, str]]:
    """(event, date) of every start and end date of an event, matched as `_figures`."""
    subject = (lambda i: as_curated.get(i, i)) if as_curated is not None else (lambda i: i)
    return {(subject(e.id), f"{f.predicate.split(':')[1]} {f.value}") for e in record.entities for f in e.facts
            if e.kind == "event" and f.predicate in ("schema:startDate", "schema:endDate")}


def precision_recall(triple: tuple[int, int, int]) -> str:
    hit, expected, proposed = triple
    recall = f"{hit}/{expected}" if expected else "-"
    precision = f"{hit}/{proposed}" if proposed else "-"
    return f"{recall}; {precision}"


def ratio(pair: tuple[int, int]) -> str:
    found, total = pair
    return f"{found}/{total} ({100 * found / total:.0f}%)" if total else "-"


def scaling(copies: int) -> None:
    """Seconds to ingest a folder of `copies` distinct texts (the seeds, each copy with a line of its
    own so that none is a repeat) against the full graph: the time per article must stay flat."""
    for count in (5, copies):
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            records, articles = tmp / "records", tmp / "articles"
            shutil.copytree(ROOT / "records", records, ignore=shutil.ignore_patterns("drafts"))
            articles.mkdir()
            seeds = sorted((ROOT / "corpus").glob("0*.txt"))
            for n in range(count):
                text = seeds[n % len(seeds)].read_text(encoding="utf-8")
                (articles / f"copy-{n:04d}.txt").write_text(f"{text}\nCopy number {n} of the synthetic folder.\n", encoding="utf-8")
            started = time.perf_counter()
            results = ingest([articles], Sources(records, tmp / "empty-corpus"))
            seconds = time.perf_counter() - started
            print(f"{count} articles in one folder: {seconds:.1f} s, {seconds / count:.3f} s per article, {len(results)} drafts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list what each draft missed or proposed wrongly")
    parser.add_argument("--copies", type=int, default=0, help="also time a folder of this many synthetic copies (e.g. 100)")
    args = parser.parse_args()
    if args.copies:
        scaling(args.copies)
    rows = [measure(path) for path in sorted((ROOT / "records").glob("0*.yaml"))]
    print("| article | named entities found | proposals that are real | events, policies, projects found | their proposals real | known resolved | false merges | quotes verbatim | in furniture | s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    totals = {k: [0, 0] for k in ("named", "precision", "events and policies", "prose precision", "resolved", "quotes verbatim")}
    for row in rows:
        for key in totals:
            totals[key][0] += row[key][0]
            totals[key][1] += row[key][1]
        print(f"| {row['article']} | {ratio(row['named'])} | {ratio(row['precision'])} | {ratio(row['events and policies'])} | "
              f"{ratio(row['prose precision'])} | {ratio(row['resolved'])} | {len(row['false merges'])} | {ratio(row['quotes verbatim'])} | {row['quotes in furniture']} | {row['seconds']} |")
    print(f"| all five | {ratio(totals['named'])} | {ratio(totals['precision'])} | {ratio(totals['events and policies'])} | "
          f"{ratio(totals['prose precision'])} | {ratio(totals['resolved'])} | {sum(len(r['false merges']) for r in rows)} | {ratio(totals['quotes verbatim'])} | "
          f"{sum(r['quotes in furniture'] for r in rows)} | {sum(r['seconds'] for r in rows):.2f} |")
    print("\nFacts, recall (found/in the record); precision (right/proposed):\n")
    kinds = ("posts", "figures", "event dates", "event roles", "organisation links", "views")
    print("| article | posts | figures (value, qualifier) | event dates | event roles (organiser, venue, place, opened, chaired, speaker, collaborator) "
          "| organisation links (part of, based at/in, partner) | stated views (holder) |")
    print("|---|---|---|---|---|---|---|")
    sums = {k: [0, 0, 0] for k in kinds}
    for row in rows:
        for key in sums:
            sums[key] = [a + b for a, b in zip(sums[key], row[key])]
        print(f"| {row['article']} | " + " | ".join(precision_recall(row[k]) for k in kinds) + " |")
    print("| all five | " + " | ".join(precision_recall(tuple(sums[k])) for k in kinds) + " |")
    if args.misses:
        for row in rows:
            print(f"\n{row['article']}")
            for key in ("named missed", "not real", "prose missed", "prose not real", "unresolved known", "false merges", "posts missed", "posts wrong",
                        "figures missed", "figures wrong", "dates missed", "dates wrong", "roles missed", "roles wrong", "links missed", "links wrong",
                        "views missed", "views wrong"):
                if row[key]:
                    print(f"  {key}: {', '.join(row[key])}")


if __name__ == "__main__":
    main()
