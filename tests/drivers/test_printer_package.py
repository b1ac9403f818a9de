"""drivers.printing stands alone: it imports nothing from the app, and its public API is importable by itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import drivers.printing

PACKAGE = Path(drivers.printing.__file__).parent


def test_no_module_imports_the_app() -> None:
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] in ("appliance", "web", "tests") for name in names), path.name


def test_importing_the_library_loads_no_app_code() -> None:
    code = (
        "import sys, drivers.printing; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('appliance', 'litestar', 'sqlalchemy')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PACKAGE.parents[1], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_public_names_resolve() -> None:
    assert all(hasattr(drivers.printing, name) for name in drivers.printing.__all__)
