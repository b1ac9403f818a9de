"""The boletas channel (EnvioBOLETA): the SII's REST API (NOTES §1–3).

    client = BoletaRestClient(hosts, cert)
    uploaded = await client.upload(envelope_xml, rut_company=company_rut)      # → UploadResult(track_id)
    status = await client.envelope_status(uploaded.track_id, rut_company=company_rut)

- Seed: `GET …/boleta.electronica.semilla` answers `<SII:RESPUESTA>` with SEMILLA.
  Token: `POST …/boleta.electronica.token` with the seed signed by `sign_seed` as the body,
  `Content-Type: application/xml`; answers TOKEN.
- Upload: `POST {pangal|rahue}/recursos/v1/boleta.electronica.envio`, multipart in the order
  `rutSender, dvSender, rutCompany, dvCompany, archivo`, `Cookie: TOKEN=…` and a browser-like User-Agent (the API
  answers "Token not valid" to others). Answer JSON `{"trackid": …, "estado": "REC", …}`.
- State: `GET {apicert|api}/recursos/v1/boleta.electronica.envio/{rut}-{dv}-{trackid}` answers
  `{"estado", "estadistica": [{"tipo", "informados", "aceptados", "rechazados", "reparos"}],
  "detalle_rep_rech": [{"tipo", "folio", "estado", "descripcion", "error": [{"descripcion", "detalle"…}]}]}`.
- HTTP 401 renews the token once; 405/429/503 is `SiiBusy`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from appliance.core.rut import Rut
from appliance.sii.clients import transport
from appliance.sii.clients.base import ChannelClient
from appliance.sii.clients.errors import SiiAuthFailed, SiiBadAnswer, SiiQueryFailed, TokenRejected
from appliance.sii.clients.respuesta import AnswerUnreadable, Respuesta, parse_respuesta
from appliance.sii.clients.results import (
    ENVELOPE_STATES,
    Channel,
    DocumentResult,
    DocumentVerdict,
    EnvelopeStatus,
    TypeCounts,
    UploadResult,
)
from appliance.sii.clients.soap import token_from
from appliance.sii.signature import sign_seed


class BoletaRestClient(ChannelClient):
    """Boletas 39/41: EnvioBOLETA through the SII's REST API."""

    channel = Channel.BOLETA

    token_label = "boletas"

    async def get_seed(self) -> str:
        what = "pedir la semilla de autenticación de boletas"
        response = await transport.request(
            self.http, "GET", self.hosts.boleta_semilla, what=what, headers={"Accept": "application/xml"}
        )
        respuesta = _respuesta(response, what=what)
        seed = respuesta.first("SEMILLA") or respuesta.first("SEED")
        if respuesta.estado != "00" or not seed:
            raise SiiAuthFailed(
                f"El SII no entregó la semilla de autenticación de boletas (ESTADO {respuesta.estado or '?'}"
                f"{': ' + respuesta.glosa if respuesta.glosa else ''}).",
                estado=respuesta.estado or "",
            )
        return seed.strip()

    async def fetch_token(self) -> str:
        seed = await self.get_seed()
        signed = sign_seed(seed, self.cert, now=self._now())
        what = "obtener el token de autenticación de boletas"
        response = await transport.request(
            self.http,
            "POST",
            self.hosts.boleta_token,
            what=what,
            content=signed,
            headers={"Content-Type": "application/xml", "Accept": "application/xml"},
        )
        return token_from(_respuesta(response, what=what))

    async def upload(self, envelope: bytes, *, rut_company: Rut, filename: str = "EnvioBOLETA.xml") -> UploadResult:
        """Uploads a signed EnvioBOLETA once. Raises `SiiBadAnswer`, `SiiBusy`, `SiiUnreachable` (check
        `maybe_received` before ever uploading the same file again) or `SiiAuthFailed`."""
        what = "la subida del envío de boletas"

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
                self.hosts.boleta_envio,
                what=what,
                content=body,
                headers={"Content-Type": content_type, "Cookie": f"TOKEN={token}", "Accept": "application/json"},
            )
            data = _json(response, what=what, expected="el comprobante de recepción (JSON con trackid)")
            track_id = data.get("trackid")
            if track_id in (None, "", 0):
                raise SiiBadAnswer(
                    "El SII respondió la subida de boletas sin número de seguimiento (trackid): "
                    "no se sabe si recibió el envío.",
                    http_status=response.status_code,
                    excerpt=transport.excerpt(response.content),
                )
            return UploadResult(
                track_id=str(track_id),
                channel=Channel.BOLETA,
                received_at=str(data.get("fecha_recepcion") or ""),
                state=str(data.get("estado") or "REC"),
            )

        return await self.tokens.call(attempt)

    async def envelope_status(self, track_id: str, *, rut_company: Rut) -> EnvelopeStatus:
        """The envelope's state, counts per type and, once processed, every boleta with reparos or rejected."""
        what = f"la consulta del estado del envío de boletas {track_id}"

        async def attempt(token: str) -> EnvelopeStatus:
            response = await transport.request(
                self.http,
                "GET",
                self.hosts.boleta_estado(rut_company, track_id),
                what=what,
                headers={"Cookie": f"TOKEN={token}", "Accept": "application/json"},
            )
            if response.status_code == 404:
                raise SiiQueryFailed(
                    f"El SII no encuentra el envío de boletas {track_id} de la empresa {rut_company.formatted}.",
                    estado="404",
                )
            return envelope_status_from_json(_json(response, what=what, expected="el estado del envío"), track_id)

        return await self.tokens.call(attempt)


def envelope_status_from_json(data: dict[str, Any], track_id: str) -> EnvelopeStatus:
    estado = data.get("estado")
    if not isinstance(estado, str) or not estado.strip():
        raise SiiBadAnswer(f"La respuesta del SII sobre el envío {track_id} no trae su estado.", http_status=200)
    estado = estado.strip()
    counts = tuple(
        TypeCounts(
            tipo=_int(item.get("tipo")),
            informados=_int(item.get("informados")),
            aceptados=_int(item.get("aceptados")),
            rechazados=_int(item.get("rechazados")),
            reparos=_int(item.get("reparos")),
        )
        for item in _list(data.get("estadistica"))
    )
    only_type = counts[0].tipo if len(counts) == 1 else 0
    documents = tuple(_document(item, only_type) for item in _list(data.get("detalle_rep_rech")))
    return EnvelopeStatus(
        track_id=str(data.get("trackid") or track_id),
        channel=Channel.BOLETA,
        state=estado,
        description=str(data.get("glosa") or ENVELOPE_STATES.get(estado, "")),
        counts=counts,
        documents=documents,
        documents_complete=True,
        received_at=str(data.get("fecha_recepcion") or ""),
    )


def _document(item: dict[str, Any], only_type: int) -> DocumentResult:
    estado = str(item.get("estado") or "RCH").strip().upper()
    try:
        verdict = DocumentVerdict(estado)
    except ValueError:
        verdict = DocumentVerdict.RCH
    errors = []
    for error in _list(item.get("error")):
        text = str(error.get("descripcion") or "").strip()
        detail = str(error.get("detalle") or "").strip()
        if detail:
            text = f"{text} ({detail})" if text else detail
        if text:
            errors.append(text)
    default = "DTE Rechazado" if verdict is DocumentVerdict.RCH else "DTE Aceptado con Reparos"
    return DocumentResult(
        tipo=_int(item.get("tipo")) or only_type,
        folio=_int(item.get("folio")),
        estado=verdict,
        description=str(item.get("descripcion") or default).strip(),
        errors=tuple(errors),
    )


def _respuesta(response: httpx.Response, *, what: str) -> Respuesta:
    body = response.content
    if response.status_code != 200 or transport.looks_like_html(body) or not body.lstrip().startswith(b"<"):
        raise transport.bad_answer(response, what=what, expected="XML")
    try:
        return parse_respuesta(body)
    except AnswerUnreadable as error:
        raise SiiBadAnswer(
            f"La respuesta del SII a {what} no se puede leer: {error}.",
            http_status=response.status_code,
            excerpt=transport.excerpt(body),
        ) from error


def _json(response: httpx.Response, *, what: str, expected: str) -> dict[str, Any]:
    if response.status_code == 401:
        raise TokenRejected(f"HTTP 401 ({transport.excerpt(response.content)[:80] or 'sin detalle'})")
    body = response.content
    if response.status_code != 200 or transport.looks_like_html(body):
        raise transport.bad_answer(response, what=what, expected=expected)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("latin-1")  # the API has been seen answering ISO-8859-1
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise transport.bad_answer(response, what=what, expected=expected) from error
    if not isinstance(data, dict):
        raise transport.bad_answer(response, what=what, expected=expected)
    return data


def _list(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _int(value: object) -> int:
    try:
        return int(str(value).strip()) if value is not None else 0
    except ValueError:
        return 0
