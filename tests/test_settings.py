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


def test_no_endpoint_means_the_embedded_store_and_a_bad_one_is_one_line():
    assert Settings().endpoint() is None
    with pytest.raises(KgError, match="KG_SPARQL_ENDPOINT='localhost:7878/query': an http"):
        Settings(sparql_endpoint="localhost:7878/query").endpoint()
    with pytest.raises(KgError, match="KG_SPARQL_AUTH='kerberos': use basic or digest"):
        Settings(sparql_endpoint="http://127.0.0.1:7878/query", sparql_auth="kerberos").endpoint()


def test_updates_go_beside_a_query_endpoint_unless_told_otherwise():
    oxigraph = Settings(sparql_endpoint="http://127.0.0.1:7878/query").endpoint()
    assert oxigraph.update_url == "http://127.0.0.1:7878/update" and oxigraph.user is None
    virtuoso = Settings(sparql_endpoint="http://127.0.0.1:8890/sparql", sparql_update_endpoint="http://127.0.0.1:8890/sparql-auth",
                        sparql_user="dba", sparql_password="secret", sparql_auth="digest").endpoint()
    assert (virtuoso.update_url, virtuoso.user, virtuoso.password, virtuoso.auth) == ("http://127.0.0.1:8890/sparql-auth", "dba", "secret", "digest")
    assert Settings(sparql_endpoint="http://127.0.0.1:8890/sparql").endpoint().update_url is None  # the query endpoint itself
