"""The facturas/notas channel (EnvioDTE): SOAP token, DTEUpload, QueryEstUp and QueryEstDte (NOTES §1–3).

    client = DteSoapClient(hosts, cert)
    uploaded = await client.upload(envelope_xml, rut_company=company_rut)      # → UploadResult(track_id)
    status = await client.envelope_status(uploaded.track_id, rut_company=company_rut)
    await client.aclose()

- Seed: `CrSeed.getSeed` (no parameters). Token: `GetTokenFromSeed.getToken(pszXml)` with the seed signed by
  `sign_seed` (Autenticación automática v1.9, 4.1.4–4.1.5 and chapter 8). Both answer an escaped `<SII:RESPUESTA>`
  with ESTADO 00 on success.
- Upload: `POST /cgi_dte/UPL/DTEUpload`, multipart fields `rutSender, dvSender, rutCompany, dvCompany, archivo`
  (the file as `text/xml`), `Cookie: TOKEN=…`, a User-Agent with "PROG 1.0" (Envío automático de DTE,
  OI2003_UPDTE_MDE). Answer `<RECEPCIONDTE>…<STATUS>0</STATUS><TRACKID>…</TRACKID>`; a missing STATUS is never 0.
- State: `QueryEstUp.getEstUp(RutCompania, DvCompania, TrackId, Token)` answers ESTADO (REC … EPR, RSC, RFR, RCT…)
  and, once processed, TIPO_DOCTO/INFORMADOS/ACEPTADOS/RECHAZADOS/REPAROS per type; not which folio.
  `QueryEstDte.getEstDte(...)` answers one document's state (DOK, FAU…).
- ESTADO 001/002/003 (token inactive or unknown) and STATUS 5 (not authenticated) renew the token once.
"""

from __future__ import annotations

from datetime import date

import httpx

from appliance.core.rut import Rut
from appliance.core.text import is_digits
from appliance.sii.clients import transport
from appliance.sii.clients.base import ChannelClient
from appliance.sii.clients.errors import (
    SiiAuthFailed,
    SiiBadAnswer,
    SiiQueryFailed,
    SiiUploadRejected,
    TokenRejected,
)
from appliance.sii.clients.respuesta import (
    AnswerUnreadable,
    Respuesta,
    SoapFault,
    parse_xml,
    soap_request,
    soap_return,
)
from appliance.sii.clients.results import (
    DOCUMENT_STATES,
    ENVELOPE_STATES,
    Channel,
    DocumentStatus,
    EnvelopeStatus,
    TypeCounts,
    UploadResult,
)
from appliance.sii.signature import sign_seed

# DTEUpload STATUS (Envío automático de DTE, 2.1; NOTES §3): message, and whether trying again later can help.
UPLOAD_STATUS: dict[int, tuple[str, bool]] = {
    1: ("el usuario que envía no tiene permiso para enviar documentos de esta empresa", False),
    2: ("el tamaño del archivo no es aceptable (muy grande o muy chico)", False),
    3: ("el archivo llegó cortado (su tamaño no coincide)", True),
    5: ("el usuario no está autenticado (token vencido o inválido)", True),
    6: ("la empresa no está autorizada para enviar documentos electrónicos", False),
    7: ("el envío no cumple el esquema del SII", False),
    8: ("la firma del envío no es válida", False),
    9: ("el sistema del SII está bloqueado; se reintentará más tarde", True),
    99: ("el SII ya había recibido este mismo envío", False),
}
# QueryEstUp / QueryEstDte: token problems (LibreDTE's table of the SII's estado_envio manual; NOTES §2).
TOKEN_ESTADOS = {"001": "cookie o token inactivo", "002": "token inactivo", "003": "token no existe"}
# QueryEstUp ESTADO -11 details.
_ERR_CODES = {"1": "el envío no es de la empresa o faltan parámetros", "2": "error de proceso del SII"}

_SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""', "Accept": "text/xml"}


class DteSoapClient(ChannelClient):
    """Facturas, notas and guías: EnvioDTE through the SOAP token and DTEUpload."""

    channel = Channel.DTE

    token_label = "facturas y notas"

    # Authentication.

    async def get_seed(self) -> str:
        """A fresh seed from CrSeed (valid about two minutes, single use)."""
        respuesta = await self._soap(self.hosts.crseed, "getSeed", [], what="pedir la semilla de autenticación")
        estado = respuesta.estado
        seed = respuesta.first("SEMILLA") or respuesta.first("SEED")
        if estado != "00" or not seed:
            raise SiiAuthFailed(
                f"El SII no entregó la semilla de autenticación (ESTADO {estado or '?'}"
                f"{': ' + respuesta.glosa if respuesta.glosa else ''}).",
                estado=estado or "",
            )
        return seed.strip()

    async def fetch_token(self) -> str:
        """A new token: seed → signed seed → GetTokenFromSeed. Use `tokens.get()` to reuse a cached one."""
        seed = await self.get_seed()
        signed = sign_seed(seed, self.cert, now=self._now())
        respuesta = await self._soap(
            self.hosts.get_token_from_seed,
            "getToken",
            [("pszXml", signed.decode("utf-8"))],
            what="obtener el token de autenticación",
        )
        return token_from(respuesta)

    # Upload and queries.

    async def upload(self, envelope: bytes, *, rut_company: Rut, filename: str = "EnvioDTE.xml") -> UploadResult:
        """Uploads a signed EnvioDTE once. Raises `SiiUploadRejected` (STATUS ≠ 0), `SiiBadAnswer`, `SiiBusy`,
        `SiiUnreachable` (check `maybe_received` before ever uploading the same file again)."""

        async def attempt(token: str) -> UploadResult:
            body, content_type = transport.multipart_form(
                [
                    ("rutSender", str(self.cert.rut.number)),
                    ("dvSender", self.cert.rut.dv),
                    ("rutCompany", str(rut_company.number)),
                    ("dvCompany", rut_company.dv),
                ],
                file_field="archivo",
                filename=filename,
                content=envelope,
                content_type="text/xml",
            )
            response = await transport.request(
                self.http,
                "POST",
                self.hosts.dte_upload,
                what="la subida del envío de facturas/notas",
                content=body,
                headers={"Content-Type": content_type, "Cookie": f"TOKEN={token}", "Accept": "*/*"},
            )
            return parse_upload_answer(response)

        return await self.tokens.call(attempt)

    async def envelope_status(self, track_id: str, *, rut_company: Rut) -> EnvelopeStatus:
        """QueryEstUp: the envelope's state and, once processed, its counts per document type."""

        async def attempt(token: str) -> EnvelopeStatus:
            respuesta = await self._soap(
                self.hosts.query_est_up,
                "getEstUp",
                [
                    ("RutCompania", str(rut_company.number)),
                    ("DvCompania", rut_company.dv),
                    ("TrackId", track_id),
                    ("Token", token),
                ],
                what=f"la consulta del estado del envío {track_id}",
            )
            return envelope_status_from(respuesta, track_id)

        return await self.tokens.call(attempt)

    async def document_status(
        self,
        *,
        rut_company: Rut,
        tipo: int,
        folio: int,
        fecha_emision: date,
        monto: int,
        rut_receptor: Rut,
    ) -> DocumentStatus:
        """QueryEstDte: whether the SII has one document and whether its data match."""

        async def attempt(token: str) -> DocumentStatus:
            respuesta = await self._soap(
                self.hosts.query_est_dte,
                "getEstDte",
                [
                    ("RutConsultante", str(self.cert.rut.number)),
                    ("DvConsultante", self.cert.rut.dv),
                    ("RutCompania", str(rut_company.number)),
                    ("DvCompania", rut_company.dv),
                    ("RutReceptor", str(rut_receptor.number)),
                    ("DvReceptor", rut_receptor.dv),
                    ("TipoDte", str(tipo)),
                    ("FolioDte", str(folio)),
                    ("FechaEmisionDte", fecha_emision.strftime("%d%m%Y")),
                    ("MontoDte", str(monto)),
                    ("Token", token),
                ],
                what=f"la consulta del documento tipo {tipo} folio {folio}",
            )
            return document_status_from(respuesta)

        return await self.tokens.call(attempt)

    async def _soap(self, url: str, operation: str, parameters: list[tuple[str, str]], *, what: str) -> Respuesta:
        # The namespace of each service is its own URL, as in the SII's WSDLs (targetNamespace = location).
        response = await transport.request(
            self.http, "POST", url, what=what, content=soap_request(url, operation, parameters), headers=_SOAP_HEADERS
        )
        body = response.content
        if transport.looks_like_html(body):
            raise transport.bad_answer(response, what=what, expected="XML")
        try:
            answer = soap_return(body, operation)
        except AnswerUnreadable as error:
            if response.status_code != 200 or not body.lstrip().startswith(b"<"):
                raise transport.bad_answer(response, what=what, expected="XML") from error
            raise SiiBadAnswer(
                f"La respuesta del SII a {what} no se puede leer: {error}.",
                http_status=response.status_code,
                excerpt=transport.excerpt(body),
            ) from error
        if isinstance(answer, SoapFault):
            raise SiiBadAnswer(
                f"El servicio del SII falló durante {what}: {answer.message or answer.code or 'SOAP fault'}.",
                http_status=response.status_code,
                excerpt=transport.excerpt(body),
            )
        if response.status_code != 200:
            raise transport.bad_answer(response, what=what, expected="XML")
        return answer


def token_from(respuesta: Respuesta) -> str:
    """The TOKEN of a GetTokenFromSeed / boleta token answer (ESTADO 00), or `SiiAuthFailed` with the SII's words."""
    estado = respuesta.estado
    token = respuesta.first("TOKEN")
    if estado == "00" and token:
        return token.strip()
    glosa = respuesta.glosa
    raise SiiAuthFailed(
        f"El SII rechazó la semilla firmada (ESTADO {estado or '?'}{': ' + glosa if glosa else ''}). "
        "Revise que el certificado digital esté vigente y registrado en el SII.",
        estado=estado or "",
    )


def parse_upload_answer(response: httpx.Response) -> UploadResult:
    """DTEUpload's `<RECEPCIONDTE>`. Only STATUS 0 with a TRACKID is success (NOTES §3)."""
    what = "la subida del envío de facturas/notas"
    body = response.content
    if response.status_code != 200 or transport.looks_like_html(body) or not body.lstrip().startswith(b"<"):
        raise transport.bad_answer(response, what=what, expected="el comprobante de recepción (RECEPCIONDTE)")
    try:
        root = parse_xml(body)
    except AnswerUnreadable as error:
        raise transport.bad_answer(response, what=what, expected="XML") from error
    if root.tag != "RECEPCIONDTE":
        raise transport.bad_answer(response, what=what, expected="RECEPCIONDTE")
    status_text = (root.findtext("STATUS") or "").strip()
    if not is_digits(status_text.lstrip("-")):
        raise SiiBadAnswer(
            "El SII respondió la subida sin indicar su estado (STATUS): no se sabe si recibió el envío.",
            http_status=response.status_code,
            excerpt=transport.excerpt(body),
        )
    status = int(status_text)
    track_id = (root.findtext("TRACKID") or "").strip()
    timestamp = (root.findtext("TIMESTAMP") or "").strip()
    if status == 0:
        if not track_id:
            raise SiiBadAnswer(
                "El SII aceptó la subida (STATUS 0) pero no entregó el número de seguimiento (TRACKID).",
                http_status=response.status_code,
                excerpt=transport.excerpt(body),
            )
        return UploadResult(track_id=track_id, channel=Channel.DTE, received_at=timestamp)
    if status == 5:
        raise TokenRejected("la subida respondió STATUS 5 (no autenticado)")
    meaning, retryable = UPLOAD_STATUS.get(status, (f"código desconocido {status}", False))
    details = [(node.text or "").strip() for node in root.iter("ERROR") if (node.text or "").strip()]
    detail = " ".join(details) or (root.findtext("DETAIL") or "").strip()
    message = f"El SII no recibió el envío (STATUS {status}): {meaning}."
    if detail:
        message += f" Detalle: {detail}"
    raise SiiUploadRejected(message, status=status, detail=detail, retryable=retryable, track_id=track_id)


def envelope_status_from(respuesta: Respuesta, track_id: str) -> EnvelopeStatus:
    estado = respuesta.estado
    if estado is None:
        raise SiiBadAnswer(
            f"La respuesta del SII sobre el envío {track_id} no trae su estado (ESTADO).", http_status=200
        )
    if estado in TOKEN_ESTADOS:
        raise TokenRejected(f"ESTADO {estado}: {TOKEN_ESTADOS[estado]}")
    if estado not in ENVELOPE_STATES:
        raise _query_failed(respuesta, estado, f"el envío {track_id}")
    counts = tuple(
        TypeCounts(tipo=_int(tipo), informados=_int(inf), aceptados=_int(acc), rechazados=_int(rch), reparos=_int(rep))
        for tipo, inf, acc, rch, rep in zip(
            respuesta.all("TIPO_DOCTO"),
            respuesta.all("INFORMADOS"),
            respuesta.all("ACEPTADOS"),
            respuesta.all("RECHAZADOS"),
            respuesta.all("REPAROS"),
            strict=False,
        )
    )
    return EnvelopeStatus(
        track_id=(respuesta.first("TRACKID") or track_id).strip(),
        channel=Channel.DTE,
        state=estado,
        description=respuesta.glosa or ENVELOPE_STATES[estado],
        counts=counts,
        documents=(),
        documents_complete=False,
    )


def document_status_from(respuesta: Respuesta) -> DocumentStatus:
    estado = respuesta.estado
    if estado is None:
        raise SiiBadAnswer("La respuesta del SII sobre el documento no trae su estado (ESTADO).", http_status=200)
    if estado in TOKEN_ESTADOS:
        raise TokenRejected(f"ESTADO {estado}: {TOKEN_ESTADOS[estado]}")
    if estado not in DOCUMENT_STATES:
        raise _query_failed(respuesta, estado, "el documento")
    return DocumentStatus(
        estado=estado,
        description=(respuesta.first("GLOSA_ESTADO") or DOCUMENT_STATES[estado]).strip(),
        err_code=(respuesta.first("ERR_CODE") or "").strip(),
        error_description=(respuesta.first("GLOSA_ERR") or "").strip(),
    )


def _query_failed(respuesta: Respuesta, estado: str, subject: str) -> SiiQueryFailed:
    details = [respuesta.glosa] if respuesta.glosa else []
    err_code = respuesta.first("ERR_CODE")
    if err_code:
        details.append(_ERR_CODES.get(err_code.strip(), f"ERR_CODE {err_code.strip()}"))
    for name in ("SQL_CODE", "SRV_CODE"):
        value = respuesta.first(name)
        if value:
            details.append(f"{name} {value.strip()}")
    text = "; ".join(details) or "sin detalle"
    return SiiQueryFailed(f"El SII no pudo informar sobre {subject} (ESTADO {estado}: {text}).", estado=estado)


def _int(text: str) -> int:
    try:
        return int(text.strip() or "0")
    except ValueError:
        return 0
