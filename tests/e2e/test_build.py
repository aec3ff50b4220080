"""Whole builds, again: the same records make the same bytes."""

from __future__ import annotations

from graph.build import build
from graph.store import open_store, sorted_nquads


def test_the_build_is_deterministic(tmp_path, data_dir, sources, ns):
    again = tmp_path / "again"
    build(sources, ns, again)
    first, second = open_store(data_dir), open_store(again)
    assert sorted_nquads(first.store) == sorted_nquads(second.store)
    first.close()
    second.close()
