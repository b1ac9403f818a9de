"""Import products from a spreadsheet: upload, look at the preview, confirm. Nothing is written before confirming."""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from appliance.core.errors import DomainError
from appliance.http.inputs import as_text, read_form
from appliance.http.pages import db, flash, form_data, page, redirect
from appliance.http.policy import ADMIN, allow
from appliance.imports import products
from appliance.imports.reader import MAX_FILE_BYTES, read_upload
from appliance.settings import Settings

MAX_UPLOAD = MAX_FILE_BYTES
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _stored(request: Request[Any, Any, Any], token: str) -> Path:
    settings: Settings = request.app.state.settings
    if not TOKEN_RE.match(token):
        raise DomainError("La importación no existe o expiró; suba el archivo de nuevo.", "import_not_found")
    matches = list(settings.imports_dir.glob(f"{token}.*"))
    if not matches:
        raise DomainError("La importación no existe o expiró; suba el archivo de nuevo.", "import_not_found")
    return matches[0]


@get("/importar", opt=allow(ADMIN), name="import")
async def import_form(request: Request[Any, Any, Any]) -> Template:
    return page(request, "imports/upload.html", error=None)


@post("/importar", opt=allow(ADMIN), request_max_body_size=MAX_UPLOAD)
async def import_upload(request: Request[Any, Any, Any]) -> Template:
    form = await read_form(request)
    upload = form.get("archivo")
    create_categories = form.get("crear_categorias") == "on"
    if not isinstance(upload, UploadFile) or not upload.filename:
        return page(request, "imports/upload.html", status_code=400, error="Elija un archivo CSV o Excel (.xlsx).")
    data = await upload.read()
    try:
        # Off the event loop, streaming and bounded (imports/reader.py): a crafted file cannot stall the counter.
        rows = await read_upload(as_text(upload.filename, "archivo", max_len=200), data)
    except DomainError as exc:
        return page(request, "imports/upload.html", status_code=400, error=exc.message)
    async with db(request).read() as session:
        preview = await products.preview(session, rows, create_categories=create_categories)
    token = secrets.token_urlsafe(18)
    settings: Settings = request.app.state.settings
    suffix = Path(upload.filename).suffix.lower()
    (settings.imports_dir / f"{token}{suffix}").write_bytes(data)
    return page(
        request,
        "imports/preview.html",
        status_code=200 if preview.ok else 400,
        preview=preview,
        token=token,
        filename=upload.filename,
        create_categories=create_categories,
    )


@post("/importar/{token:str}/confirmar", opt=allow(ADMIN))
async def import_confirm(request: Request[Any, Any, Any], token: FromPath[str]) -> Template | Redirect:
    create_categories = (await form_data(request)).flag("crear_categorias")
    path = _stored(request, token)
    try:
        rows = await read_upload(path.name, await asyncio.to_thread(path.read_bytes))
    except DomainError as exc:
        return page(request, "imports/upload.html", status_code=400, error=exc.message)
    try:
        async with db(request).write(bulk=True) as session:  # thousands of rows: off the event loop's thread
            result = await products.apply(session, rows, user_id=request.user.id, create_categories=create_categories)
    except products.ImportHasErrors:
        async with db(request).read() as session:
            preview = await products.preview(session, rows, create_categories=create_categories)
        return page(
            request,
            "imports/preview.html",
            status_code=400,
            preview=preview,
            token=token,
            filename=path.name,
            create_categories=create_categories,
        )
    path.unlink(missing_ok=True)
    flash(
        request,
        f"Importación lista: {result.count('crear')} productos creados, {result.count('actualizar')} "
        f"actualizados, {result.count('sin cambios')} sin cambios.",
    )
    return redirect("/productos")


ROUTES = [import_form, import_upload, import_confirm]
