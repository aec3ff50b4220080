"""SPARQL queries shipped as data: `examples/` (shown on the query page) and `competency/` (the
competency questions the tests answer)."""

from pathlib import Path

EXAMPLES = Path(__file__).with_name("examples")
COMPETENCY = Path(__file__).with_name("competency")
