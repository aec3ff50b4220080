"""The settings, read from the environment in one place (kg/settings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import KgError
from kg.settings import Settings


def test_every_setting_is_read_from_its_variable(monkeypatch):
    monkeypatch.setenv("KG_BASE_IRI", "https://kg.example.org/")
    monkeypatch.setenv("KG_DATA_DIR", "/srv/kg")
    monkeypatch.setenv("KG_PORT", "8080")
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "2.5")
    monkeypatch.setenv("KG_SERVICE_ALLOWLIST", "https://a.org/sparql  https://b.org/sparql")
    monkeypatch.setenv("KG_QUERY_MALLOC", "system")
    monkeypatch.setenv("KG_RECORDS_DIR", "")  # empty: the default
    settings = Settings.from_env()
    assert settings.base_iri == "https://kg.example.org" and settings.data_dir == Path("/srv/kg")
    assert settings.port == 8080 and settings.query_timeout == 2.5 and settings.query_malloc == "system"
    assert settings.service_allowlist == ("https://a.org/sparql", "https://b.org/sparql")
    assert settings.records_dir == Settings().records_dir


def test_a_bad_number_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("KG_PORT", "eighty")
    with pytest.raises(KgError, match="KG_PORT='eighty' is not a whole number"):
        Settings.from_env()
