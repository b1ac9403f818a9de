"""Respaldo externo: where the off-site copy goes, a connection test, and how it is doing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from appliance.audit import log as audit
from appliance.backup import destination, probe
from appliance.backup.destination import BackupSettings, DestinationError, S3Keys
from appliance.http.pages import db, flash, form_data, page, redirect
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, allow
from appliance.settings import Settings


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _page(
    request: Request[Any, Any, Any],
    *,
    error: str | None = None,
    probe_result: probe.ProbeResult | None = None,
    status_code: int = 200,
) -> Template:
    settings = _settings(request)
    try:
        current = destination.load(settings)
    except (ValueError, OSError) as exc:
        current, error = None, error or f"La configuración guardada no es válida: {exc}"
    service = request.app.state.get("backup")
    return page(
        request,
        "backup.html",
        status_code=status_code,
        current=current,
        error=error,
        probe=probe_result,
        status=service.status if service is not None else None,
        offsite=current is not None and destination.is_offsite(settings, current),
        has_keys=destination.load_keys(settings) is not None,
    )


@get("/respaldo", opt=allow(BACKOFFICE_VIEW), name="backup")
async def backup_page(request: Request[Any, Any, Any]) -> Template:
    return await _page(request)


def _from_form(data: dict[str, str], settings: Settings) -> tuple[BackupSettings, S3Keys | None]:
    kind = data.get("kind", "dir")
    spec = data.get("s3", "").strip() if kind == "s3" else data.get("dir", "").strip()
    if not spec:
        raise DestinationError("Escriba la carpeta o la dirección s3:// del respaldo.")
    if kind != "s3" and not Path(spec).is_absolute():
        raise DestinationError("Escriba la carpeta completa del respaldo, por ejemplo /media/respaldo/minimarket.")
    dest = destination.parse_replica(spec if kind == "s3" else str(Path(spec)))
    backup = destination.with_destination(destination.load(settings), dest)
    keys = None
    if kind == "s3" and data.get("access_key_id", "").strip():
        keys = S3Keys(data["access_key_id"].strip(), data.get("secret_access_key", ""))
    destination.validate(backup)
    return backup, keys


@post("/respaldo", opt=allow(ADMIN))
async def save_destination(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    settings = _settings(request)
    try:
        backup, keys = _from_form(data, settings)
    except (ValueError, OSError) as exc:
        return await _page(request, error=str(exc), status_code=400)
    if data.get("action") == "probar":
        result = await probe.test_destination(backup.destination, keys or destination.load_keys(settings))
        return await _page(request, probe_result=result, status_code=200 if result.ok else 400)
    destination.save(settings, backup)
    if keys is not None:
        destination.save_keys(settings, keys)
    async with db(request).write() as session:
        await audit.record(session, request.user.id, "backup.destination", "backup", "", {"kind": data.get("kind")})
    flash(request, "Destino del respaldo guardado. El respaldo se reinicia con el nuevo destino.")
    return redirect("/respaldo")


ROUTES = [backup_page, save_destination]
