"""CAF files: the SII's own CAF verifies with its key, altered ones are refused, local CAFs behave like real ones."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from appliance.core.rut import Rut
from appliance.sii.caf import Caf, add_months, parse_caf, sii_signer_keys, verify_caf, verify_frma
from appliance.sii.caf_issuer import LOCAL_IDK, LocalCafAuthority, generate_folio_key
from appliance.sii.errors import CafInvalid
from tests.sii.support import COMPANY_RUT, ISSUER, NOW, OFFICIAL_SAMPLE

OFFICIAL_CAF = re.search(rb"<CAF version.*?</CAF>", OFFICIAL_SAMPLE.read_bytes(), re.DOTALL)


def official_caf() -> bytes:
    assert OFFICIAL_CAF is not None
    return OFFICIAL_CAF.group(0)


def test_official_sample_caf_is_signed_by_the_sii_certification_key() -> None:
    verify_frma(official_caf(), sii_signer_keys("certificacion"))


def test_official_sample_caf_with_one_altered_byte_is_refused() -> None:
    altered = official_caf().replace(b"<H>200</H>", b"<H>201</H>")
    assert len(altered) == len(official_caf())
    with pytest.raises(CafInvalid, match="La firma del SII en el CAF no es válida: el archivo fue alterado"):
        verify_frma(altered, sii_signer_keys("certificacion"))


def test_official_sample_caf_is_not_a_production_caf() -> None:
    with pytest.raises(CafInvalid, match="llave 100 del SII, que no corresponde a este ambiente"):
        verify_frma(official_caf(), sii_signer_keys("produccion"))


def test_parse_local_caf(caf_for: Callable[[int], Caf], authority: LocalCafAuthority) -> None:
    caf = caf_for(39)
    assert caf.rut_emisor == COMPANY_RUT
    assert caf.razon_social == "Minimarket Doña Ñeli SpA"  # Latin-1 in the file, without an encoding declaration
    assert (caf.tipo_dte, caf.folio_desde, caf.folio_hasta, caf.idk) == (39, 1, 1000, LOCAL_IDK)
    assert caf.fecha_autorizacion == date(2026, 1, 5)
    assert caf.exponent == 3
    assert caf.public_key.key_size == 512
    assert caf.caf_xml.startswith(b'<CAF version="1.0">') and caf.caf_xml.endswith(b"</CAF>")
    assert "Ñ".encode("latin-1") in caf.caf_xml
    verify_caf(caf, authority.signer_keys(), tipo_dte=39, rut_emisor=COMPANY_RUT, today=NOW.date())


def local_caf(authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey, tipo: int = 33, **kwargs: object) -> bytes:
    arguments: dict[str, object] = {
        "rut_emisor": COMPANY_RUT,
        "razon_social": ISSUER.razon_social,
        "tipo_dte": tipo,
        "folio_desde": 1,
        "folio_hasta": 50,
        "fecha_autorizacion": date(2026, 1, 5),
        "folio_key": folio_key,
    }
    arguments.update(kwargs)
    return authority.issue(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tipo", "rut", "today", "message"),
    [
        (39, COMPANY_RUT, NOW.date(), "es para Factura Electrónica \\(tipo 33\\), no para Boleta Electrónica"),
        (33, Rut(96790240, "3"), NOW.date(), "es de la empresa RUT 76.123.456-0"),
        (33, COMPANY_RUT, date(2026, 7, 6), "El CAF venció el 05-07-2026"),
    ],
)
def test_caf_that_does_not_fit_is_refused(
    authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey, tipo: int, rut: Rut, today: date, message: str
) -> None:
    caf = parse_caf(local_caf(authority, folio_key))
    with pytest.raises(CafInvalid, match=message):
        verify_caf(caf, authority.signer_keys(), tipo_dte=tipo, rut_emisor=rut, today=today)


def test_factura_caf_is_valid_until_six_months_after_fa(
    authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey
) -> None:
    caf = parse_caf(local_caf(authority, folio_key))
    assert caf.expires_on == date(2026, 7, 5)
    verify_caf(caf, authority.signer_keys(), tipo_dte=33, rut_emisor=COMPANY_RUT, today=date(2026, 7, 5))


def test_boleta_caf_never_expires(authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey) -> None:
    caf = parse_caf(local_caf(authority, folio_key, tipo=39, fecha_autorizacion=date(2015, 1, 1)))
    assert caf.expires_on is None
    verify_caf(caf, authority.signer_keys(), tipo_dte=39, rut_emisor=COMPANY_RUT, today=NOW.date())


def test_local_caf_is_refused_by_the_real_sii_keys(authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey) -> None:
    caf = parse_caf(local_caf(authority, folio_key))
    with pytest.raises(CafInvalid, match="llave 999"):
        verify_caf(caf, sii_signer_keys("produccion"), tipo_dte=33, rut_emisor=COMPANY_RUT, today=NOW.date())


def test_caf_signed_by_another_authority_is_refused(folio_key: rsa.RSAPrivateKey) -> None:
    impostor = LocalCafAuthority.generate()
    genuine = LocalCafAuthority.generate()
    caf = parse_caf(local_caf(impostor, folio_key))
    with pytest.raises(CafInvalid, match="el archivo fue alterado"):
        verify_caf(caf, genuine.signer_keys(), tipo_dte=33, rut_emisor=COMPANY_RUT, today=NOW.date())


def test_altered_range_is_refused(authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey) -> None:
    data = local_caf(authority, folio_key).replace(b"<H>50</H>", b"<H>90</H>")
    with pytest.raises(CafInvalid, match="La firma del SII en el CAF no es válida: el archivo fue alterado"):
        verify_caf(parse_caf(data), authority.signer_keys(), tipo_dte=33, rut_emisor=COMPANY_RUT, today=NOW.date())


def test_swapped_private_key_is_refused(authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey) -> None:
    genuine = local_caf(authority, folio_key)
    other = local_caf(authority, generate_folio_key())
    rsask = re.compile(rb"<RSASK>.*?</RSASK>", re.DOTALL)
    other_rsask = rsask.search(other)
    assert other_rsask is not None
    swapped = rsask.sub(other_rsask.group(0), genuine)
    with pytest.raises(CafInvalid, match="RSASK\\) no corresponde a su llave pública"):
        verify_caf(parse_caf(swapped), authority.signer_keys(), tipo_dte=33, rut_emisor=COMPANY_RUT, today=NOW.date())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"esto no es xml", "no es XML"),
        (b"<FOO/>", "debe empezar con <AUTORIZACION>"),
        (b"<AUTORIZACION><RSASK>x</RSASK></AUTORIZACION>", "le falta <CAF>"),
    ],
)
def test_not_a_caf(data: bytes, message: str) -> None:
    with pytest.raises(CafInvalid, match=message):
        parse_caf(data)


def test_authority_key_round_trips_through_pem(authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey) -> None:
    restored = LocalCafAuthority.from_pem(authority.to_pem())
    caf = parse_caf(local_caf(authority, folio_key))
    verify_caf(caf, restored.signer_keys(), tipo_dte=33, rut_emisor=COMPANY_RUT, today=NOW.date())


def test_folio_keys_are_512_bit_exponent_3() -> None:
    key = generate_folio_key()
    assert key.key_size == 512
    assert key.public_key().public_numbers().e == 3


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2026, 1, 5), 6) == date(2026, 7, 5)
