"""SPARQL queries shipped as data: `examples/` (shown on the query page), `competency/` (the
competency questions the tests answer) and `competency-standard/` (the same questions written
with the standard vocabularies the ontology aligns its terms to: schema.org, W3C ORG, SKOS, PROV,
Dublin Core; kgo: only where no alignment fits, as each file's second line says)."""

import re
from pathlib import Path

EXAMPLES = Path(__file__).with_name("examples")
COMPETENCY = Path(__file__).with_name("competency")
STANDARD = Path(__file__).with_name("competency-standard")

BASE_LINE = re.compile(r"^BASE <[^>]*>", re.MULTILINE)


def for_base(text: str, base: str) -> str:
    """A query of this folder for a graph served at `base`: each file carries the PREFIX lines it
    needs (so that it runs in any SPARQL client), the graph's own relative to one `BASE` line
    written for the default base, which this rewrites."""
    return BASE_LINE.sub(f"BASE <{base.rstrip('/')}/>", text, count=1)
