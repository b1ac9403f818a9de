"""The simulator's answers, in the SII's own formats (built here independently of the clients' parsers).

- `<SII:RESPUESTA xmlns:SII="http://www.sii.cl/XMLSchema">` with RESP_HDR (ESTADO, GLOSA…) and RESP_BODY
  (SEMILLA, TOKEN, TIPO_DOCTO…), as in Autenticación automática v1.9, chapters 5–6, and the QueryEstUp/QueryEstDte
  answers;
- that RESPUESTA escaped inside an Axis rpc/encoded SOAP answer (`getSeedReturn` …), 5.2.3 of the same manual;
- DTEUpload's `<RECEPCIONDTE>` (Envío automático de DTE): RUTSENDER, RUTCOMPANY, FILE, TIMESTAMP, STATUS, TRACKID;
- the boleta REST API's JSON.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

SII_XMLSCHEMA_NS = "http://www.sii.cl/XMLSchema"
SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC_NS = "http://schemas.xmlsoap.org/soap/encoding/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# What a browser (or a program without "PROG 1.0") gets from the SII when something fails: a web page.
HTML_ERROR_PAGE = b"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html><head><title>SII - Servicio de Impuestos Internos</title></head>
<body><h2>Transacci\xf3n Rechazada</h2>
<p>En este momento no podemos atender su solicitud. Por favor, intente m\xe1s tarde.</p>
</body></html>
"""


def respuesta(header: Sequence[tuple[str, str]], body: Sequence[tuple[str, str]] = ()) -> str:
    """`<SII:RESPUESTA>` as text with its XML declaration; header and body fields in the given order."""
    root = etree.Element(f"{{{SII_XMLSCHEMA_NS}}}RESPUESTA", nsmap={"SII": SII_XMLSCHEMA_NS})
    resp_hdr = etree.SubElement(root, f"{{{SII_XMLSCHEMA_NS}}}RESP_HDR")
    for name, value in header:
        etree.SubElement(resp_hdr, name).text = value
    if body:
        resp_body = etree.SubElement(root, f"{{{SII_XMLSCHEMA_NS}}}RESP_BODY")
        for name, value in body:
            etree.SubElement(resp_body, name).text = value
    text = etree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{text}'


def soap_answer(namespace: str, operation: str, returned: str) -> bytes:
    """Axis's rpc/encoded answer: `returned` (an XML document as text) escaped inside `{operation}Return`."""
    envelope = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap={"soapenv": SOAP_ENV_NS, "xsd": XSD_NS, "xsi": XSI_NS})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV_NS}}}Body")
    response = etree.SubElement(body, f"{{{namespace}}}{operation}Response", nsmap={"ns1": namespace})
    response.set(f"{{{SOAP_ENV_NS}}}encodingStyle", SOAP_ENC_NS)
    part = etree.SubElement(response, f"{operation}Return")
    part.set(f"{{{XSI_NS}}}type", "xsd:string")
    part.text = returned
    data = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    assert isinstance(data, bytes)  # an explicit encoding always gives bytes
    return data


def soap_fault(message: str, code: str = "soapenv:Server.userException") -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap={"soapenv": SOAP_ENV_NS})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV_NS}}}Body")
    fault = etree.SubElement(body, f"{{{SOAP_ENV_NS}}}Fault")
    etree.SubElement(fault, "faultcode").text = code
    etree.SubElement(fault, "faultstring").text = message
    data = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    assert isinstance(data, bytes)
    return data


def recepcion_dte(
    *,
    rut_sender: str,
    rut_company: str,
    file_name: str,
    timestamp: str,
    status: int,
    track_id: str | None = None,
    errors: Sequence[str] = (),
) -> bytes:
    """DTEUpload's answer. STATUS 0 carries the TRACKID; 7 and 8 a DETAIL with the errors."""
    root = etree.Element("RECEPCIONDTE")
    for name, value in (
        ("RUTSENDER", rut_sender),
        ("RUTCOMPANY", rut_company),
        ("FILE", file_name),
        ("TIMESTAMP", timestamp),
        ("STATUS", str(status)),
    ):
        etree.SubElement(root, name).text = value
    if track_id is not None:
        etree.SubElement(root, "TRACKID").text = track_id
    if errors:
        detail = etree.SubElement(root, "DETAIL")
        for error in errors:
            etree.SubElement(detail, "ERROR").text = error
    etree.indent(root, space="")
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    assert isinstance(data, bytes)
    return data + b"\n"
