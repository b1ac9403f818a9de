"""Documentos SII: every document and its state, CAF and certificate uploads, downloads for the accountant (signed
XML, PDF on 80 mm roll or letter size), and the envelopes sent to the SII with their XML exactly as sent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from appliance.audit import log as audit
from appliance.core.errors import DomainError
from appliance.core.text import is_digits
from appliance.db.models import DOCUMENT_STATES, Document, Envelope, Setting
from appliance.http.inputs import MAX_ID, as_int, as_text, read_form
from appliance.http.pages import db, flash, form_data, page, redirect
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, allow
from appliance.settings import Settings
from appliance.sii import backoffice, export, folios, pdf
from appliance.sii.doctypes import TipoDTE
from appliance.sii.queue import retry_document

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
        envelopes = await export.recent_envelopes(session)
        queue = await export.queue_status(session, now)
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
        envelopes=envelopes,
        queue=queue,
    )


@get("/sii", opt=allow(BACKOFFICE_VIEW), name="sii")
async def sii_page(
    request: Request[Any, Any, Any], tipo: FromQuery[str] = "", estado: FromQuery[str] = "", folio: FromQuery[str] = ""
) -> Template:
    known_states = {"", *DOCUMENT_STATES, "pendiente"}
    return await _page(
        request,
        tipo=as_int(tipo, "tipo", maximum=999, label="tipo de documento"),
        estado=estado if estado in known_states else "",
        folio=as_int(folio, "folio", minimum=1, maximum=MAX_ID, label="folio"),
    )


@post("/sii/caf", opt=allow(ADMIN), request_max_body_size=MAX_UPLOAD)
async def upload_caf(request: Request[Any, Any, Any]) -> Template | Redirect:
    upload = (await read_form(request)).get("archivo")
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
    form = await read_form(request)
    upload, password = form.get("archivo"), form.get("password")
    if not isinstance(upload, UploadFile) or not upload.filename or not isinstance(password, str):
        return await _page(request, error="Elija el archivo .pfx o .p12 y escriba su contraseña.", status_code=400)
    password = as_text(password, "password", max_len=200, label="contraseña")
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


async def _document(request: Request[Any, Any, Any], document_id: int) -> Document:
    async with db(request).read() as session:
        document = await session.get(Document, document_id)
    if document is None:
        raise NotFoundException("El documento no existe.")
    return document


@get("/sii/documentos/{document_id:int}/xml", opt=allow(BACKOFFICE_VIEW), name="sii_xml")
async def document_xml(request: Request[Any, Any, Any], document_id: FromPath[int]) -> Response[bytes]:
    document = await _document(request, document_id)
    name = export.document_filename(document.tipo, document.folio, "xml")
    return Response(
        export.with_declaration(document.signed_xml),
        media_type="application/xml; charset=ISO-8859-1",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@get("/sii/documentos/{document_id:int}/pdf", opt=allow(BACKOFFICE_VIEW), name="sii_pdf")
async def document_pdf(
    request: Request[Any, Any, Any],
    document_id: FromPath[int],
    formato: FromQuery[str] = "80mm",
    copia: FromQuery[str] = "",
) -> Response[bytes]:
    """The representación impresa, shown in the browser (and saved as DTE-39-123.pdf / DTE-39-123-carta.pdf)."""
    fmt: pdf.PdfFormat = "carta" if formato == "carta" else "80mm"  # anything else: the roll
    async with db(request).read() as session:
        document = await session.get(Document, document_id)
        if document is None:
            raise NotFoundException("El documento no existe.")
        printable = await pdf.printable_for(session, document)
    # About a second of CPU: off the event loop, so the counter's screens keep answering meanwhile.
    body = await asyncio.to_thread(pdf.render_pdf, printable, fmt, copy=copia == "1")
    name = export.document_filename(document.tipo, document.folio, "pdf", fmt)
    return Response(body, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@get("/sii/envios/{envelope_id:int}/xml", opt=allow(BACKOFFICE_VIEW), name="sii_envelope_xml")
async def envelope_xml(request: Request[Any, Any, Any], envelope_id: FromPath[int]) -> Response[bytes]:
    """The EnvioBOLETA / EnvioDTE byte for byte as it was (or will be) uploaded."""
    async with db(request).read() as session:
        envelope = await session.get(Envelope, envelope_id)
    if envelope is None:
        raise NotFoundException("El envío no existe.")
    return Response(
        envelope.xml,
        media_type="application/xml; charset=ISO-8859-1",
        headers={"Content-Disposition": f'attachment; filename="{export.envelope_filename(envelope)}"'},
    )


@post("/sii/documentos/{document_id:int}/reintentar", opt=allow(ADMIN))
async def retry(request: Request[Any, Any, Any], document_id: FromPath[int]) -> Redirect:
    """After fixing what the SII objected to (certificate, company data …), send a rejected document again."""
    await retry_document(db(request), document_id)
    async with db(request).write() as session:
        await audit.record(session, request.user.id, "sii.retry", "document", document_id)
    flash(request, "El documento volverá a enviarse al SII en el próximo envío.")
    return redirect("/sii?estado=pendiente")


@post("/sii/aviso-folios", opt=allow(ADMIN))
async def low_folios(request: Request[Any, Any, Any]) -> Redirect:
    raw = (await form_data(request)).text("threshold", max_len=20).strip()
    threshold = int(raw) if is_digits(raw, max_len=6) and 0 < int(raw) <= 100_000 else None
    if threshold is None:
        raise DomainError("El aviso de folios es un número entre 1 y 100.000.", "invalid_threshold")
    async with db(request).write() as session:
        setting = await session.get(Setting, backoffice.LOW_FOLIOS_KEY)
        if setting is None:
            session.add(Setting(key=backoffice.LOW_FOLIOS_KEY, value=threshold))
        else:
            setting.value = threshold
        await audit.record(
            session, request.user.id, "sii.low_folios", "setting", backoffice.LOW_FOLIOS_KEY, {"value": threshold}
        )
    flash(request, f"Se avisará cuando queden menos de {threshold:,} folios.".replace(",", "."))
    return redirect("/sii")


ROUTES = [sii_page, upload_caf, upload_certificate, document_xml, document_pdf, envelope_xml, retry, low_folios]
