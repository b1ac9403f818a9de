"""Code quality as tests: ruff (lint and format) and mypy (strict, configured in pyproject.toml) must pass on main.

The tools are the ones locked in uv.lock and installed in the same environment as pytest, run from the repository root
so they read pyproject.toml. On failure the tool's own output is the failure message.
"""

from __future__ import annotations

import ast
import subprocess
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(sysconfig.get_path("scripts"))


def run_tool(tool: str, *args: str) -> None:
    executable = SCRIPTS / tool
    if not executable.exists():
        pytest.fail(f"{tool} is not installed in {SCRIPTS}: run `bash provisioning/quickstart.sh test`")
    command = [str(executable), *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    if result.returncode != 0:
        output = "\n".join(part for part in (result.stdout.strip(), result.stderr.strip()) if part)
        pytest.fail(f"`{' '.join((tool, *args))}` exited with {result.returncode}:\n{output}", pytrace=False)


def test_ruff_lint() -> None:
    run_tool("ruff", "check", "appliance", "drivers", "tests")


def test_ruff_format() -> None:
    run_tool("ruff", "format", "--check", "appliance", "drivers")


def test_mypy_strict() -> None:
    run_tool("mypy")


def test_no_isdigit_in_the_product() -> None:
    """`str.isdigit()` accepts "²" and "٣", which `int()` refuses or misreads: each such check was a 500 somewhere.
    Numbers from people go through appliance/http/inputs.py; elsewhere, `appliance.core.text.is_digits`."""
    offenders = []
    for package in ("appliance", "drivers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            offenders += [
                f"{path.relative_to(ROOT)}:{node.lineno}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and node.attr in ("isdigit", "isdecimal", "isnumeric")
            ]
    assert not offenders, f"use core.text.is_digits instead of str.isdigit(): {offenders}"
