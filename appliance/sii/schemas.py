"""The SII's XML schemas, bundled with the product so the box validates what it sends before sending it.

The files in `schemas/` are the SII's own (see `schemas/README.md`). Each schema is loaded once per process: parsing
DTE_v10.xsd takes a noticeable fraction of a second on a Raspberry Pi, validating against it does not.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

from lxml import etree

from appliance.sii.canonical import parse
from appliance.sii.errors import SchemaInvalid

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

# Enough to tell what is wrong without flooding the screen or the log.
_MAX_MESSAGES = 10


class SchemaKind(StrEnum):
    ENVIO_BOLETA = "EnvioBOLETA_v11.xsd"
    ENVIO_DTE = "EnvioDTE_v10.xsd"
    DTE = "DTE_v10.xsd"


@cache
def load_schema(kind: SchemaKind, directory: Path = SCHEMA_DIR) -> etree.XMLSchema:
    """The compiled schema; `directory` lets tests load the same file from another copy."""
    # Parsing from the file's path lets xs:include/xs:import resolve the neighbouring files.
    document = etree.parse(str(directory / kind.value), etree.XMLParser(no_network=True, resolve_entities=False))
    return etree.XMLSchema(document)


def schema_errors(
    kind: SchemaKind, document: etree._Element | bytes, directory: Path = SCHEMA_DIR
) -> tuple[str, ...]:
    """What the schema says is wrong with `document` (empty when it is valid)."""
    root = parse(document) if isinstance(document, bytes) else document
    schema = load_schema(kind, directory)
    if schema.validate(root):
        return ()
    return tuple(f"línea {error.line}: {error.message}" for error in schema.error_log)


def validate(kind: SchemaKind, document: etree._Element | bytes, directory: Path = SCHEMA_DIR) -> None:
    """Raises `SchemaInvalid` with the validator's messages when `document` does not follow the schema `kind`."""
    errors = schema_errors(kind, document, directory)
    if errors:
        shown = "; ".join(errors[:_MAX_MESSAGES])
        more = f" (y {len(errors) - _MAX_MESSAGES} errores más)" if len(errors) > _MAX_MESSAGES else ""
        raise SchemaInvalid(f"El XML no cumple el esquema {kind.value} del SII: {shown}{more}", errors)
