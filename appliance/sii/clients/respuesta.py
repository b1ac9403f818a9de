"""The SII's `<SII:RESPUESTA>` answers (seed, token, QueryEstUp, QueryEstDte) and its SOAP wrapping.

The SOAP services are Axis rpc/encoded: the answer is one `xsd:string` part (`getSeedReturn`, `getTokenReturn`,
`getEstUpReturn`, `getEstDteReturn`) whose text is an escaped XML document (Autenticación automática v1.9, 5.2.3):

    <soapenv:Body><ns1:getSeedResponse …><getSeedReturn xsi:type="xsd:string">&lt;?xml …?&gt;
    &lt;SII:RESPUESTA xmlns:SII="http://www.sii.cl/XMLSchema"&gt;&lt;SII:RESP_HDR&gt;&lt;ESTADO&gt;00…

The boleta REST API answers the same `<SII:RESPUESTA>` unwrapped. Element names inside are read by local name
(the SII's examples use more than one namespace URI for the `SII` prefix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC_NS = "http://schemas.xmlsoap.org/soap/encoding/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


class AnswerUnreadable(ValueError):
    """The text is not the XML it should be; the caller turns it into `SiiBadAnswer` with the HTTP context."""


@dataclass(frozen=True)
class Respuesta:
    """A parsed `<SII:RESPUESTA>`: every element's text by local name, in document order."""

    values: dict[str, tuple[str, ...]]

    def first(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def all(self, name: str) -> tuple[str, ...]:
        return self.values.get(name, ())

    @property
    def estado(self) -> str | None:
        estado = self.first("ESTADO")
        return estado.strip() if estado is not None else None

    @property
    def glosa(self) -> str:
        return (self.first("GLOSA") or self.first("GLOSA_ESTADO") or "").strip()


def xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False, huge_tree=False)


def parse_xml(data: bytes | str) -> etree._Element:
    """Parses an answer; a str may carry an XML declaration (it is dropped: the text is already decoded)."""
    try:
        if isinstance(data, str):
            return etree.fromstring(_DECLARATION.sub("", data, count=1).strip(), xml_parser())
        return etree.fromstring(data.strip(), xml_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise AnswerUnreadable(f"no es XML válido ({error})") from error


def parse_respuesta(data: bytes | str) -> Respuesta:
    root = parse_xml(data)
    if etree.QName(root).localname != "RESPUESTA":
        raise AnswerUnreadable(f"se esperaba <SII:RESPUESTA> y llegó <{etree.QName(root).localname}>")
    return respuesta_of(root)


def respuesta_of(root: etree._Element) -> Respuesta:
    values: dict[str, list[str]] = {}
    for node in root.iter():
        if isinstance(node.tag, str) and len(node) == 0:
            values.setdefault(etree.QName(node).localname, []).append((node.text or "").strip())
    return Respuesta({name: tuple(texts) for name, texts in values.items()})


def soap_request(namespace: str, operation: str, parameters: list[tuple[str, str]]) -> bytes:
    """An rpc/encoded SOAP 1.1 request as in the SII's manual (Autenticación automática 4.1.2 and 4.1.4)."""
    nsmap = {"SOAP-ENV": SOAP_ENV_NS, "SOAP-ENC": SOAP_ENC_NS, "xsi": XSI_NS, "xsd": XSD_NS}
    envelope = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap=nsmap)
    envelope.set(f"{{{SOAP_ENV_NS}}}encodingStyle", SOAP_ENC_NS)
    body = etree.SubElement(envelope, f"{{{SOAP_ENV_NS}}}Body")
    call = etree.SubElement(body, f"{{{namespace}}}{operation}", nsmap={"m": namespace})
    for name, value in parameters:
        part = etree.SubElement(call, name)
        part.set(f"{{{XSI_NS}}}type", "xsd:string")
        part.text = value  # lxml escapes it: a signed XML travels as an escaped string, as the SII expects
    data = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    assert isinstance(data, bytes)  # an explicit encoding always gives bytes
    return data


@dataclass(frozen=True)
class SoapFault:
    code: str
    message: str


def soap_return(data: bytes, operation: str) -> Respuesta | SoapFault:
    """The `<SII:RESPUESTA>` inside `{operation}Return`, unescaped; or the SOAP fault the service sent instead."""
    root = parse_xml(data)
    if etree.QName(root).localname != "Envelope":
        raise AnswerUnreadable(f"se esperaba un sobre SOAP y llegó <{etree.QName(root).localname}>")
    body = next((child for child in root if _local(child) == "Body"), None)
    if body is None:
        raise AnswerUnreadable("el sobre SOAP no tiene Body")
    fault = next((child for child in body if _local(child) == "Fault"), None)
    if fault is not None:
        return SoapFault(
            code=(fault.findtext("faultcode") or "").strip(), message=(fault.findtext("faultstring") or "").strip()
        )
    response = next((child for child in body if _local(child) == f"{operation}Response"), None)
    if response is None:
        raise AnswerUnreadable(f"el sobre SOAP no trae {operation}Response")
    returned = next((child for child in response if isinstance(child.tag, str)), None)
    if returned is None:
        raise AnswerUnreadable(f"{operation}Response no trae {operation}Return")
    inner = next((child for child in returned if isinstance(child.tag, str)), None)
    if inner is not None:
        # Some SII front-ends answer the RESPUESTA as elements instead of escaped text: read it the same way.
        return respuesta_of(inner)
    text = (returned.text or "").strip()
    if not text:
        raise AnswerUnreadable(f"{operation}Return está vacío")
    if not text.startswith("<"):
        raise AnswerUnreadable(f"{operation}Return no contiene XML: «{text[:80]}»")
    return parse_respuesta(text)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""
