"""The timbre: reproduced on the SII's own sample, refused when altered, and printed as exactly its bytes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from appliance.core.rut import ANONYMOUS_RUT
from appliance.sii.caf import Caf
from appliance.sii.caf_issuer import generate_folio_key
from appliance.sii.canonical import SII_NS, parse, serialize, sii
from appliance.sii.errors import SignatureInvalid
from appliance.sii.pdf417 import COLUMNS, pdf417_codes, render_pdf417, render_pdf417_png, render_pdf417_svg
from appliance.sii.ted import TimbreData, build_ted, find_ted, ted_for_pdf417, ted_public_key, verify_ted
from tests.sii.support import COMPANY_RUT, NOW, OFFICIAL_SAMPLE, decode_pdf417


def official_ted() -> etree._Element:
    return find_ted(parse(OFFICIAL_SAMPLE.read_bytes()))


def test_official_sample_frmt_verifies_with_its_caf_key() -> None:
    ted = official_ted()
    verify_ted(ted)
    assert ted_public_key(ted).public_numbers().e == 3


def test_official_sample_flattened_form() -> None:
    flat = ted_for_pdf417(official_ted())
    assert flat.startswith(b'<TED version="1.0"><DD><RE>97975000-5</RE><TD>33</TD><F>60</F>')
    assert b"<RSR>EMPRESA  LTDA</RSR>" in flat  # whitespace inside text is kept
    assert b"xmlns" not in flat and b"TmstFirma" not in flat
    assert b">\n" not in flat and b">\t" not in flat


def test_altered_official_timbre_is_refused() -> None:
    ted = official_ted()
    mnt = ted.find(f"{sii('DD')}/{sii('MNT')}")
    assert mnt is not None
    mnt.text = "119001"
    with pytest.raises(SignatureInvalid, match="los datos del documento fueron alterados"):
        verify_ted(ted)


def timbre(caf: Caf, **changes: object) -> etree._Element:
    data = TimbreData(
        rut_emisor=COMPANY_RUT,
        tipo_dte=39,
        folio=12,
        fecha_emision=NOW.date(),
        rut_receptor=ANONYMOUS_RUT,
        razon_social_receptor="Consumidor final",
        monto_total=1990,
        primer_item="Pan amasado & hallulla <especial> Ñuble (bolsa de 1 kg)",
        timestamp=NOW,
    )
    return build_ted(TimbreData(**{**data.__dict__, **changes}), caf)  # type: ignore[arg-type]


def test_local_timbre_verifies_with_the_caf_key_and_not_with_another(caf_for: Callable[[int], Caf]) -> None:
    ted = timbre(caf_for(39))
    verify_ted(ted, caf_for(39).public_key)
    with pytest.raises(SignatureInvalid):
        verify_ted(ted, generate_folio_key().public_key())


def test_timbre_escapes_text_and_copies_the_caf_verbatim(caf_for: Callable[[int], Caf]) -> None:
    caf = caf_for(39)
    flat = ted_for_pdf417(timbre(caf))
    # Cut at 40 characters before escaping (NOTES §6), then escaped.
    assert "<IT1>Pan amasado &amp; hallulla &lt;especial&gt; Ñuble</IT1>".encode("latin-1") in flat
    # The CAF goes in as the SII wrote it, whitespace between its tags included (the flat form drops it).
    caf_in_ted = timbre(caf).find(f"{sii('DD')}/{sii('CAF')}")
    assert caf_in_ted is not None
    assert serialize(caf_in_ted).replace(f' xmlns="{SII_NS}"'.encode(), b"") == caf.caf_xml
    assert b"<TSTED>2026-03-10T12:30:15</TSTED>" in flat


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_pdf417_encodes_exactly_the_ted_bytes(caf_for: Callable[[int], Caf], scale: int) -> None:
    ted_bytes = ted_for_pdf417(timbre(caf_for(39)))
    assert len(pdf417_codes(ted_bytes)[0]) == COLUMNS + 4  # start, left indicator, 13 data columns, right, stop
    assert decode_pdf417(render_pdf417(ted_bytes, scale=scale)) == ted_bytes


def test_pdf417_of_the_official_timbre_and_other_renderings() -> None:
    ted_bytes = ted_for_pdf417(official_ted())
    assert decode_pdf417(render_pdf417(ted_bytes)) == ted_bytes
    assert render_pdf417_png(ted_bytes).startswith(b"\x89PNG")
    assert b"<svg" in render_pdf417_svg(ted_bytes)
