"""Issuing each document type end to end: amounts, XML in schema order, timbre, signature and printed PDF417.

Every document is checked by independent means: the reference copy of the SII schemas, Debian's xmlsec1, signxml,
the CAF's public key for the timbre, and zxing-cpp for the PDF417.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from appliance.core.rut import ANONYMOUS_RUT
from appliance.sii.caf import Caf
from appliance.sii.canonical import SII_NS, parse_latin1
from appliance.sii.certificate import Certificate, create_test_certificate, load_pkcs12
from appliance.sii.doctypes import TipoDTE
from appliance.sii.errors import CafInvalid, CertificateInvalid, DocumentInvalid
from appliance.sii.pdf417 import render_pdf417
from appliance.sii.schemas import SchemaKind
from appliance.sii.service import IssuedDocument, issue_document
from appliance.sii.spec import (
    ANONYMOUS_BUYER,
    Buyer,
    CodRef,
    DocumentSpec,
    GlobalDiscount,
    Line,
    LineKind,
    Reference,
)
from appliance.sii.ted import find_ted, verify_ted
from tests.sii.support import (
    BUYER,
    HOLDER_RUT,
    ISSUER,
    NOW,
    assert_xmlsec_ok,
    decode_pdf417,
    shared_schema_errors,
    signxml_verify,
    with_declaration,
)

NS = {"s": SII_NS}
Issue = Callable[[DocumentSpec], IssuedDocument]


@pytest.fixture
def issue(caf_for: Callable[[int], Caf], cert: Certificate, tmp_path: Path) -> Issue:
    """Issues a document and checks everything every document must satisfy."""

    def run(spec: DocumentSpec) -> IssuedDocument:
        caf = caf_for(int(spec.tipo))
        issued = issue_document(spec, caf, cert, NOW)
        kind = SchemaKind.BOLETA if spec.tipo.is_boleta else SchemaKind.DTE
        assert shared_schema_errors(kind, parse_latin1(issued.signed_xml)) == ()
        assert_xmlsec_ok(with_declaration(issued.signed_xml), tmp_path)
        signed = signxml_verify(with_declaration(issued.signed_xml), cert.certificate)
        assert signed.get("ID") == issued.document_id
        root = parse_latin1(issued.signed_xml)
        verify_ted(find_ted(root), caf.public_key)
        assert decode_pdf417(render_pdf417(issued.ted_pdf417)) == issued.ted_pdf417
        assert_sequence(root)
        return issued

    return run


def assert_sequence(root: etree._Element) -> None:
    """TED comes after the Referencias, TmstFirma last in Documento, and the Signature last in DTE (NOTES §6)."""
    documento = root[0]
    names = [etree.QName(child).localname for child in documento]
    assert names[-2:] == ["TED", "TmstFirma"]
    assert names.index("TED") > max((i for i, n in enumerate(names) if n in {"Detalle", "Referencia"}), default=0)
    assert etree.QName(root[-1]).localname == "Signature"


def xml_of(issued: IssuedDocument) -> etree._Element:
    return parse_latin1(issued.signed_xml)


def text(root: etree._Element, path: str) -> str | None:
    found = root.xpath(f"string({path})", namespaces=NS)
    return str(found) if found != "" else None


def boleta(*lines: Line, folio: int = 1, **kwargs: object) -> DocumentSpec:
    return DocumentSpec(tipo=TipoDTE.BOLETA, folio=folio, issued_at=NOW, issuer=ISSUER, lines=lines, **kwargs)  # type: ignore[arg-type]


def test_boleta_with_weighed_item_line_discount_and_global_discount(issue: Issue) -> None:
    spec = boleta(
        Line(name="Queso mantecoso laminado", quantity_milli=1250, unit_price=12990, discount=500, weighed=True),
        Line(name="Bebida cola 2 L", quantity_milli=2000, unit_price=2190, code="7801610001196", code_type="EAN13"),
        Line(name="Envase retornable 2 L", quantity_milli=2000, unit_price=450, kind=LineKind.DEPOSITO),
        global_discounts=(GlobalDiscount(value=1000, description="Descuento vecino frecuente"),),
    )
    issued = issue(spec)
    # 1,250 kg × 12.990 = 16.237,5 → 16.238 − 500 = 15.738; 2 × 2.190 = 4.380; afecto 20.118 − 1.000 = 19.118.
    assert issued.totals.line_amounts == (15738, 4380, 900)
    assert (issued.totals.neto, issued.totals.iva, issued.totals.exento) == (16066, 3052, 900)
    assert issued.totals.total == 20018
    root = xml_of(issued)
    line = "s:Documento/s:Detalle[1]"
    assert text(root, f"{line}/s:QtyItem") == "1.25"
    assert text(root, f"{line}/s:UnmdItem") == "KG"
    assert text(root, f"{line}/s:PrcItem") == "12990"
    assert text(root, f"{line}/s:DescuentoMonto") == "500"
    assert text(root, f"{line}/s:MontoItem") == "15738"
    assert text(root, "s:Documento/s:Detalle[2]/s:CdgItem/s:TpoCodigo") == "EAN13"
    assert text(root, "s:Documento/s:Detalle[3]/s:IndExe") == "1"  # a deposit on a boleta: exempt (no IndExe 3)
    assert text(root, "s:Documento/s:DscRcgGlobal/s:ValorDR") == "1000"
    assert text(root, "s:Documento/s:Encabezado/s:IdDoc/s:IndServicio") == "3"
    assert text(root, "s:Documento/s:Encabezado/s:Emisor/s:RznSocEmisor") == "Minimarket Doña Ñeli SpA"
    assert text(root, "s:Documento/s:Encabezado/s:Receptor/s:RUTRecep") == "66666666-6"
    assert text(root, "s:Documento/s:Encabezado/s:Totales/s:MntTotal") == "20018"
    assert text(root, "s:Documento/s:TED/s:DD/s:MNT") == "20018"
    assert text(root, "s:Documento/s:TED/s:DD/s:TSTED") == "2026-03-10T12:30:15"
    assert root.get("version") == "1.0"
    assert root[0].get("ID") == "F1T39"


def test_text_is_kept_within_latin1_and_the_schema_lengths(issue: Issue) -> None:
    long_name = "Galletas “Tritón” rellenas de chocolate 🍫 — paquete familiar extra grande de 400 gramos con oferta"
    issued = issue(boleta(Line(name=long_name, quantity_milli=1000, unit_price=1290)))
    name = text(xml_of(issued), "s:Documento/s:Detalle/s:NmbItem")
    assert name is not None
    assert len(name) == 80
    assert name.startswith('Galletas "Tritón" rellenas de chocolate - paquete')
    it1 = text(xml_of(issued), "s:Documento/s:TED/s:DD/s:IT1")
    assert it1 == name[:40].rstrip()
    issued.signed_xml.decode("latin-1").encode("latin-1")  # nothing outside Latin-1, not even as a reference
    assert b"&#" not in issued.signed_xml
    assert "Tritón".encode("latin-1") in issued.ted_pdf417


def test_boleta_exenta(issue: Issue) -> None:
    spec = DocumentSpec(
        tipo=TipoDTE.BOLETA_EXENTA,
        folio=7,
        issued_at=NOW,
        issuer=ISSUER,
        lines=(Line(name="Carga tarjeta bip!", quantity_milli=1000, unit_price=5000, kind=LineKind.EXENTO),),
    )
    root = xml_of(issue(spec))
    assert text(root, "s:Documento/s:Encabezado/s:Totales/s:MntExe") == "5000"
    assert text(root, "s:Documento/s:Encabezado/s:Totales/s:MntNeto") is None
    assert text(root, "s:Documento/s:Detalle/s:IndExe") is None


def test_factura_with_ila_27_and_24_lines(issue: Issue) -> None:
    lines = [
        Line(name=f"Bebida analcohólica surtida {i}", quantity_milli=6000, unit_price=790, ila_code=27)
        for i in range(1, 21)
    ]
    lines += [
        Line(name="Pisco 35° 1 L", quantity_milli=2000, unit_price=Decimal("5033.61"), ila_code=24),
        Line(name="Pan amasado", quantity_milli=3500, unit_price=1500, weighed=True),
        Line(name="Huevos de campo", quantity_milli=1000, unit_price=3000, kind=LineKind.EXENTO),
        Line(name="Envase retornable 1,5 L", quantity_milli=12000, unit_price=400, kind=LineKind.DEPOSITO),
    ]
    spec = DocumentSpec(
        tipo=TipoDTE.FACTURA,
        folio=15,
        issued_at=NOW,
        issuer=ISSUER,
        buyer=BUYER,
        lines=tuple(lines),
        payment_form=1,
    )
    issued = issue(spec)
    totals = issued.totals
    # 20 × 6 × 790 = 94.800 (ILA 27); 2 × 5.033,61 = 10.067,22 → 10.067 (ILA 24); 3,5 × 1.500 = 5.250.
    assert totals.neto == 94800 + 10067 + 5250
    assert totals.iva == 20922  # 110.117 × 0,19 = 20.922,23
    root = xml_of(issued)
    taxes = root.xpath("s:Documento/s:Encabezado/s:Totales/s:ImptoReten", namespaces=NS)
    assert [(text(t, "s:TipoImp"), text(t, "s:TasaImp"), text(t, "s:MontoImp")) for t in taxes] == [
        ("24", "31.5", "3171"),  # 10.067 × 31,5 % = 3.171,105
        ("27", "10", "9480"),
    ]
    assert text(root, "s:Documento/s:Encabezado/s:Totales/s:TasaIVA") == "19"
    assert text(root, "s:Documento/s:Encabezado/s:Totales/s:MntExe") == "3000"
    assert text(root, "s:Documento/s:Encabezado/s:Totales/s:GrntDep") == "4800"
    assert text(root, "s:Documento/s:Detalle[21]/s:CodImpAdic") == "24"
    assert text(root, "s:Documento/s:Detalle[21]/s:PrcItem") == "5033.61"
    assert text(root, "s:Documento/s:Detalle[23]/s:IndExe") == "1"
    assert text(root, "s:Documento/s:Detalle[24]/s:IndExe") == "3"  # garantía por depósito de envases
    assert text(root, "s:Documento/s:Encabezado/s:Emisor/s:Acteco") == "472101"
    assert text(root, "s:Documento/s:Encabezado/s:IdDoc/s:FmaPago") == "1"
    assert text(root, "s:Documento/s:Encabezado/s:Receptor/s:GiroRecep") == "Restaurante"
    assert totals.total == 110117 + 20922 + 3171 + 9480 + 3000 + 4800 == 151490
    assert text(root, "s:Documento/s:TED/s:DD/s:RSR") == "Restaurante El Buen Sabor Ltda."


def test_factura_exenta_with_deposit(issue: Issue) -> None:
    spec = DocumentSpec(
        tipo=TipoDTE.FACTURA_EXENTA,
        folio=3,
        issued_at=NOW,
        issuer=ISSUER,
        buyer=BUYER,
        lines=(
            Line(name="Libro contable", quantity_milli=1000, unit_price=8000, kind=LineKind.EXENTO),
            Line(name="Envase bidón 20 L", quantity_milli=1000, unit_price=3000, kind=LineKind.DEPOSITO),
        ),
    )
    issued = issue(spec)
    root = xml_of(issued)
    assert text(root, "s:Documento/s:Encabezado/s:Totales/s:MntExe") == "8000"
    assert text(root, "s:Documento/s:Encabezado/s:Totales/s:GrntDep") == "3000"
    assert text(root, "s:Documento/s:Encabezado/s:Totales/s:IVA") is None
    assert text(root, "s:Documento/s:Detalle[1]/s:IndExe") is None
    assert issued.totals.total == 11000


def test_nota_de_credito_that_annuls_a_boleta(issue: Issue) -> None:
    original = boleta(
        Line(name="Queso mantecoso", quantity_milli=1250, unit_price=12990, weighed=True),
        Line(name="Envase retornable", quantity_milli=1000, unit_price=450, kind=LineKind.DEPOSITO),
        folio=40,
    )
    sold = issue(original)
    nota = DocumentSpec(
        tipo=TipoDTE.NOTA_CREDITO,
        folio=1,
        issued_at=NOW,
        issuer=ISSUER,
        buyer=ANONYMOUS_BUYER,
        lines=original.lines,
        gross_prices=True,  # the boleta's prices, IVA included
        references=(
            Reference(tipo_doc=39, folio=40, fecha=date(2026, 3, 10), cod_ref=CodRef.ANULA, razon="Anula boleta"),
        ),
    )
    issued = issue(nota)
    assert issued.totals.total == sold.totals.total
    assert (issued.totals.neto, issued.totals.iva) == (sold.totals.neto, sold.totals.iva)
    root = xml_of(issued)
    assert text(root, "s:Documento/s:Encabezado/s:IdDoc/s:MntBruto") == "1"
    assert text(root, "s:Documento/s:Encabezado/s:Receptor/s:RUTRecep") == ANONYMOUS_RUT.compact
    reference = "s:Documento/s:Referencia"
    assert text(root, f"{reference}/s:TpoDocRef") == "39"
    assert text(root, f"{reference}/s:FolioRef") == "40"
    assert text(root, f"{reference}/s:FchRef") == "2026-03-10"
    assert text(root, f"{reference}/s:CodRef") == "1"
    assert text(root, f"{reference}/s:RazonRef") == "Anula boleta"
    # On a DTE_v10 document the deposit is a GrntDep, where the boleta had it exempt: same total either way.
    assert text(root, "s:Documento/s:Encabezado/s:Totales/s:GrntDep") == "450"


def test_nota_de_credito_that_corrects_a_factura_amount(issue: Issue) -> None:
    spec = DocumentSpec(
        tipo=TipoDTE.NOTA_CREDITO,
        folio=2,
        issued_at=NOW,
        issuer=ISSUER,
        buyer=BUYER,
        lines=(
            Line(name="Bebida analcohólica: diferencia de precio", quantity_milli=6000, unit_price=100, ila_code=27),
        ),
        references=(
            Reference(tipo_doc=33, folio=15, fecha=date(2026, 3, 9), cod_ref=CodRef.CORRIGE_MONTOS, razon="Precio mal"),
        ),
    )
    issued = issue(spec)
    assert (issued.totals.neto, issued.totals.iva, issued.totals.taxes_total, issued.totals.total) == (
        600,
        114,
        60,
        774,
    )
    root = xml_of(issued)
    assert text(root, "s:Documento/s:Referencia/s:CodRef") == "3"
    assert text(root, "s:Documento/s:Referencia/s:TpoDocRef") == "33"
    assert text(root, "s:Documento/s:Encabezado/s:IdDoc/s:MntBruto") is None


def test_nota_de_credito_that_corrects_text_carries_zero_amounts(issue: Issue) -> None:
    spec = DocumentSpec(
        tipo=TipoDTE.NOTA_CREDITO,
        folio=3,
        issued_at=NOW,
        issuer=ISSUER,
        buyer=BUYER,
        lines=(Line(name="Donde dice giro Restorán debe decir Restaurante", quantity_milli=1000, unit_price=0),),
        references=(Reference(tipo_doc=33, folio=15, fecha=date(2026, 3, 9), cod_ref=CodRef.CORRIGE_TEXTO),),
    )
    issued = issue(spec)
    assert issued.totals.total == 0
    assert text(xml_of(issued), "s:Documento/s:Detalle/s:PrcItem") is None


def test_nota_de_debito(issue: Issue) -> None:
    spec = DocumentSpec(
        tipo=TipoDTE.NOTA_DEBITO,
        folio=1,
        issued_at=NOW,
        issuer=ISSUER,
        buyer=BUYER,
        lines=(Line(name="Flete no cobrado", quantity_milli=1000, unit_price=5000),),
        references=(
            Reference(tipo_doc=33, folio=15, fecha=date(2026, 3, 9), cod_ref=CodRef.CORRIGE_MONTOS, razon="Flete"),
        ),
    )
    assert issue(spec).totals.total == 5950


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"tipo": TipoDTE.NOTA_CREDITO, "buyer": BUYER}, DocumentInvalid, "debe indicar el documento que corrige"),
        ({"folio": 1001}, CafInvalid, "folio 1001 no está autorizado"),
        ({"tipo": TipoDTE.FACTURA}, DocumentInvalid, "necesita el RUT del cliente"),
        ({"tipo": TipoDTE.FACTURA, "buyer": BUYER, "issuer": replace(ISSUER, acteco=())}, DocumentInvalid, "Acteco"),
        ({"tipo": TipoDTE.FACTURA, "buyer": replace(BUYER, giro="")}, DocumentInvalid, "giro"),
    ],
)
def test_documents_the_sii_would_reject_are_refused(
    caf_for: Callable[[int], Caf], cert: Certificate, change: dict[str, object], error: type[Exception], message: str
) -> None:
    spec = replace(boleta(Line(name="Pan", quantity_milli=1000, unit_price=1000)), **change)  # type: ignore[arg-type]
    with pytest.raises(error, match=message):
        issue_document(spec, caf_for(int(spec.tipo)), cert, NOW)


def test_boleta_of_zero_pesos_is_refused(caf_for: Callable[[int], Caf], cert: Certificate) -> None:
    spec = boleta(Line(name="Regalo", quantity_milli=1000, unit_price=0))
    with pytest.raises(DocumentInvalid, match="mínimo de una boleta es \\$1"):
        issue_document(spec, caf_for(39), cert, NOW)


def test_caf_of_another_type_is_refused(caf_for: Callable[[int], Caf], cert: Certificate) -> None:
    with pytest.raises(CafInvalid, match="tipo 33"):
        issue_document(boleta(Line(name="Pan", quantity_milli=1000, unit_price=1000)), caf_for(33), cert, NOW)


def test_expired_factura_caf_is_refused_at_issue(caf_for: Callable[[int], Caf], cert: Certificate) -> None:
    later = NOW + timedelta(days=200)
    spec = DocumentSpec(
        tipo=TipoDTE.FACTURA,
        folio=1,
        issued_at=later,
        issuer=ISSUER,
        buyer=BUYER,
        lines=(Line(name="Pan", quantity_milli=1000, unit_price=1000),),
    )
    with pytest.raises(CafInvalid, match="venció el 05-07-2026"):
        issue_document(spec, caf_for(33), cert, later)


def test_expired_certificate_cannot_sign(caf_for: Callable[[int], Caf]) -> None:
    pfx = create_test_certificate(HOLDER_RUT, "Corto", password="c", now=NOW - timedelta(days=2), days=3)
    short = load_pkcs12(pfx, "c", now=NOW)
    with pytest.raises(CertificateInvalid, match="venció"):
        issue_document(
            boleta(Line(name="Pan", quantity_milli=1000, unit_price=1000)), caf_for(39), short, NOW + timedelta(days=2)
        )


def test_buyer_with_rut_on_a_boleta(issue: Issue) -> None:
    buyer = Buyer(rut=BUYER.rut, razon_social="Cliente con RUT y nombre muy largo que no cabe en cuarenta letras")
    root = xml_of(issue(boleta(Line(name="Pan", quantity_milli=1000, unit_price=1000), buyer=buyer)))
    assert text(root, "s:Documento/s:TED/s:DD/s:RR") == "77777777-7"
    assert text(root, "s:Documento/s:TED/s:DD/s:RSR") == buyer.razon_social[:40]
