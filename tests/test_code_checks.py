"""Static checks of the project's own code: a name used but never defined fails only on the path
that reaches it (the last-resort error handler once did), so the whole tree is read for them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_module_uses_an_undefined_name_or_imports_what_it_does_not_use():
    folders = [str(ROOT / name) for name in ("api", "graph", "kg", "bench", "tests")]
    checked = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", *folders],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
