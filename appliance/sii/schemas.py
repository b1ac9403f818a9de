"""The SII's XML schemas, bundled with the product so the box validates what it sends before sending it.

The files in `schemas/` are the SII's own (see `schemas/README.md`). Each schema is loaded once per process: parsing
DTE_v10.xsd takes a noticeable fraction of a second on a Raspberry Pi, validating against it does not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from appliance.sii.canonical import parse
from appliance.sii.errors import SchemaInvalid

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

_VALIDATION_LOCK = threading.Lock()
# Enough to tell what is wrong without flooding the screen or the log.
_MAX_MESSAGES = 10


class SchemaKind(StrEnum):
    ENVIO_BOLETA = "EnvioBOLETA_v11.xsd"
    ENVIO_DTE = "EnvioDTE_v10.xsd"
    DTE = "DTE_v10.xsd"
    # A single boleta: EnvioBOLETA_v11 defines BOLETADefType but no global element for it, so a small wrapper schema
    # declares <DTE> of that type. It lets the box check each boleta when it is issued, not only in its envelope.
    BOLETA = "EnvioBOLETA_v11.xsd#BOLETADefType"


_BOLETA_WRAPPER = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:SiiDte="http://www.sii.cl/SiiDte"
    targetNamespace="http://www.sii.cl/SiiDte" elementFormDefault="qualified" attributeFormDefault="unqualified">
  <xs:include schemaLocation="EnvioBOLETA_v11.xsd"/>
  <xs:element name="DTE" type="SiiDte:BOLETADefType"/>
</xs:schema>
"""


@cache
def load_schema(kind: SchemaKind, directory: Path = SCHEMA_DIR) -> etree.XMLSchema:
    """The compiled schema; `directory` lets tests load the same file from another copy."""
    xml_parser = etree.XMLParser(no_network=True, resolve_entities=False)
    if kind is SchemaKind.BOLETA:
        # base_url makes the xs:include resolve next to the bundled files.
        wrapper = etree.fromstring(_BOLETA_WRAPPER, xml_parser, base_url=str(directory / "BOLETA_wrapper.xsd"))
        return etree.XMLSchema(wrapper)
    # Parsing from the file's path lets xs:include/xs:import resolve the neighbouring files.
    document = etree.parse(str(directory / kind.value), xml_parser)
    return etree.XMLSchema(document)


def schema_errors(kind: SchemaKind, document: etree._Element | bytes, directory: Path = SCHEMA_DIR) -> tuple[str, ...]:
    """What the schema says is wrong with `document` (empty when it is valid)."""
    root = parse(document) if isinstance(document, bytes) else document
    schema = load_schema(kind, directory)
    # A schema keeps the errors of its last validation on itself: the outbox thread and a sale must not mix them.
    with _VALIDATION_LOCK:
        if schema.validate(root):
            return ()
        entries: Iterable[Any] = schema.error_log  # type: ignore[assignment]
        return tuple(f"línea {entry.line}: {entry.message}" for entry in entries)


def validate(kind: SchemaKind, document: etree._Element | bytes, directory: Path = SCHEMA_DIR) -> None:
    """Raises `SchemaInvalid` with the validator's messages when `document` does not follow the schema `kind`."""
    errors = schema_errors(kind, document, directory)
    if errors:
        shown = "; ".join(errors[:_MAX_MESSAGES])
        more = f" (y {len(errors) - _MAX_MESSAGES} errores más)" if len(errors) > _MAX_MESSAGES else ""
        raise SchemaInvalid(f"El XML no cumple el esquema {kind.value} del SII: {shown}{more}", errors)
