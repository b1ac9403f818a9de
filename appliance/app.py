"""The one place the Litestar app is wired: settings in, routes, auth, CSRF, templates and static files out."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

from litestar import Litestar
from litestar.datastructures import State
from litestar.static_files import create_static_files_router

from appliance.core.pauses import freeze_startup_objects
from appliance.db import migrate
from appliance.db.engine import Database
from appliance.http import errors
from appliance.http.auth import authorize, session_auth
from appliance.http.auth_cache import AuthCache
from appliance.http.controllers import ROUTES
from appliance.http.csrf import CsrfMiddleware
from appliance.http.edge import Edge
from appliance.http.inputs import MAX_BODY
from appliance.http.policy import PUBLIC
from appliance.http.templating import STATIC_DIR, template_config
from appliance.pos.events import LaneHub
from appliance.settings import Settings, public_base_url, read_or_create_secret
from appliance.sii.runner import SiiRunner
from appliance.users.throttle import Guards

if TYPE_CHECKING:
    from litestar.types import ASGIApp

    from appliance.devices.manager import DeviceManager

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    devices: DeviceManager | None = None,
    migrate_on_start: bool = True,
    sii_queue: bool = False,
    backup: bool = False,
    serving: bool = False,
) -> Litestar:
    """`devices`: the box's hardware (`DeviceManager(settings)`); None runs without devices or printing.
    `sii_queue`: drain the SII queue in the background (the box and the demo; tests drive the queue themselves).
    `backup`: watch the off-site copy, and run Litestream here unless systemd runs it (litestream.service).
    `serving`: the long-lived server process (not a test's app): its start-up objects are frozen for the collector
    (core/pauses.py)."""
    settings.ensure_dirs()
    if migrate_on_start:
        migrate.upgrade(settings.database_path, settings.backups_dir)
    db = Database(settings.database_path, background_checkpoints=True)
    secret = read_or_create_secret(settings, "app.key", 32)
    hub = LaneHub()
    printing = None
    if devices is not None:
        from appliance.jobs.outbox import OutboxPrinter  # the hardware libraries load only on a box with devices

        printing = OutboxPrinter(db, devices)
    backup_service = None
    if backup:
        from appliance.backup.service import BackupService

        backup_service = BackupService(
            settings,
            run_litestream=os.environ.get("INVOCATION_ID") is None,  # set by systemd: litestream.service runs it
            on_status=(lambda status: devices.set_backup_lagging(status.lagging)) if devices is not None else None,
        )
    runner = (
        SiiRunner(db, settings, on_pending=devices.set_sii_pending if devices is not None else None)
        if sii_queue
        else None
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db.start()
        # Devices first: the print worker hands receipts to the lanes' queues.
        if devices is not None and printing is not None:
            await devices.start(db, hub)
            await printing.start()
        if runner is not None:
            runner.start()
        if backup_service is not None:
            await backup_service.start()
        if serving:
            log.info("start-up objects frozen for the garbage collector: %d", freeze_startup_objects())
        try:
            yield
        finally:
            if runner is not None:
                await runner.stop()
            if devices is not None and printing is not None:
                await printing.stop()
                await devices.stop()
            # Closed while Litestream still holds its own connection, ours is not the last one: SQLite leaves the WAL
            # where Litestream left off instead of checkpointing it away, and the next start needs no new snapshot.
            await db.dispose()
            if backup_service is not None:
                await backup_service.stop()

    auth = session_auth(secret, settings.session_max_age)
    app = Litestar(
        route_handlers=[
            *ROUTES,
            create_static_files_router(path="/static", directories=[STATIC_DIR], opt=PUBLIC, name="static"),
        ],
        state=State(
            {
                "db": db,
                "settings": settings,
                "devices": devices,
                "hub": hub,
                "printing": printing,
                "sii": runner,
                "backup": backup_service,
                "auth_cache": AuthCache(),
                "guards": Guards.default(),
                # Links the box hands out (the tablet pairing URL) name its own address, never the Host header.
                "public_url": public_base_url(settings),
            }
        ),
        on_app_init=[auth.on_app_init],
        # After the session middleware (SessionAuth puts its own first): tokens are bound to the session.
        middleware=[CsrfMiddleware(secret)],
        guards=[authorize],
        template_config=template_config(),
        # Forms are small; the screens that take a file (CAF, certificate, imports) allow their own size.
        request_max_body_size=MAX_BODY,
        multipart_form_part_limit=50,
        exception_handlers=errors.HANDLERS,
        lifespan=[lifespan],
        openapi_config=None,
        debug=False,
    )
    app.asgi_handler = cast("ASGIApp", Edge(cast("Any", app.asgi_handler)))
    return app
