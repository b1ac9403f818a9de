"""`pip install .` gives a working install: templates, static files and migrations travel in the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_installs_and_runs_away_from_the_source_tree(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        cwd=tmp_path,
    )
    wheel = next(dist.glob("minimarket-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "web/templates/base.html",
        "web/static/app.css",
        "web/static/app.js",
        "appliance/db/migrations/env.py",
        "appliance/db/migrations/script.py.mako",
        "appliance/db/migrations/versions/0001_initial_schema.py",
        "drivers/__init__.py",
    ):
        assert expected in names, f"{expected} missing from the wheel"
    assert not any(name.startswith("tests/") for name in names)

    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)], check=True
    )
    # The installed copy plus the dependencies, but not the checkout: run from elsewhere without it on the path.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), sysconfig.get_paths()["purelib"]])}
    data = tmp_path / "shop"
    script = (
        "import appliance, sys; assert 'site' in appliance.__file__, appliance.__file__\n"
        "from appliance.cli import main\n"
        f"assert main(['db', 'upgrade', '--data-dir', {str(data)!r}]) == 0\n"
        "from litestar.testing import TestClient\n"
        "from appliance.app import create_app\n"
        "from appliance.settings import Settings\n"
        f"with TestClient(create_app(Settings.load({str(data)!r}))) as c:\n"
        "    assert c.get('/login').status_code == 200\n"
        "    assert 'Ingresar' in c.get('/login').text\n"
        "    assert c.get('/static/app.css').status_code == 200\n"
    )
    # -S: no site-packages processing, so the checkout's editable install cannot sneak in; PYTHONPATH decides.
    result = subprocess.run([sys.executable, "-S", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
