"""Documentos SII: every document and its state, CAF and certificate uploads, downloads for the accountant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from appliance.audit import log as audit
from appliance.core.errors import DomainError
from appliance.db.models import Document
from appliance.http.pages import db, flash, page, redirect
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, allow
from appliance.settings import Settings
from appliance.sii import backoffice, folios
from appliance.sii.doctypes import TipoDTE

MAX_UPLOAD = 2 * 1024 * 1024


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _page(
    request: Request[Any, Any, Any],
    *,
    tipo: int | None = None,
    estado: str = "",
    folio: int | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    now = datetime.now(UTC)
    async with db(request).read() as session:
        summary = await backoffice.overview(session, _settings(request).secrets_dir, now)
        rows = await backoffice.documents(session, tipo=tipo, state=estado or None, folio=folio)
    return page(
        request,
        "sii/documents.html",
        status_code=status_code,
        summary=summary,
        rows=rows,
        tipo=tipo,
        estado=estado,
        folio=folio,
        error=error,
        tipos=list(TipoDTE),
    )


@get("/sii", opt=allow(BACKOFFICE_VIEW), name="sii")
async def sii_page(
    request: Request[Any, Any, Any], tipo: FromQuery[str] = "", estado: FromQuery[str] = "", folio: FromQuery[str] = ""
) -> Template:
    return await _page(
        request,
        tipo=int(tipo) if tipo.isdigit() else None,
        estado=estado,
        folio=int(folio) if folio.isdigit() else None,
    )


@post("/sii/caf", opt=allow(ADMIN), request_max_body_size=MAX_UPLOAD)
async def upload_caf(request: Request[Any, Any, Any]) -> Template | Redirect:
    upload = (await request.form()).get("archivo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _page(request, error="Elija el archivo XML del CAF que descargó del SII.", status_code=400)
    data = await upload.read()
    try:
        async with db(request).write() as session:
            row = await folios.upload(
                session, _settings(request).secrets_dir, data, today=datetime.now(UTC).date(), user_id=request.user.id
            )
    except DomainError as exc:
        return await _page(request, error=f"CAF rechazado: {exc.message}", status_code=400)
    flash(request, f"CAF de {TipoDTE(row.tipo).nombre.lower()} cargado: folios {row.folio_from} a {row.folio_to}.")
    return redirect("/sii")


@post("/sii/certificado", opt=allow(ADMIN), request_max_body_size=MAX_UPLOAD)
async def upload_certificate(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await request.form()
    upload, password = form.get("archivo"), form.get("password")
    if not isinstance(upload, UploadFile) or not upload.filename or not isinstance(password, str):
        return await _page(request, error="Elija el archivo .pfx o .p12 y escriba su contraseña.", status_code=400)
    try:
        cert = backoffice.save_certificate(
            _settings(request).secrets_dir, await upload.read(), password, datetime.now(UTC)
        )
    except DomainError as exc:
        return await _page(request, error=f"Certificado rechazado: {exc.message}", status_code=400)
    async with db(request).write() as session:
        await audit.record(
            session,
            request.user.id,
            "sii.certificate_upload",
            "certificate",
            cert.rut.compact,
            {"name": cert.name, "valid_until": cert.not_after.isoformat()},
        )
    flash(request, f"Certificado de {cert.name} ({cert.rut.formatted}) cargado; vence el {cert.not_after:%d-%m-%Y}.")
    return redirect("/sii")


@get("/sii/documentos/{document_id:int}/xml", opt=allow(BACKOFFICE_VIEW), name="sii_xml")
async def document_xml(request: Request[Any, Any, Any], document_id: FromPath[int]) -> Response[bytes]:
    async with db(request).read() as session:
        document = await session.get(Document, document_id)
    if document is None:
        raise DomainError("El documento no existe.", "not_found")
    body = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n' + document.signed_xml
    return Response(
        body,
        media_type="application/xml; charset=ISO-8859-1",
        headers={"Content-Disposition": f'attachment; filename="DTE-{document.tipo}-{document.folio}.xml"'},
    )


ROUTES = [sii_page, upload_caf, upload_certificate, document_xml]
