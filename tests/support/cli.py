"""The real `kg` command line, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.paths import BASE, PROJECT_ROOT


def run_kg(*args: str, data_dir: Path, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "KG_DATA_DIR": str(data_dir), "KG_BASE_IRI": BASE, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
