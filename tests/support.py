"""Helpers shared by the tests: a shop in a temporary directory, its users, and logged-in HTTP clients."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from appliance.db import migrate
from appliance.db.engine import Database
from appliance.db.models import Company
from appliance.settings import Settings
from appliance.sii import local_setup
from appliance.users import service as users

PASSWORD = "clave-de-prueba"
TEST_COMPANY = {
    "rut": "76543210-3",
    "razon_social": "Comercial de Prueba SpA",
    "giro": "Almacén y panadería",  # accents on purpose: the documents are ISO-8859-1
    "actecos": [472101],
    "address": "Los Aromos 123",
    "comuna": "Ñuñoa",
    "ciudad": "Santiago",
    "environment": "certificacion",
    "resolution_number": 0,
}
STAFF = {
    "admin": "administrador",
    "super": "supervisor",
    "caja": "cajero",
    "duena": "dueno",
}
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


def migrated_database(root: Path) -> Database:
    """A real SQLite file in `root`, migrated to the current schema, with nothing in it yet."""
    path = root / "shop.sqlite"
    migrate.upgrade(path, root / "backups")
    return Database(path)


def make_shop(root: Path) -> Settings:
    """A migrated shop with one user per role (passwords: PASSWORD)."""
    settings = Settings.load(root)
    settings.ensure_dirs()
    migrate.upgrade(settings.database_path, settings.backups_dir)

    async def seed() -> None:
        db = Database(settings.database_path)
        async with db.write() as session:
            session.add(Company(id=1, **TEST_COMPANY))
            await session.flush()
            await local_setup.provision(session, settings.secrets_dir, now=datetime.now(UTC))
            for username, role in STAFF.items():
                await users.create(
                    session, username=username, full_name=username.title(), role=role, password=PASSWORD, actor_id=None
                )
        await db.dispose()

    asyncio.run(seed())
    return settings


def csrf_from(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


def login(client: TestClient[Any], username: str, password: str = PASSWORD) -> str:
    """Log the client in; returns a CSRF token valid for its later form posts (tokens are bound to the session, so
    the one from the login page is no good afterwards)."""
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": password, "_csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/").text)


def post_form(client: TestClient[Any], url: str, data: dict[str, str], token: str) -> Any:
    return client.post(url, data={**data, "_csrf_token": token}, follow_redirects=False)


def run(coro: Any) -> Any:
    return asyncio.run(coro)
