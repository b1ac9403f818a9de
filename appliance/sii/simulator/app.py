"""The simulated SII as an ASGI app (Litestar): the SII's endpoints, in the SII's formats, on one host.

    POST /DTEWS/CrSeed.jws                          getSeed                    → escaped RESPUESTA (SEMILLA)
    POST /DTEWS/GetTokenFromSeed.jws                getToken(pszXml)           → escaped RESPUESTA (TOKEN)
    POST /DTEWS/QueryEstUp.jws                      getEstUp(...)              → escaped RESPUESTA (ESTADO, counts)
    POST /DTEWS/QueryEstDte.jws                     getEstDte(...)             → escaped RESPUESTA (ESTADO of one DTE)
    POST /cgi_dte/UPL/DTEUpload                     multipart + Cookie TOKEN   → RECEPCIONDTE (STATUS, TRACKID)
    GET  /recursos/v1/boleta.electronica.semilla                               → RESPUESTA (SEMILLA)
    POST /recursos/v1/boleta.electronica.token      signed seed XML            → RESPUESTA (TOKEN)
    POST /recursos/v1/boleta.electronica.envio      multipart + Cookie TOKEN   → JSON {"trackid", "estado": "REC"…}
    GET  /recursos/v1/boleta.electronica.envio/{rut}-{dv}-{trackid}            → JSON estado, estadistica, detalle

and its own control surface, never subject to faults:

    GET    /_sim/uploads            uploads per (rut, tipo, folio): proof that nothing was sent twice
    GET    /_sim/tracks/{trackid}   everything the simulator decided about an envelope
    GET    /_sim/faults             POST /_sim/faults (JSON, see `RequestFault.from_json` and the document modes
                                    {"mode": "reject"|"reparo", "tipo", "folio", "message"})    DELETE /_sim/faults
    POST   /_sim/config             {"processing_delay": s, "reject_at_upload": bool, "token_ttl": s}
    POST   /_sim/tokens/expire      every token becomes inactive
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from cryptography import x509
from litestar import Litestar, Request, Response, delete, get, post
from litestar.params import FromPath
from lxml import etree

from appliance.core.clock import CHILE_TZ
from appliance.core.rut import InvalidRut, Rut
from appliance.sii.certificate import holder_rut
from appliance.sii.errors import SignatureInvalid
from appliance.sii.signature import verify_signature
from appliance.sii.simulator import answers
from appliance.sii.simulator.checks import RCH, RPR, EnvelopeCheck, Override, examine, file_hash, list_documents
from appliance.sii.simulator.state import Endpoint, FaultMode, RequestFault, SimulatorState, Track

Handler = Callable[[], Awaitable[Response[bytes]]]

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
_FIELD_ORDER = ["rutSender", "dvSender", "rutCompany", "dvCompany", "archivo"]
_DISPOSITION = re.compile(rb'name="([^"]*)"(?:; *filename="([^"]*)")?', re.IGNORECASE)
_XML = "text/xml; charset=UTF-8"
_JSON = "application/json"
_MAX_BODY = 64 * 1024 * 1024


def create_app(state: SimulatorState) -> Litestar:
    """The ASGI app serving `state`."""
    sim = _Simulator(state)

    @post("/DTEWS/CrSeed.jws", status_code=200)
    async def crseed(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await sim.guarded(Endpoint.AUTH, lambda: sim.crseed(request))

    @post("/DTEWS/GetTokenFromSeed.jws", status_code=200)
    async def get_token_from_seed(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await sim.guarded(Endpoint.AUTH, lambda: sim.get_token_soap(request))

    @post("/DTEWS/QueryEstUp.jws", status_code=200)
    async def query_est_up(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await sim.guarded(Endpoint.STATUS, lambda: sim.query_est_up(request))

    @post("/DTEWS/QueryEstDte.jws", status_code=200)
    async def query_est_dte(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await sim.guarded(Endpoint.STATUS, lambda: sim.query_est_dte(request))

    @post("/cgi_dte/UPL/DTEUpload", status_code=200)
    async def dte_upload(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await sim.guarded(Endpoint.UPLOAD, lambda: sim.dte_upload(request))

    @get("/recursos/v1/boleta.electronica.semilla")
    async def boleta_semilla() -> Response[bytes]:
        return await sim.guarded(Endpoint.AUTH, sim.boleta_semilla)

    @post("/recursos/v1/boleta.electronica.token", status_code=200)
    async def boleta_token(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await sim.guarded(Endpoint.AUTH, lambda: sim.boleta_token(request))

    @post("/recursos/v1/boleta.electronica.envio", status_code=200)
    async def boleta_envio(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await sim.guarded(Endpoint.UPLOAD, lambda: sim.boleta_envio(request))

    @get("/recursos/v1/boleta.electronica.envio/{ident:str}")
    async def boleta_estado(request: Request[Any, Any, Any], ident: FromPath[str]) -> Response[bytes]:
        return await sim.guarded(Endpoint.STATUS, lambda: sim.boleta_estado(request, ident))

    @get("/_sim/uploads")
    async def uploads() -> Response[bytes]:
        return _json(state.uploads_report())

    @get("/_sim/tracks/{track_id:str}")
    async def track(track_id: FromPath[str]) -> Response[bytes]:
        found = state.tracks.get(track_id)
        if found is None:
            return _json({"error": "no existe"}, status=404)
        return _json({"state": state.state_of(found), **asdict(found), "counts": found.counts()})

    @get("/_sim/faults")
    async def list_faults() -> Response[bytes]:
        with state.lock:
            return _json(
                {
                    "faults": [fault.to_json() for fault in state.faults],
                    "documents": [
                        {"tipo": tipo, "folio": folio, "estado": o.estado, "message": o.message}
                        for (tipo, folio), o in sorted(state.overrides.items())
                    ],
                }
            )

    @post("/_sim/faults", status_code=200)
    async def add_fault(request: Request[Any, Any, Any]) -> Response[bytes]:
        data = json.loads(await request.body())
        mode = str(data.get("mode", ""))
        if mode in ("reject", "reparo"):
            estado = RCH if mode == "reject" else RPR
            default = "Rechazo simulado" if estado == RCH else "Reparo simulado"
            override = Override(estado=estado, message=str(data.get("message") or default))
            state.set_override(int(data["tipo"]), int(data["folio"]), override)
        else:
            state.add_fault(RequestFault.from_json(data))
        return _json({"ok": True})

    @delete("/_sim/faults", status_code=200)
    async def clear_faults() -> Response[bytes]:
        state.clear_faults()
        return _json({"ok": True})

    @post("/_sim/config", status_code=200)
    async def configure(request: Request[Any, Any, Any]) -> Response[bytes]:
        data = json.loads(await request.body())
        with state.lock:
            if "processing_delay" in data:
                state.config.processing_delay = float(data["processing_delay"])
            if "reject_at_upload" in data:
                state.config.reject_at_upload = bool(data["reject_at_upload"])
            if "token_ttl" in data:
                state.config.token_ttl = float(data["token_ttl"])
        return _json({"ok": True})

    @post("/_sim/tokens/expire", status_code=200)
    async def expire_tokens() -> Response[bytes]:
        return _json({"expired": state.expire_tokens()})

    return Litestar(
        route_handlers=[
            crseed,
            get_token_from_seed,
            query_est_up,
            query_est_dte,
            dte_upload,
            boleta_semilla,
            boleta_token,
            boleta_envio,
            boleta_estado,
            uploads,
            track,
            list_faults,
            add_fault,
            clear_faults,
            configure,
            expire_tokens,
        ],
        openapi_config=None,
        request_max_body_size=_MAX_BODY,
        debug=False,
    )


class _Simulator:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    async def guarded(self, endpoint: Endpoint, handler: Handler) -> Response[bytes]:
        """Applies the first injected fault that targets `endpoint`, or answers normally."""
        fault = self.state.take_fault(endpoint)
        if fault is None:
            return await handler()
        if fault.mode is FaultMode.HANG:
            if fault.after:
                answer = await handler()
                await asyncio.sleep(fault.seconds)
                return answer
            # A stalled front end: the request never reaches the SII behind it.
            await asyncio.sleep(fault.seconds)
            return Response(b"Gateway Timeout", status_code=504, media_type="text/plain")
        if fault.mode is FaultMode.HTTP_500:
            return Response(b"Error 500", status_code=500, media_type="text/html")
        if fault.mode is FaultMode.HTML:
            return Response(answers.HTML_ERROR_PAGE, status_code=200, media_type="text/html; charset=ISO-8859-1")
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return Response(b"Too Many Requests", status_code=fault.status, media_type="text/plain", headers=headers)

    # SOAP: seed and token.

    async def crseed(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        call = await _soap_call(request)
        if isinstance(call, Response):
            return call
        namespace, operation, _params = call
        if operation != "getSeed":
            return _fault(f"No such operation '{operation}'")
        seed = self.state.new_seed()
        text = answers.respuesta([("ESTADO", "00")], [("SEMILLA", seed)])
        return _xml(answers.soap_answer(namespace, operation, text))

    async def get_token_soap(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        call = await _soap_call(request)
        if isinstance(call, Response):
            return call
        namespace, operation, params = call
        if operation != "getToken":
            return _fault(f"No such operation '{operation}'")
        signed = params.get("pszXml") or next(iter(params.values()), "")
        text = self._token_answer(signed.encode("utf-8"), channel="dte")
        return _xml(answers.soap_answer(namespace, operation, text))

    def _token_answer(self, signed: bytes, *, channel: str) -> str:
        """GetTokenFromSeed's checks and ESTADOs (Autenticación automática v1.9, 5.2.2 and chapter 6)."""
        try:
            root = etree.fromstring(signed.strip(), etree.XMLParser(resolve_entities=False, no_network=True))
        except (etree.XMLSyntaxError, ValueError):
            return _estado("02", "XML Invalido (SAXException), funcion valSignedXml")
        if root.find(f"{{{DSIG_NS}}}Signature") is None:
            return _estado("04", "XML Invalido, elemento Signature no existe, funcion valSignedXml")
        seed = (root.findtext("item/Semilla") or "").strip()
        if not seed:
            return _estado("06", "XML Invalido, elemento Semilla no existe, funcion getSeed")
        certificate_text = root.findtext(f".//{{{DSIG_NS}}}X509Certificate")
        if not certificate_text or not certificate_text.strip():
            return _estado("11", "XML Invalido, elemento Certificate no existe, funcion getCertificado")
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode("".join(certificate_text.split())))
        except (ValueError, binascii.Error):
            return _estado("11", "XML Invalido, elemento Certificate no existe, funcion getCertificado")
        try:
            verify_signature(signed)
        except SignatureInvalid as error:
            if "KeyValue" in error.message:
                return _estado("21", "Firma invalida (La llave publica no coincide con la del certificado)")
            return _estado("05", "XML Invalido, firma invalida, funcion valSignedXml")
        holder = holder_rut(certificate)
        if holder is None:
            return _estado("-07", "Error (12) parse ERROR en Validacion del RUT")
        problem = self.state.take_seed(seed)
        if problem is not None:
            return _estado("08", problem)
        token = self.state.new_token(holder.compact, channel)
        return answers.respuesta([("ESTADO", "00"), ("GLOSA", "Token Creado")], [("TOKEN", token)])

    # SOAP: queries.

    async def query_est_up(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        call = await _soap_call(request)
        if isinstance(call, Response):
            return call
        namespace, operation, params = call
        values = _params(params, ["RutCompania", "DvCompania", "TrackId", "Token"])
        rut, dv, track_id, token_value = values
        token, problem = self.state.token(token_value, "dte")
        if token is None:
            return _xml(answers.soap_answer(namespace, operation, _token_problem(problem)))
        track = self.state.tracks.get(track_id.strip())
        if track is None or track.channel != "dte" or track.rut_emisor != f"{rut}-{dv.upper()}":
            text = answers.respuesta(
                [("TRACKID", track_id), ("ESTADO", "-11"), ("ERR_CODE", "1"), ("SQL_CODE", "0"), ("SRV_CODE", "0")]
            )
            return _xml(answers.soap_answer(namespace, operation, text))
        current = self.state.state_of(track)
        header = [
            ("TRACKID", track.track_id),
            ("ESTADO", current),
            ("GLOSA", track.glosa if current == track.final_state else _GLOSAS[current]),
            ("NUM_ATENCION", f"{secrets_number()} ( {_chile(datetime.now(CHILE_TZ), '%Y/%m/%d %H:%M:%S')})"),
        ]
        body: list[tuple[str, str]] = []
        if current == "EPR":
            for counts in track.counts():
                body += [
                    ("TIPO_DOCTO", str(counts["tipo"])),
                    ("INFORMADOS", str(counts["informados"])),
                    ("ACEPTADOS", str(counts["aceptados"])),
                    ("RECHAZADOS", str(counts["rechazados"])),
                    ("REPAROS", str(counts["reparos"])),
                ]
        return _xml(answers.soap_answer(namespace, operation, answers.respuesta(header, body)))

    async def query_est_dte(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        call = await _soap_call(request)
        if isinstance(call, Response):
            return call
        namespace, operation, params = call
        names = [
            "RutConsultante",
            "DvConsultante",
            "RutCompania",
            "DvCompania",
            "RutReceptor",
            "DvReceptor",
            "TipoDte",
            "FolioDte",
            "FechaEmisionDte",
            "MontoDte",
            "Token",
        ]
        values = dict(zip(names, _params(params, names), strict=True))
        token, problem = self.state.token(values["Token"], "dte")
        if token is None:
            return _xml(answers.soap_answer(namespace, operation, _token_problem(problem)))
        key = f"{values['RutCompania']}-{values['DvCompania'].upper()}/{values['TipoDte']}/{values['FolioDte']}"
        document = self.state.document(key)
        if document is None or document["estado"] == RCH:
            estado = "FAU"
        else:
            same = (
                _same_date(values["FechaEmisionDte"], str(document["fecha_emision"]))
                and values["MontoDte"].strip() == str(document["monto"])
                and f"{values['RutReceptor']}-{values['DvReceptor'].upper()}" == document["rut_receptor"]
            )
            estado = "DOK" if same else "DNK"
        glosa = _DOCUMENT_GLOSAS[estado]
        text = answers.respuesta(
            [
                ("ESTADO", estado),
                ("GLOSA_ESTADO", glosa),
                ("ERR_CODE", "2" if estado == "DOK" else "3"),
                ("GLOSA_ERR", glosa),
                ("NUM_ATENCION", f"{secrets_number()} ( {_chile(datetime.now(CHILE_TZ), '%Y/%m/%d %H:%M:%S')})"),
            ]
        )
        return _xml(answers.soap_answer(namespace, operation, text))

    # DTEUpload.

    async def dte_upload(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        # Without "PROG 1.0" the SII takes the caller for a browser and answers web pages (Envío automático de DTE).
        if "PROG 1.0" not in request.headers.get("user-agent", ""):
            return _html()
        form = _multipart(await request.body(), request.headers.get("content-type", ""))
        if form is None or [name for name, _f, _v in form] != _FIELD_ORDER:
            return _html()
        fields = {name: value for name, _filename, value in form}
        file_name = next((filename or "" for name, filename, _v in form if name == "archivo"), "")
        rut_sender = f"{fields['rutSender'].decode('latin-1').strip()}-{fields['dvSender'].decode('latin-1').upper()}"
        rut_company = (
            f"{fields['rutCompany'].decode('latin-1').strip()}-{fields['dvCompany'].decode('latin-1').upper()}"
        )
        data = fields["archivo"]
        timestamp = _chile(datetime.now(CHILE_TZ), "%Y-%m-%d %H:%M:%S")

        def answer(status: int, track_id: str | None = None, errors: tuple[str, ...] = ()) -> Response[bytes]:
            return _xml(
                answers.recepcion_dte(
                    rut_sender=rut_sender,
                    rut_company=rut_company,
                    file_name=file_name,
                    timestamp=timestamp,
                    status=status,
                    track_id=track_id,
                    errors=errors,
                )
            )

        token, _problem = self.state.token(_cookie_token(request), "dte")
        if token is None:
            return answer(5)
        if token.holder != _rut_text(rut_sender):
            return answer(1)
        if not data.strip():
            return answer(2)
        self.state.count_upload(list_documents(data))
        digest = file_hash(data)
        if self.state.track_with_hash(digest) is not None:
            return answer(99)
        check = await asyncio.to_thread(self._examine, data, boleta=False, sender=token.holder, company=rut_company)
        if self.state.config.reject_at_upload and check.upload_status:
            return answer(check.upload_status, errors=check.errors)
        track = self.state.add_track(
            channel="dte",
            check=check,
            file_name=file_name,
            digest=digest,
            data=data,
            rut_sender=token.holder,
            rut_company=_rut_text(rut_company),
        )
        return answer(0, track.track_id)

    def _examine(self, data: bytes, *, boleta: bool, sender: str, company: str) -> EnvelopeCheck:
        with self.state.lock:
            overrides = dict(self.state.overrides)
        return examine(
            data,
            boleta=boleta,
            rut_sender=sender,
            rut_company=_rut_text(company),
            trusted_caf_keys=self.state.config.all_trusted_keys(),
            accepted_before=self.state.accepted_before,
            overrides=overrides,
            now=datetime.now(CHILE_TZ),
        )

    # Boleta REST API.

    async def boleta_semilla(self) -> Response[bytes]:
        seed = self.state.new_seed()
        text = answers.respuesta([("ESTADO", "00")], [("SEMILLA", seed)])
        return _xml(text.encode("utf-8"))

    async def boleta_token(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        text = self._token_answer(await request.body(), channel="boleta")
        return _xml(text.encode("utf-8"))

    async def boleta_envio(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        # The boleta API refuses programs that do not look like a browser (NOTES §2).
        if not request.headers.get("user-agent", "").startswith("Mozilla/"):
            return Response(b"Token not valid", status_code=401, media_type="text/plain")
        token, _problem = self.state.token(_cookie_token(request), "boleta")
        if token is None:
            return Response(b"Token not valid", status_code=401, media_type="text/plain")
        form = _multipart(await request.body(), request.headers.get("content-type", ""))
        if form is None or [name for name, _f, _v in form] != _FIELD_ORDER:
            return _json({"codigo": 400, "descripcion": "Parametros del envio incorrectos"}, status=400)
        fields = {name: value for name, _filename, value in form}
        file_name = next((filename or "" for name, filename, _v in form if name == "archivo"), "")
        rut_sender = _rut_text(f"{fields['rutSender'].decode('latin-1')}-{fields['dvSender'].decode('latin-1')}")
        rut_company = _rut_text(f"{fields['rutCompany'].decode('latin-1')}-{fields['dvCompany'].decode('latin-1')}")
        if token.holder != rut_sender:
            return _json({"codigo": 403, "descripcion": "Usuario sin permiso de envio"}, status=403)
        data = fields["archivo"]
        self.state.count_upload(list_documents(data))
        digest = file_hash(data)
        if self.state.track_with_hash(digest) is not None:
            track = self.state.rejected_track(
                channel="boleta", rut_emisor=rut_company, rut_sender=rut_sender, file_name=file_name, digest=digest
            )
        else:
            check = await asyncio.to_thread(self._examine, data, boleta=True, sender=rut_sender, company=rut_company)
            track = self.state.add_track(
                channel="boleta",
                check=check,
                file_name=file_name,
                digest=digest,
                data=data,
                rut_sender=rut_sender,
                rut_company=rut_company,
            )
        return _json(
            {
                "rut_emisor": rut_company,
                "rut_envia": rut_sender,
                "trackid": int(track.track_id),
                "fecha_recepcion": _chile(datetime.now(CHILE_TZ), "%Y-%m-%d %H:%M:%S"),
                "estado": "REC",
                "file": file_name,
            }
        )

    async def boleta_estado(self, request: Request[Any, Any, Any], ident: str) -> Response[bytes]:
        token, _problem = self.state.token(_cookie_token(request), "boleta")
        if token is None:
            return Response(b"Token not valid", status_code=401, media_type="text/plain")
        parts = ident.rsplit("-", 2)
        track = self.state.tracks.get(parts[-1]) if len(parts) == 3 else None
        if track is None or track.channel != "boleta" or track.rut_emisor != _rut_text(f"{parts[0]}-{parts[1]}"):
            return _json({"codigo": 404, "descripcion": "Envio no encontrado"}, status=404)
        return _json(boleta_status(track, self.state.state_of(track)))


def boleta_status(track: Track, current: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rut_emisor": track.rut_emisor,
        "rut_envia": track.rut_envia,
        "trackid": int(track.track_id),
        "fecha_recepcion": _chile(datetime.fromtimestamp(track.received_at, CHILE_TZ), "%d/%m/%Y %H:%M:%S"),
        "estado": current,
        "estadistica": [],
        "detalle_rep_rech": [],
    }
    if current == "EPR":
        data["estadistica"] = track.counts()
        data["detalle_rep_rech"] = [
            {
                "tipo": document["tipo"],
                "folio": document["folio"],
                "estado": document["estado"],
                "descripcion": "DTE Rechazado" if document["estado"] == RCH else "DTE Aceptado con Reparos",
                "error": document["errors"],
            }
            for document in track.documents
            if document["estado"] != "DOK"
        ]
    return data


_GLOSAS = {"REC": "Envio Recibido", "SOK": "Schema Validado", "EPR": "Envio Procesado"}
_DOCUMENT_GLOSAS = {
    "DOK": "Documento Recibido por el SII. Datos Coinciden con los Registrados",
    "DNK": "Documento Recibido por el SII pero Datos NO Coinciden con los registrados",
    "FAU": "Documento No Recibido por el SII",
}


def secrets_number() -> int:
    return secrets.randbelow(900_000) + 100_000


def _estado(estado: str, glosa: str) -> str:
    return answers.respuesta([("ESTADO", estado), ("GLOSA", glosa)])


def _token_problem(problem: str) -> str:
    glosa = {"001": "Cookie Inactivo", "002": "Token Inactivo", "003": "Token No Existe"}.get(problem, "Token")
    return _estado(problem or "003", glosa)


async def _soap_call(request: Request[Any, Any, Any]) -> tuple[str, str, dict[str, str]] | Response[bytes]:
    """The operation's namespace, name and parameters (by name, in order), or the Axis fault to answer."""
    try:
        root = etree.fromstring(await request.body(), etree.XMLParser(resolve_entities=False, no_network=True))
    except (etree.XMLSyntaxError, ValueError):
        return _fault("org.xml.sax.SAXParseException: Content is not allowed in prolog.", "soapenv:Client")
    body = next((c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "Body"), None)
    call = next((child for child in body if isinstance(child.tag, str)), None) if body is not None else None
    if call is None:
        return _fault("No SOAP body", "soapenv:Client")
    qname = etree.QName(call)
    params = {etree.QName(part).localname: part.text or "" for part in call if isinstance(part.tag, str)}
    return qname.namespace or "", qname.localname, params


def _params(params: dict[str, str], names: list[str]) -> list[str]:
    """rpc/encoded parameters by name, else by position (Axis accepts both)."""
    if all(name in params for name in names):
        return [params[name].strip() for name in names]
    values = [value.strip() for value in params.values()]
    return (values + [""] * len(names))[: len(names)]


def _multipart(body: bytes, content_type: str) -> list[tuple[str, str | None, bytes]] | None:
    """The parts of a multipart/form-data body in their order: (name, filename, value)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None or not content_type.lower().startswith("multipart/form-data"):
        return None
    delimiter = b"--" + match.group(1).encode("latin-1")
    parts = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, separator, value = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            return None
        disposition = _DISPOSITION.search(head)
        if disposition is None:
            return None
        filename = disposition.group(2).decode("latin-1") if disposition.group(2) is not None else None
        parts.append((disposition.group(1).decode("latin-1"), filename, value.removesuffix(b"\r\n")))
    return parts


def _cookie_token(request: Request[Any, Any, Any]) -> str | None:
    return request.cookies.get("TOKEN")


def _rut_text(text: str) -> str:
    try:
        return Rut.parse(text).compact
    except InvalidRut:
        return text.strip().upper()


def _same_date(asked: str, stored: str) -> bool:
    text = asked.strip()
    for pattern in ("%d%m%Y", "%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date() == date.fromisoformat(stored)
        except ValueError:
            continue
    return False


def _chile(moment: datetime, pattern: str) -> str:
    return moment.astimezone(CHILE_TZ).strftime(pattern)


def _xml(data: bytes) -> Response[bytes]:
    return Response(data, status_code=200, media_type=_XML)


def _json(data: dict[str, Any], status: int = 200) -> Response[bytes]:
    return Response(json.dumps(data, ensure_ascii=False).encode("utf-8"), status_code=status, media_type=_JSON)


def _html() -> Response[bytes]:
    return Response(answers.HTML_ERROR_PAGE, status_code=200, media_type="text/html; charset=ISO-8859-1")


def _fault(message: str, code: str = "soapenv:Server.userException") -> Response[bytes]:
    return Response(answers.soap_fault(message, code), status_code=500, media_type=_XML)
