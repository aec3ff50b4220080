"""The OWL ontology, shipped with the code as data: `FILE` is its Turtle."""

from pathlib import Path

FILE = Path(__file__).with_name("kg.ttl")
