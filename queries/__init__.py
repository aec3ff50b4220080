"""SPARQL queries shipped as data: `examples/` (shown on the query page), `competency/` (the
competency questions the tests answer) and `competency-standard/` (the same questions written
with the standard vocabularies the ontology aligns its terms to: schema.org, W3C ORG, SKOS, PROV,
Dublin Core; kgo: only where no alignment fits, as each file's second line says)."""

from pathlib import Path

EXAMPLES = Path(__file__).with_name("examples")
COMPETENCY = Path(__file__).with_name("competency")
STANDARD = Path(__file__).with_name("competency-standard")
