"""The clients' reading of the SII's answers, on the SII's own examples (and on the ways it answers badly)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from appliance.core.rut import Rut
from appliance.sii.clients import DocumentVerdict, SiiBadAnswer, SiiQueryFailed, SiiUploadRejected
from appliance.sii.clients.boleta_rest import envelope_status_from_json
from appliance.sii.clients.errors import TokenRejected
from appliance.sii.clients.respuesta import Respuesta, parse_respuesta, soap_request, soap_return
from appliance.sii.clients.soap import envelope_status_from, parse_upload_answer
from appliance.sii.clients.transport import multipart_form, parse_retry_after

# Autenticación automática v1.9, 5.2.3.1: getSeedReturn carries the RESPUESTA escaped.
CRSEED_ANSWER = b"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
 <ns1:getSeedResponse soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"
 xmlns:ns1="https://palena.sii.cl/DTEWS/CrSeed.jws">
 <getSeedReturn xsi:type="xsd:string">&lt;?xml version=&quot;1.0&quot; encoding=&quot;UTF-8&quot;?&gt;
&lt;SII:RESPUESTA xmlns:SII=&quot;http://www.sii.cl/XMLSchema&quot;&gt;&lt;SII:RESP_HDR&gt;&lt;ESTADO&gt;00\
&lt;/ESTADO&gt;&lt;/SII:RESP_HDR&gt;&lt;SII:RESP_BODY&gt;&lt;SEMILLA&gt;000000000078&lt;/SEMILLA&gt;\
&lt;/SII:RESP_BODY&gt;&lt;/SII:RESPUESTA&gt;</getSeedReturn>
 </ns1:getSeedResponse>
 </soapenv:Body>
</soapenv:Envelope>"""

# 5.2.3.2: the token.
TOKEN_ANSWER = CRSEED_ANSWER.replace(b"getSeed", b"getToken").replace(
    b"&lt;SII:RESP_BODY&gt;&lt;SEMILLA&gt;000000000078&lt;/SEMILLA&gt;",
    b"&lt;SII:RESP_BODY&gt;&lt;TOKEN&gt;XAuSbYXiNh9Ik&lt;/TOKEN&gt;",
)

# The boleta API's status example (as published with the API: the second entry has no "tipo").
BOLETA_STATUS = {
    "rut_emisor": "45000054-K",
    "rut_envia": "8315495-0",
    "trackid": 1014,
    "fecha_recepcion": "30/07/2020 07:57:42",
    "estado": "EPR",
    "estadistica": [{"tipo": 39, "informados": 3, "aceptados": 1, "rechazados": 1, "reparos": 1}],
    "detalle_rep_rech": [
        {
            "tipo": 39,
            "folio": 1202,
            "estado": "RCH",
            "descripcion": "Dte Rechazado",
            "error": [
                {
                    "seccion": "CRT",
                    "linea": 155,
                    "nivel": 3,
                    "codigo": 11,
                    "descripcion": "RUT envia diferente al Upload",
                }
            ],
        },
        {
            "folio": 3500,
            "estado": "RPR",
            "descripcion": "Dte Aceptado con reparos",
            "error": [
                {
                    "seccion": "DET",
                    "linea": 2,
                    "nivel": 1,
                    "codigo": 200,
                    "descripcion": "Valor Detalle Distinto a Precio * Cantidad",
                    "detalle": "[1490] <> [1491]",
                }
            ],
        },
    ],
}


def test_escaped_respuesta_inside_soap() -> None:
    seed = soap_return(CRSEED_ANSWER, "getSeed")
    assert isinstance(seed, Respuesta)
    assert (seed.estado, seed.first("SEMILLA")) == ("00", "000000000078")
    token = soap_return(TOKEN_ANSWER, "getToken")
    assert isinstance(token, Respuesta) and token.first("TOKEN") == "XAuSbYXiNh9Ik"


def test_respuesta_in_any_order_and_unescaped() -> None:
    # Chapter 8 of the manual shows RESP_BODY before RESP_HDR.
    body_first = parse_respuesta(
        b'<?xml version="1.0" encoding="UTF-8" ?><SII:RESPUESTA xmlns:SII="http://www.sii.cl/XMLSchema">'
        b"<SII:RESP_BODY><SEMILLA>000002360958</SEMILLA></SII:RESP_BODY>"
        b"<SII:RESP_HDR><ESTADO>00</ESTADO></SII:RESP_HDR></SII:RESPUESTA>"
    )
    assert (body_first.estado, body_first.first("SEMILLA")) == ("00", "000002360958")
    inline = CRSEED_ANSWER.split(b"<getSeedReturn")[0] + (
        b'<getSeedReturn><SII:RESPUESTA xmlns:SII="http://www.sii.cl/XMLSchema"><SII:RESP_HDR><ESTADO>00</ESTADO>'
        b"</SII:RESP_HDR><SII:RESP_BODY><SEMILLA>1</SEMILLA></SII:RESP_BODY></SII:RESPUESTA></getSeedReturn>"
        b"</ns1:getSeedResponse></soapenv:Body></soapenv:Envelope>"
    )
    answer = soap_return(inline, "getSeed")
    assert isinstance(answer, Respuesta) and answer.first("SEMILLA") == "1"


def test_soap_request_carries_the_signed_seed_escaped() -> None:
    request = soap_request("https://maullin.sii.cl/DTEWS/GetTokenFromSeed.jws", "getToken", [("pszXml", "<getToken/>")])
    assert b'xmlns:m="https://maullin.sii.cl/DTEWS/GetTokenFromSeed.jws"' in request
    assert b'<pszXml xsi:type="xsd:string">&lt;getToken/&gt;</pszXml>' in request


def _response(body: bytes, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=body)


def test_dteupload_answers() -> None:
    ok = parse_upload_answer(
        _response(
            b'<?xml version="1.0"?>\n<RECEPCIONDTE>\n<RUTSENDER>1234567-8</RUTSENDER>\n'
            b"<RUTCOMPANY>76123456-0</RUTCOMPANY>\n<FILE>EnvioDTE.xml</FILE>\n"
            b"<TIMESTAMP>2002-10-20 10:22:21</TIMESTAMP>\n<STATUS>0</STATUS>\n<TRACKID>0123456789</TRACKID>\n"
            b"</RECEPCIONDTE>"
        )
    )
    assert (ok.track_id, ok.received_at) == ("0123456789", "2002-10-20 10:22:21")

    with pytest.raises(SiiBadAnswer, match="STATUS"):  # a missing STATUS is never 0
        parse_upload_answer(_response(b"<RECEPCIONDTE><TRACKID>1</TRACKID></RECEPCIONDTE>"))
    with pytest.raises(SiiBadAnswer, match="TRACKID"):
        parse_upload_answer(_response(b"<RECEPCIONDTE><STATUS>0</STATUS></RECEPCIONDTE>"))
    with pytest.raises(SiiBadAnswer, match="página web"):
        parse_upload_answer(_response(b"<html><body>Track ID: 123456789</body></html>"))
    with pytest.raises(SiiBadAnswer, match="Error 500"):
        parse_upload_answer(_response(b"Error 500"))
    with pytest.raises(SiiBadAnswer, match="error interno"):
        parse_upload_answer(_response(b"<RECEPCIONDTE><STATUS>0</STATUS><TRACKID>1</TRACKID></RECEPCIONDTE>", 500))
    with pytest.raises(TokenRejected):
        parse_upload_answer(_response(b"<RECEPCIONDTE><STATUS>5</STATUS></RECEPCIONDTE>"))

    with pytest.raises(SiiUploadRejected) as schema:
        detail = b"<DETAIL><ERROR>linea 3: NroResol</ERROR></DETAIL>"
        parse_upload_answer(_response(b"<RECEPCIONDTE><STATUS>7</STATUS>" + detail + b"</RECEPCIONDTE>"))
    assert (schema.value.status, schema.value.detail, schema.value.retryable) == (7, "linea 3: NroResol", False)
    with pytest.raises(SiiUploadRejected) as locked:
        parse_upload_answer(_response(b"<RECEPCIONDTE><STATUS>9</STATUS></RECEPCIONDTE>"))
    assert locked.value.retryable
    for status in (1, 2, 3, 6, 8, 99):
        with pytest.raises(SiiUploadRejected) as rejected:
            parse_upload_answer(_response(f"<RECEPCIONDTE><STATUS>{status}</STATUS></RECEPCIONDTE>".encode()))
        assert rejected.value.status == status and "código desconocido" not in rejected.value.message


def test_query_est_up_answers() -> None:
    processed = parse_respuesta(
        '<SII:RESPUESTA xmlns:SII="http://www.sii.cl/XMLSchema"><SII:RESP_HDR><TRACKID>18</TRACKID>'
        "<ESTADO>EPR</ESTADO><GLOSA>Envio Procesado</GLOSA><NUM_ATENCION>1245 ( 2003/08/25 14:52:10)</NUM_ATENCION>"
        "</SII:RESP_HDR><SII:RESP_BODY>"
        "<TIPO_DOCTO>33</TIPO_DOCTO><INFORMADOS>2</INFORMADOS><ACEPTADOS>2</ACEPTADOS><RECHAZADOS>0</RECHAZADOS>"
        "<REPAROS>0</REPAROS><TIPO_DOCTO>61</TIPO_DOCTO><INFORMADOS>1</INFORMADOS><ACEPTADOS>0</ACEPTADOS>"
        "<RECHAZADOS>1</RECHAZADOS><REPAROS>0</REPAROS></SII:RESP_BODY></SII:RESPUESTA>"
    )
    status = envelope_status_from(processed, "18")
    assert status.state == "EPR" and status.is_final and status.is_processed and not status.all_accepted
    assert [(c.tipo, c.informados, c.rechazados) for c in status.counts] == [(33, 2, 0), (61, 1, 1)]
    assert status.verdict(33, 5) is DocumentVerdict.DOK  # no objection in that type
    assert status.verdict(61, 5) is None  # one of the 61s was rejected, QueryEstUp does not say which

    def respuesta(header: str) -> Respuesta:
        return parse_respuesta(
            f'<SII:RESPUESTA xmlns:SII="http://www.sii.cl/XMLSchema"><SII:RESP_HDR>{header}</SII:RESP_HDR></SII:RESPUESTA>'
        )

    assert not envelope_status_from(respuesta("<ESTADO>REC</ESTADO>"), "18").is_final
    assert envelope_status_from(respuesta("<ESTADO>RCT</ESTADO>"), "18").is_rejected
    for token_estado in ("001", "002", "003"):
        with pytest.raises(TokenRejected):
            envelope_status_from(respuesta(f"<ESTADO>{token_estado}</ESTADO>"), "18")
    with pytest.raises(SiiQueryFailed, match="no es de la empresa"):
        envelope_status_from(respuesta("<ESTADO>-11</ESTADO><ERR_CODE>1</ERR_CODE>"), "18")
    with pytest.raises(SiiBadAnswer):
        envelope_status_from(respuesta("<GLOSA>sin estado</GLOSA>"), "18")


def test_boleta_status_json() -> None:
    status = envelope_status_from_json(json.loads(json.dumps(BOLETA_STATUS)), "1014")
    assert status.state == "EPR" and status.documents_complete
    assert (status.informados, status.aceptados, status.reparos, status.rechazados) == (3, 1, 1, 1)
    assert status.verdict(39, 1202) is DocumentVerdict.RCH
    assert status.verdict(39, 3500) is DocumentVerdict.RPR  # "tipo" missing: the only type in the envelope
    assert status.verdict(39, 1) is DocumentVerdict.DOK  # not listed: accepted
    reparo = status.result(39, 3500)
    assert reparo is not None
    assert reparo.message == "Dte Aceptado con reparos: Valor Detalle Distinto a Precio * Cantidad ([1490] <> [1491])"
    with pytest.raises(SiiBadAnswer):
        envelope_status_from_json({"trackid": 1}, "1")


def test_retry_after() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    moment = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Tue, 10 Mar 2026 12:00:30 GMT", now=moment) == 30
    assert parse_retry_after("Tue, 10 Mar 2026 11:00:00 GMT", now=moment) == 0


def test_multipart_in_the_sii_order() -> None:
    rut = Rut(76123456, "0")
    body, content_type = multipart_form(
        [("rutSender", "13185095"), ("dvSender", "6"), ("rutCompany", str(rut.number)), ("dvCompany", rut.dv)],
        file_field="archivo",
        filename="EnvioBOLETA.xml",
        content=b"<?xml version='1.0' encoding='ISO-8859-1'?><EnvioBOLETA>\xd1</EnvioBOLETA>",
        content_type="text/xml",
    )
    boundary = content_type.split("boundary=")[1]
    assert content_type.startswith("multipart/form-data; boundary=")
    names = [part.split(b'name="')[1].split(b'"')[0] for part in body.split(f"--{boundary}".encode())[1:-1]]
    assert names == [b"rutSender", b"dvSender", b"rutCompany", b"dvCompany", b"archivo"]
    assert b'filename="EnvioBOLETA.xml"\r\nContent-Type: text/xml\r\n\r\n<?xml' in body
    assert b"<EnvioBOLETA>\xd1</EnvioBOLETA>\r\n" in body  # the file's bytes, untouched (ISO-8859-1)
    assert body.endswith(f"--{boundary}--\r\n".encode())
