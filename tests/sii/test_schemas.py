"""The bundled schemas are the SII's, load, accept the SII's own sample and explain what they reject."""

from __future__ import annotations

import filecmp

import pytest

from appliance.sii.errors import SchemaInvalid
from appliance.sii.schemas import SCHEMA_DIR, SchemaKind, load_schema, validate
from tests.sii.support import OFFICIAL_SAMPLE, SHARED_SCHEMAS, shared_schema_errors


def test_bundled_schemas_are_the_reference_copy() -> None:
    reference = sorted(path.name for path in SHARED_SCHEMAS.glob("*.xsd"))
    assert reference, "the reference copy of the schemas is missing"
    assert sorted(path.name for path in SCHEMA_DIR.glob("*.xsd")) == reference
    match, mismatch, errors = filecmp.cmpfiles(SHARED_SCHEMAS, SCHEMA_DIR, reference, shallow=False)
    assert (mismatch, errors) == ([], [])
    assert len(match) == len(reference)


@pytest.mark.parametrize("kind", list(SchemaKind))
def test_every_schema_kind_loads(kind: SchemaKind) -> None:
    assert load_schema(kind) is load_schema(kind)  # compiled once per process


def test_official_sample_is_valid_with_both_copies() -> None:
    sample = OFFICIAL_SAMPLE.read_bytes()
    validate(SchemaKind.ENVIO_DTE, sample)
    assert shared_schema_errors(SchemaKind.ENVIO_DTE, sample) == ()


def test_invalid_document_raises_with_the_validator_messages() -> None:
    broken = OFFICIAL_SAMPLE.read_bytes().replace(b"<TipoDTE>33</TipoDTE>", b"<TipoDTE>39</TipoDTE>")
    with pytest.raises(SchemaInvalid) as raised:
        validate(SchemaKind.ENVIO_DTE, broken)
    assert "EnvioDTE_v10.xsd" in raised.value.message
    assert any("TipoDTE" in message for message in raised.value.messages)
    assert raised.value.code == "sii_schema_invalid"
