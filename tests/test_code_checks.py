"""Static checks of the project's own code.

- A name used but never defined fails only on the path that reaches it (the last-resort error
  handler once did), so the whole tree is read for them (ruff's pyflakes rules).
- The layers point one way, kg -> api -> graph: graph imports no web framework, terminal or
  command line, api never names pyoxigraph (import-linter, the contracts in pyproject.toml).
- Only kg/settings.py reads the environment.
"""

from __future__ import annotations

import ast
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


def test_the_layers_point_one_way():
    lint_imports = Path(sys.executable).parent / "lint-imports"  # import-linter's command, in the test extra
    checked = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "3 kept, 0 broken" in checked.stdout


def environment_reads(path: Path) -> list[str]:
    """`os.environ` and `os.getenv` (or `environ`/`getenv` imported from os) in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and {a.name for a in node.names} & {"environ", "getenv"}:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_the_settings_read_the_environment():
    modules = [p for folder in ("graph", "api", "kg") for p in sorted((ROOT / folder).rglob("*.py"))]
    reads = [where for path in modules if path != ROOT / "kg" / "settings.py" for where in environment_reads(path)]
    assert reads == []
