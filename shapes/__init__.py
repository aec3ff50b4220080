"""The SHACL shapes, shipped with the code as data: `FILE` is their Turtle."""

from pathlib import Path

FILE = Path(__file__).with_name("kg-shapes.ttl")
