"""The representación impresa, checked the way the SII and a customer's phone would: the PDF is rasterised at 300 dpi
by poppler, the PDF417 read back by zxing-cpp and compared with the stored TED byte for byte, its size measured on the
page, and the page's text read by pdftotext."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from appliance.core.money import format_clp
from appliance.db.engine import Database
from appliance.db.models import Document
from appliance.sii import pdf
from tests.sii_pdf.conftest import RESOLUTION, IssuedShop, pdf_text, pdf_to_png

DPI = 300
MM_PER_INCH = 25.4
LEGENDS = ("Timbre Electrónico S.I.I.", "Verifique documento en www.sii.cl")
RESOLUTION_TEXT = f"Resolución N° {RESOLUTION[0]} de {RESOLUTION[1].year}"


async def _printable(issued: IssuedShop, document: Document) -> pdf.Printable:
    db = Database(issued.settings.database_path)
    try:
        async with db.read() as session:
            return await pdf.load_printable(session, document.tipo, document.folio)
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def rendered(issued: IssuedShop) -> dict[str, bytes]:
    """Each PDF once for the whole module: (document, format[, copy]) → bytes."""
    out = {}
    for key, document in (("boleta", issued.boleta), ("nota", issued.nota), ("factura", issued.factura)):
        printable = asyncio.run(_printable(issued, document))
        for fmt in pdf.FORMATS:
            out[f"{key}-{fmt}"] = pdf.render_pdf(printable, fmt)
    out["boleta-80mm-copia"] = pdf.render_pdf(asyncio.run(_printable(issued, issued.boleta)), "80mm", copy=True)
    return out


def _timbre(png: Path) -> tuple[bytes, float, float]:
    """The PDF417 found on the page: its bytes, and its width and height in millimetres."""
    found = zxingcpp.read_barcodes(Image.open(png), formats=zxingcpp.BarcodeFormat.PDF417)
    assert len(found) == 1, f"expected one PDF417 on {png.name}, found {len(found)}"
    corners = found[0].position
    xs = [corners.top_left.x, corners.top_right.x, corners.bottom_right.x, corners.bottom_left.x]
    ys = [corners.top_left.y, corners.top_right.y, corners.bottom_right.y, corners.bottom_left.y]
    width = (max(xs) - min(xs)) / DPI * MM_PER_INCH
    height = (max(ys) - min(ys)) / DPI * MM_PER_INCH
    return found[0].bytes, width, height


CASES = [
    ("boleta", "80mm", "BOLETA ELECTRÓNICA"),
    ("boleta", "carta", "BOLETA ELECTRÓNICA"),
    ("nota", "80mm", "NOTA DE CRÉDITO"),  # the roll breaks the long name over two lines
    ("nota", "carta", "NOTA DE CRÉDITO"),
    ("factura", "80mm", "FACTURA ELECTRÓNICA"),
    ("factura", "carta", "FACTURA ELECTRÓNICA"),
    ("boleta", "80mm-copia", "BOLETA ELECTRÓNICA"),
]


@pytest.mark.parametrize(("which", "fmt", "name"), CASES)
def test_timbre_decodes_to_the_stored_ted_at_its_legal_size_and_the_text_is_complete(
    issued: IssuedShop, rendered: dict[str, bytes], tmp_path: Path, which: str, fmt: str, name: str
) -> None:
    document: Document = getattr(issued, which)
    data = rendered[f"{which}-{fmt}"]
    assert data.startswith(b"%PDF-")

    payload, width, height = _timbre(pdf_to_png(data, tmp_path / f"{which}-{fmt}.png", dpi=DPI))
    assert payload == document.ted  # exactly the TED, byte for byte (ISO-8859-1, never re-encoded)
    assert width >= 45 and height >= 20, f"timbre {width:.1f} × {height:.1f} mm, below 4,5 × 2 cm"
    images = subprocess.run(
        ["pdfimages", "-list", str(tmp_path / f"{which}-{fmt}.pdf")], capture_output=True, text=True
    )
    assert images.stdout.strip().count("\n") == 1, images.stdout  # headings only: the timbre is vector, not a bitmap

    text = pdf_text(data, tmp_path)
    flat = " ".join(text.split())
    assert "76.543.210-3" in flat  # the issuer's RUT
    assert name in flat
    assert f"N° {document.folio}" in flat
    assert format_clp(document.total) in flat
    assert "S.I.I. - SANTIAGO ORIENTE" in flat
    for legend in (*LEGENDS, RESOLUTION_TEXT):
        assert legend in flat
    assert ("COPIA" in flat) == fmt.endswith("copia")


def test_each_document_says_what_it_is_for(issued: IssuedShop, rendered: dict[str, bytes], tmp_path: Path) -> None:
    boleta = " ".join(pdf_text(rendered["boleta-80mm"], tmp_path).split())
    assert "Leche Entera 1 L" in boleta and "1,25 kg x $2.490" in boleta and "$3.113" in boleta
    assert "El IVA de esta boleta es $877" in boleta

    nota = " ".join(pdf_text(rendered["nota-carta"], tmp_path).split())
    assert "NOTA DE CRÉDITO ELECTRÓNICA" in nota
    assert f"Boleta Electrónica N° {issued.boleta.folio}" in nota  # the referenced document
    assert "Corrige montos: leche vencida" in nota
    assert "66.666.666-6" in nota and "Monto neto $1.000" in nota and "IVA (19%) $190" in nota

    factura = " ".join(pdf_text(rendered["factura-carta"], tmp_path, layout=True).split())
    for expected in (
        "Distribuidora Los Andes Limitada",
        "77.123.456-9",
        "Venta al por mayor de alimentos",
        "Av. Vicuña Mackenna 4560",
        "San Joaquín",
        "Crédito",
        "Queso Gauda laminado 2,5 kg $7.554,62 $900 $17.987",  # qty, net price with decimals, discount, amount
        "Exento",
        "Descuento cliente frecuente -$500",
        "Monto neto $37.551",
        "Monto exento $12.600",
        "IVA (19%) $7.135",
        "ILA cervezas (20,5%) $4.059",
        "TOTAL $61.345",
    ):
        assert expected in factura, expected


@pytest.mark.parametrize(
    ("tipo", "name", "expected"),
    [
        (41, "BOLETA EXENTA ELECTRÓNICA", ("Recarga tarjeta Bip!", "$5.000")),
        (34, "FACTURA NO AFECTA O EXENTA ELECTRÓNICA", ("Distribuidora Los Andes Limitada", "Monto exento", "Contado")),
        (56, "NOTA DE DÉBITO ELECTRÓNICA", ("Factura Electrónica N° 1", "Corrige montos: Faltó cobrar el flete")),
    ],
)
def test_the_other_document_types(
    issued: IssuedShop, tmp_path: Path, tipo: int, name: str, expected: tuple[str, ...]
) -> None:
    document = issued.by_type[tipo]
    printable = asyncio.run(_printable(issued, document))
    for fmt in pdf.FORMATS:
        data = pdf.render_pdf(printable, fmt)
        payload, width, height = _timbre(pdf_to_png(data, tmp_path / f"{tipo}-{fmt}.png"))
        assert payload == document.ted and width >= 45 and height >= 20
        text = " ".join(pdf_text(data, tmp_path, layout=fmt == "carta").split())
        assert f"N° {document.folio}" in text and format_clp(document.total) in text
        assert all(word in text for word in name.split())  # the box may break a long name over lines
        for part in expected:
            assert part in text, (fmt, part)
        assert "IVA" not in text or tipo == 56  # exempt documents carry no IVA


def test_pages_are_80_mm_roll_and_letter(rendered: dict[str, bytes], tmp_path: Path) -> None:
    for key, data in rendered.items():
        png = pdf_to_png(data, tmp_path / f"{key}.png", dpi=100)
        width, height = Image.open(png).size
        if "80mm" in key:
            assert abs(width / 100 * MM_PER_INCH - 80) < 0.6, key
            assert 80 < height / 100 * MM_PER_INCH < 300, key  # cut to the content, not a 5 m page
        else:
            assert (width, height) == (850, 1100), key  # 8,5 × 11 in


def test_long_factura_on_letter_repeats_the_header_and_ends_with_totals_and_timbre(
    issued: IssuedShop, tmp_path: Path
) -> None:
    from dataclasses import replace

    printable = asyncio.run(_printable(issued, issued.factura))
    many = tuple(replace(printable.items[n % 3], number=n + 1, name=f"Producto {n + 1}") for n in range(60))
    data = pdf.render_pdf(replace(printable, items=many), "carta")
    text = pdf_text(data, tmp_path)
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Página {number} de {len(pages)}" in page and "Factura Electrónica N° 1" in page
        if "Producto " in page:
            assert "Descripción" in page  # the table's head repeats on every page with lines
    assert "Producto 60" in text and "TOTAL" in pages[-1] and "Timbre Electrónico S.I.I." in pages[-1]


def test_timbre_svg_is_never_below_the_minimum() -> None:
    small = pdf.timbre_svg(b"<TED/>")
    assert small.width_mm >= 45 and small.height_mm >= 20
    real = pdf.timbre_svg(b"x" * 830)
    assert real.width_mm >= 45 and real.height_mm >= 20
    assert b'preserveAspectRatio="none"' in real.svg and b"<rect" not in real.svg  # one path, no seams


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/x.png", "https://www.sii.cl/logo.png", "file:///etc/passwd", "ftp://x/y"]
)
def test_weasyprint_may_fetch_nothing_outside_the_box(url: str) -> None:
    with pytest.raises(pdf.ExternalResourceRefused):
        pdf.url_fetcher().fetch(url)


def test_data_uris_are_allowed() -> None:
    response = pdf.url_fetcher().fetch("data:text/plain;base64,aG9sYQ==")
    try:
        assert response is not None
    finally:
        response.close()


def test_unknown_folio_is_a_spanish_error(issued: IssuedShop) -> None:
    async def load() -> None:
        db = Database(issued.settings.database_path)
        try:
            async with db.read() as session:
                await pdf.load_printable(session, 39, 999_999)
        finally:
            await db.dispose()

    with pytest.raises(pdf.PrintableUnavailable, match=r"No existe boleta electrónica .* folio 999999"):
        asyncio.run(load())


def test_pictures_for_people_to_look_at(rendered: dict[str, bytes], test_output: Path, tmp_path: Path) -> None:
    """test-output/boleta-80mm.png and nota-credito-carta.png: what the shop owner and the accountant will see."""
    for key, name in (("boleta-80mm", "boleta-80mm.png"), ("nota-carta", "nota-credito-carta.png")):
        png = pdf_to_png(rendered[key], tmp_path / name, dpi=150)
        shutil.copyfile(png, test_output / name)
        assert (test_output / name).stat().st_size > 10_000
