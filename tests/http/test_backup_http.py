"""Respaldo externo in the back office: choose a destination, test the connection, keys never in the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from appliance.backup import destination
from appliance.settings import Settings
from tests.support import csrf_from, login


def _post(client: TestClient[Any], data: dict[str, str]) -> Any:
    token = csrf_from(client.get("/respaldo").text)
    return client.post("/respaldo", data={"_csrf_token": token, **data}, follow_redirects=False)


def test_folder_destination_tested_then_saved(shop: Settings, client: TestClient[Any], tmp_path: Path) -> None:
    login(client, "admin")
    target = tmp_path / "usb"
    target.mkdir()
    tested = _post(client, {"kind": "dir", "dir": str(target), "action": "probar"})
    assert tested.status_code == 200 and 'class="flash ok"' in tested.text
    saved = _post(client, {"kind": "dir", "dir": str(target), "action": "guardar"})
    assert saved.status_code == 303
    assert str(target) in str(destination.load(shop).destination)


def test_unreachable_s3_says_so_and_keys_stay_out_of_the_database(shop: Settings, client: TestClient[Any]) -> None:
    login(client, "admin")
    spec = "s3://bucket/minimarket?endpoint=http://127.0.0.1:9&region=us-east-1&force-path-style=true"
    tested = _post(
        client, {"kind": "s3", "s3": spec, "access_key_id": "AKIA", "secret_access_key": "s3cr3t", "action": "probar"}
    )
    assert tested.status_code == 400 and 'class="flash error"' in tested.text
    assert (
        _post(
            client,
            {"kind": "s3", "s3": spec, "access_key_id": "AKIA", "secret_access_key": "s3cr3t", "action": "guardar"},
        ).status_code
        == 303
    )
    keys = destination.keys_path(shop)
    assert keys.exists() and keys.stat().st_mode & 0o077 == 0
    dump = "\n".join(sqlite3.connect(shop.database_path).iterdump())
    assert "s3cr3t" not in dump


def test_bad_input_and_roles(client: TestClient[Any]) -> None:
    login(client, "admin")
    bad = _post(client, {"kind": "dir", "dir": "", "action": "guardar"})
    assert bad.status_code == 400 and "Escriba la carpeta" in bad.text
    client.cookies.clear()
    login(client, "duena")
    assert client.get("/respaldo").status_code == 200
    client.cookies.clear()
    login(client, "caja")
    assert client.get("/respaldo").status_code == 403
