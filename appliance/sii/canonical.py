"""Namespaces, parsing and the canonical forms the SII's signatures are computed over.

Two byte forms matter: inclusive C14N 1.0 of an element *in its context* (XMLDSig digests and SignedInfo), and the
"flattened" form of the timbre (no namespace declarations, whitespace between tags removed, ISO-8859-1), over which
CAF FRMA and TED FRMT signatures are computed.
"""

from __future__ import annotations

import re

from lxml import etree

SII_NS = "http://www.sii.cl/SiiDte"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ENCODING = "ISO-8859-1"

_BETWEEN_TAGS = re.compile(rb">\s+<")


def sii(tag: str) -> str:
    """The Clark name of an element in the SII namespace: sii("Folio") == "{http://www.sii.cl/SiiDte}Folio"."""
    return f"{{{SII_NS}}}{tag}"


def dsig(tag: str) -> str:
    return f"{{{DSIG_NS}}}{tag}"


def parser() -> etree.XMLParser:
    """A parser that keeps whitespace exactly (signatures depend on it) and never resolves entities or the network."""
    return etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True, huge_tree=True)


def parse(data: bytes) -> etree._Element:
    """Parses a whole document; its XML declaration (or UTF-8 by default) decides the encoding."""
    return etree.fromstring(data, parser())


def parse_latin1(data: bytes) -> etree._Element:
    """Parses a fragment without an XML declaration that is encoded ISO-8859-1 (a signed DTE, a CAF element)."""
    latin1 = etree.XMLParser(
        remove_blank_text=False, resolve_entities=False, no_network=True, huge_tree=True, encoding=ENCODING
    )
    return etree.fromstring(data, latin1)


def serialize(element: etree._Element) -> bytes:
    """ISO-8859-1 bytes of `element` without an XML declaration (characters outside Latin-1 become references)."""
    data = etree.tostring(element, encoding=ENCODING, xml_declaration=False, with_tail=False)
    assert isinstance(data, bytes)  # an explicit encoding always gives bytes
    return data


def c14n_in_context(element: etree._Element) -> bytes:
    """Inclusive C14N 1.0 of `element` as it sits in its document, inherited namespace declarations included.

    lxml's `tostring(sub, method="c14n")` writes a spurious xmlns="" on descendants when the default namespace is
    inherited (NOTES §5), so the element is serialised (lxml copies the in-scope declarations onto it), parsed again
    and only then canonicalised.
    """
    standalone = etree.fromstring(etree.tostring(element, with_tail=False), parser())
    return etree.tostring(standalone, method="c14n", exclusive=False, with_comments=False)


def localname(element: etree._Element) -> str:
    return etree.QName(element).localname


def without_namespaces(element: etree._Element) -> etree._Element:
    """A copy of `element` whose tags carry no namespace and which declares none."""
    root = etree.fromstring(etree.tostring(element, with_tail=False), parser())
    for node in root.iter():
        if isinstance(node.tag, str):
            node.tag = etree.QName(node).localname
    etree.cleanup_namespaces(root)
    return root


def flatten(element: etree._Element) -> bytes:
    """The form the SII signs timbres over: no namespaces, whitespace between tags removed, ISO-8859-1.

    Whitespace inside text ("EMPRESA  LTDA") is kept; only runs made entirely of whitespace between two tags go.
    """
    plain = serialize(without_namespaces(element))
    return _BETWEEN_TAGS.sub(b"><", plain)
