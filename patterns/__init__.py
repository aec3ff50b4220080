"""What the extractor of `kg ingest` matches, shipped as data (YAML): `FURNITURE` (lines of a page
that are not the article: navigation, related headlines, footers) and `NAMES` (honorifics, post
titles, the words that make a name an organisation, an event or a place) and `DEMONYMS` (the
adjectives of countries: "the Kazakhstani government"), and `PLACES` (countries and major cities
with their GeoNames, ISO 3166 and verified Wikidata identifiers, built by scripts/build_places.py:
what `kg ingest` proposes links from, offline)."""

from pathlib import Path

FURNITURE = Path(__file__).with_name("furniture.yaml")
NAMES = Path(__file__).with_name("names.yaml")
DEMONYMS = Path(__file__).with_name("demonyms.yaml")
PLACES = Path(__file__).with_name("places.tsv")
