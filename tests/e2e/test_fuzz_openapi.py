"""Property-based fuzzing of every operation in the OpenAPI description (schemathesis):
no generated request gets a server error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import start_service

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"

pytestmark = pytest.mark.skipif(not SCHEMATHESIS.is_file(), reason="schemathesis (test extra) is not installed")


def test_no_generated_request_gets_a_server_error(tmp_path, data_dir):
    service = start_service(tmp_path, data=data_dir)
    try:
        result = subprocess.run(
            [str(SCHEMATHESIS), "run", f"{service.url}/openapi.json", "--checks", "not_a_server_error",
             "--phases", "coverage,fuzzing", "--max-examples", "25", "--seed", "20261125", "--no-color"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,  # its cache stays out of the project
        )
    finally:
        service.stop()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Server error" not in result.stdout
    assert "unhandled error" not in service.log.read_text()
