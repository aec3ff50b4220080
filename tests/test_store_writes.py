"""A new store that cannot be written (a full disk) is one clear error and changes nothing."""

from __future__ import annotations

import errno
import json

import pytest

from graph.errors import StoreNotWritten
from graph.store import replace_store


def _fill_ok(store) -> None:
    pass


@pytest.mark.parametrize("error", [
    OSError("IO error: While appending to file: /d/oxigraph/000004.log: No space left on device"),  # as RocksDB raises it
    OSError(errno.ENOSPC, "No space left on device", "/d/dumps/graph.nq.gz"),
])
def test_a_store_the_disk_cannot_hold_is_removed_and_the_one_in_use_stands(tmp_path, error):
    first = replace_store(tmp_path, _fill_ok, origin="curated", version="v1", base_iri="http://kg.test", sources=[])
    pointer = (tmp_path / "current.json").read_text()

    def fill_until_the_disk_is_full(store) -> None:
        raise error

    with pytest.raises(StoreNotWritten) as refused:
        replace_store(tmp_path, fill_until_the_disk_is_full, origin="curated", version="v2", base_iri="http://kg.test", sources=[])
    assert "no space left on device" in str(refused.value)
    assert "store in use is unchanged" in str(refused.value)
    assert (tmp_path / "current.json").read_text() == pointer
    assert json.loads(pointer)["path"] == first.path
    assert [p.name for p in (tmp_path / "stores").iterdir()] == [first.path.split("/")[-1]]
