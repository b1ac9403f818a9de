"""The one place the Litestar app is wired: settings in, routes, auth, CSRF, templates and static files out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.static_files import create_static_files_router

from appliance.db import migrate
from appliance.db.engine import Database
from appliance.http import errors
from appliance.http.auth import authorize, session_auth
from appliance.http.controllers import ROUTES
from appliance.http.policy import PUBLIC
from appliance.http.templating import STATIC_DIR, template_config
from appliance.pos.events import LaneHub
from appliance.settings import Settings, read_or_create_secret

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, devices: Any = None, migrate_on_start: bool = True) -> Litestar:
    settings.ensure_dirs()
    if migrate_on_start:
        migrate.upgrade(settings.database_path, settings.backups_dir)
    db = Database(settings.database_path)
    secret = read_or_create_secret(settings, "app.key", 32)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await db.dispose()

    auth = session_auth(secret, settings.session_max_age)
    return Litestar(
        route_handlers=[
            *ROUTES,
            create_static_files_router(path="/static", directories=[STATIC_DIR], opt=PUBLIC, name="static"),
        ],
        state=State({"db": db, "settings": settings, "devices": devices, "hub": LaneHub()}),
        on_app_init=[auth.on_app_init],
        guards=[authorize],
        csrf_config=CSRFConfig(
            secret=secret.hex(),
            cookie_name="mm_csrf",
            cookie_samesite="strict",
            cookie_httponly=True,
            exclude=["/salud"],
        ),
        template_config=template_config(),
        exception_handlers=errors.HANDLERS,
        lifespan=[lifespan],
        openapi_config=None,
        debug=False,
    )
