"""Reading product spreadsheets: normal files as before, hostile ones refused early with a Spanish message.

The hostile files are real: workbooks written part by part with zipfile, as an attacker would, and sheets built with
openpyxl. Memory is asserted with tracemalloc (the peak of Python allocations while reading, a deterministic figure);
time is not asserted: bench/xlsx_bombs.py reports it.
"""

from __future__ import annotations

import asyncio
import io
import threading
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from appliance.imports import reader
from appliance.imports.reader import MAX_ROWS, ImportFileError, SheetRow, read_file, read_upload

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
TOO_MANY_ROWS = "El archivo tiene más de 50.000 filas; divídalo en partes."
DAMAGED = "No se pudo leer el archivo Excel: ¿está dañado o no es .xlsx?"
HEADER = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>codigo</t></is></c><c r="B1" t="inlineStr"><is><t>nombre</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>precio</t></is></c></row>'
)
MB = 1024 * 1024
STRINGS_RELS = (
    f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{REL}/worksheet"/>'
    f'<Relationship Id="rId2" Target="/xl/sharedStrings.xml" Type="{REL}/sharedStrings"/></Relationships>'
)


def row(line: int, code: str = "", name: str = "", price: int = 990) -> str:
    return (
        f'<row r="{line}"><c r="A{line}" t="inlineStr"><is><t>{code or f"P{line}"}</t></is></c>'
        f'<c r="B{line}" t="inlineStr"><is><t>{name or f"Producto {line}"}</t></is></c>'
        f'<c r="C{line}"><v>{price}</v></c></row>'
    )


def hand_made(
    sheet_chunks: Iterable[str],
    *,
    dimension: str | None = None,
    prefix: str = "",
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A minimal .xlsx, its sheet streamed into the zip (a 200 MB sheet never sits in memory here)."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Target="xl/workbook.xml" '
            f'Type="{REL}/officeDocument"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<{p}workbook {xmlns} xmlns:r="{REL}"><{p}sheets><{p}sheet name="Hoja1" sheetId="1" r:id="rId1"/>'
            f"</{p}sheets></{p}workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Target="worksheets/sheet1.xml" '
            f'Type="{REL}/worksheet"/></Relationships>',
        )
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            head = f"<{p}worksheet {xmlns}>"
            if dimension:
                head += f'<{p}dimension ref="{dimension}"/>'
            sheet.write(f"{head}<{p}sheetData>".encode())
            for chunk in sheet_chunks:
                sheet.write(chunk.replace("<", f"<{p}").replace(f"<{p}/", f"</{p}").encode() if p else chunk.encode())
            sheet.write(f"</{p}sheetData></{p}worksheet>".encode())
    return buffer.getvalue()


def rewrite(data: bytes, parts: dict[str, str]) -> bytes:
    """The same archive with some parts replaced or added (a zip member cannot be overwritten in place)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info.filename, source.read(info))
        for name, content in parts.items():
            target.writestr(name, content)
    return buffer.getvalue()


def refused(call: Callable[[], object]) -> tuple[str, float]:
    """The message a read is refused with, and the peak of Python memory while reading, in MB."""
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as caught:
            call()
        peak = tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()
    return caught.value.message, peak


def plain(rows: list[SheetRow]) -> list[tuple[int, dict[str, str]]]:
    return [(r.line, r.values) for r in rows]


# --- Normal files read as before -------------------------------------------------------------------------------


def test_an_excel_file_from_openpyxl_reads_as_the_owner_sees_it() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Código", "Nombre", "Categoría", "Precio", "Código de barras", "Alcohol", "ILA"])
    sheet.append(["V1", "  Vino Tinto 750 ml ", "Vinos", 5990, 7802820005509, True, 20.5])
    sheet.append(["P1", CellRichText(["Pan ", TextBlock(InlineFont(b=True), "amasado")]), None, 1490.0, None, False])
    sheet.append([])
    sheet.append(["Q1", "Queso", None, "=1+2", "780", None, 0.1, "columna sin título"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_file("productos.xlsx", buffer.getvalue())
    assert plain(rows) == [
        (2, {"code": "V1", "name": "Vino Tinto 750 ml", "category": "Vinos", "price": "5990",
             "barcodes": "7802820005509", "is_alcohol": "True", "additional_tax": "20,5"}),
        (3, {"code": "P1", "name": "Pan amasado", "category": "", "price": "1490", "barcodes": "",
             "is_alcohol": "False", "additional_tax": ""}),
        # A formula has no cached value until Excel computes it: empty, as openpyxl's data_only gave it.
        (5, {"code": "Q1", "name": "Queso", "category": "", "price": "", "barcodes": "780", "is_alcohol": "",
             "additional_tax": "0,1"}),
    ]  # fmt: skip


def test_write_only_workbooks_prefixed_namespaces_and_a_wrong_dimension_read_the_same() -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Productos")
    sheet.append(["codigo", "nombre", "precio"])
    sheet.append(["A1", "Arroz", 1290])
    buffer = io.BytesIO()
    book.save(buffer)
    expected = [(2, {"code": "A1", "name": "Arroz", "price": "1290"})]
    assert plain(read_file("a.xlsx", buffer.getvalue())) == expected
    # The OpenXML SDK writes x:row, x:c …; a dimension far larger than the data is not a reason to refuse.
    prefixed = hand_made([HEADER, row(2, "A1", "Arroz", 1290)], prefix="x", dimension="A1:XFD1048576")
    assert plain(read_file("a.xlsx", prefixed)) == expected


def test_csv_in_the_shapes_owners_export() -> None:
    excel = 'codigo;nombre;precio\r\nA1;Ñandú 1 kg;1.290\r\n;;\r\nB1;"Bebida\r\n2 L";1990\r\n'.encode("cp1252")
    assert plain(read_file("p.csv", excel)) == [
        (2, {"code": "A1", "name": "Ñandú 1 kg", "price": "1.290"}),
        (4, {"code": "B1", "name": "Bebida\r\n2 L", "price": "1990"}),
    ]
    sheets = "\ufeffcodigo,nombre,precio\nA1,Café,990\n".encode()
    assert plain(read_file("p.csv", sheets)) == [(2, {"code": "A1", "name": "Café", "price": "990"})]
    old_mac = b"codigo;nombre;precio\rA1;Te;500\r"
    assert plain(read_file("p.txt", old_mac)) == [(2, {"code": "A1", "name": "Te", "price": "500"})]


def test_exactly_the_row_limit_is_accepted() -> None:
    data = hand_made([HEADER, *(row(n) for n in range(2, MAX_ROWS + 2))])
    rows = read_file("p.xlsx", data)
    assert len(rows) == MAX_ROWS and rows[-1].line == MAX_ROWS + 1
    csv = "codigo;nombre;precio\n" + "".join(f"P{n};Producto {n};990\n" for n in range(MAX_ROWS))
    assert len(read_file("p.csv", csv.encode())) == MAX_ROWS


# --- Hostile files ---------------------------------------------------------------------------------------------


def test_declared_dimension_with_one_cell_on_row_300000_is_refused_without_padding() -> None:
    far = '<row r="300000"><c r="A300000" t="inlineStr"><is><t>x</t></is></c></row>'
    data = hand_made([HEADER, row(2), row(3), far], dimension="A1:CV300000")
    assert len(data) < 2048
    message, peak = refused(lambda: read_file("bomba.xlsx", data))
    assert message == TOO_MANY_ROWS
    assert peak < 5


def test_whole_sheet_dimension_with_the_last_cell_filled_is_refused() -> None:
    # The cell sits past the columns read: its row still counts as a row.
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    data = hand_made([HEADER, row(2), row(3), far], dimension="A1:XFD1048576")
    message, peak = refused(lambda: read_file("bomba.xlsx", data))
    assert message == TOO_MANY_ROWS
    assert peak < 5


def test_a_sheet_member_inflating_to_200_mb_is_refused_before_unpacking() -> None:
    filler = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = filler * (MB // len(filler))
    data = hand_made([HEADER, *([block] * 200)])
    assert len(data) < MB
    message, peak = refused(lambda: read_file("bomba.xlsx", data))
    assert message.startswith("El archivo Excel ocupa más de 50 MB al descomprimirlo")
    assert peak < 5


def test_a_member_growing_a_thousandfold_is_refused_even_under_the_total() -> None:
    filler = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    data = hand_made([HEADER, filler * (20 * MB // len(filler))])
    message, peak = refused(lambda: read_file("bomba.xlsx", data))
    assert "crece más de 100 veces al descomprimirla" in message
    assert peak < 5


def test_an_archive_of_thousands_of_parts_is_refused_before_zipfile_lists_them() -> None:
    data = hand_made([HEADER, row(2)], extra={f"xl/media/{n}.bin": b"" for n in range(1200)})
    message, _ = refused(lambda: read_file("partes.xlsx", data))
    assert "contiene más de 1.000 archivos internos" in message


def test_more_real_rows_than_the_limit_are_refused_with_bounded_memory() -> None:
    data = hand_made([HEADER, *(row(n) for n in range(2, MAX_ROWS + 3))])
    message, peak = refused(lambda: read_file("p.xlsx", data))
    assert message == TOO_MANY_ROWS
    assert peak < 50


def test_shared_strings_repeated_rows_and_a_huge_row_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same line number over and over is one row, not a way around the limit.
    same_line = hand_made([HEADER, *(row(2, f"P{n}") for n in range(MAX_ROWS + 10))])
    assert plain(read_file("p.xlsx", same_line)) == [(2, {"code": "P0", "name": "Producto 2", "price": "990"})]
    # One row of 16.384 real cells (Excel's widest) is read, and only MAX_COLUMNS of them are kept.
    wide = "".join(f"<c><v>{n}</v></c>" for n in range(4, 16_385))
    data = hand_made([HEADER, f'<row r="2"><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c>{wide}</row>'])
    assert plain(read_file("p.xlsx", data)) == [(2, {"code": "1", "name": "2", "price": "3"})]
    # One more is not an Excel file.
    data = hand_made([HEADER, f'<row r="2">{"<c><v>1</v></c>" * 16_385}</row>'])
    assert refused(lambda: read_file("p.xlsx", data))[0] == DAMAGED
    # Cells are counted as they are read, kept or not.
    monkeypatch.setattr(reader, "MAX_XLSX_CELLS", 10)
    message = refused(lambda: read_file("p.xlsx", hand_made([HEADER, row(2), row(3), row(4)])))[0]
    assert message.startswith("El archivo Excel no parece una planilla normal: tiene más de 10 celdas")
    # Shared texts are counted as they are read.
    monkeypatch.setattr(reader, "MAX_XLSX_STRINGS", 10)
    strings = f'<sst xmlns="{MAIN}">' + "<si><t>x</t></si>" * 11 + "</sst>"
    data = rewrite(hand_made([HEADER]), {"xl/_rels/workbook.xml.rels": STRINGS_RELS, "xl/sharedStrings.xml": strings})
    assert "más de 10 textos distintos" in refused(lambda: read_file("p.xlsx", data))[0]


def test_long_tags_and_texts_cost_no_more_than_what_is_kept() -> None:
    # A tag of 60.000 attributes: expat would build them all in one go; it is refused before it gets the piece.
    attributes = " ".join(f'a{n}=""' for n in range(60_000))
    data = hand_made([HEADER, f'<row r="2" {attributes}><c><v>1</v></c></row>'])
    message, peak = refused(lambda: read_file("p.xlsx", data))
    assert message == DAMAGED and peak < 5
    # One long shared text on every row: one string, stripped and cut once, not a copy per cell.
    strings = f'<sst xmlns="{MAIN}"><si><t xml:space="preserve">  {"x" * 30_000}</t></si></sst>'
    lines = [f'<row r="{n}"><c t="inlineStr"><is><t>P{n}</t></is></c><c t="s"><v>0</v></c><c><v>9</v></c></row>'
             for n in range(2, 2_002)]  # fmt: skip
    # … and a cell of a hundred thousand values reads at most what Excel holds in a cell, and keeps it cut.
    lines.append(f'<row r="3001"><c><v>1</v></c><c t="str">{"<v>ab</v>" * 100_000}</c><c><v>5</v></c></row>')
    sheet = hand_made([HEADER, *lines])
    data = rewrite(sheet, {"xl/_rels/workbook.xml.rels": STRINGS_RELS, "xl/sharedStrings.xml": strings})
    tracemalloc.start()
    try:
        rows = read_file("p.xlsx", data)
        peak = tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()
    names = {id(r.values["name"]) for r in rows[:2_000]}
    assert len(names) == 1 and rows[0].values["name"] == "x" * 199 + "…"
    assert rows[-1].values == {"code": "1", "name": "ab" * 99 + "a…", "price": "5"}
    assert peak < 10


def test_entities_and_broken_parts_are_damage_not_a_crash() -> None:
    laughs = (
        '<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c t="inlineStr"><is><t>&b;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    data = rewrite(hand_made([HEADER]), {"xl/worksheets/sheet1.xml": laughs})
    assert refused(lambda: read_file("p.xlsx", data))[0] == DAMAGED
    assert refused(lambda: read_file("p.xlsx", hand_made([HEADER, "<row><c>"])))[0] == DAMAGED
    bad_index = '<row r="2"><c t="s"><v>7</v></c></row>'
    assert refused(lambda: read_file("p.xlsx", hand_made([HEADER, bad_index])))[0] == DAMAGED
    assert refused(lambda: read_file("p.xlsx", b"PK\x03\x04 not really"))[0] == DAMAGED


def test_csv_too_big_too_long_or_too_many_rows_is_refused_early() -> None:
    message, _ = refused(lambda: read_file("p.csv", b"codigo;nombre;precio\n" + b"x" * (20 * MB)))
    assert message.startswith("El archivo pesa más de 20 MB")
    # Past the sniffer's sample (4 KB of good rows), five million separators on one line.
    long_line = b"codigo;nombre;precio\n" + b"P;Producto;990\n" * 400 + b";" * (5 * MB)
    message, peak = refused(lambda: read_file("p.csv", long_line))
    assert message.startswith("Una fila del archivo tiene más de 100.000 caracteres")
    assert peak < 15  # the decoded text (5 MB) and not a list of five million empty fields
    many = b"codigo;nombre;precio\n" + b"P;Producto;990\n" * (MAX_ROWS + 1)
    message, peak = refused(lambda: read_file("p.csv", many))
    assert message == TOO_MANY_ROWS
    assert peak < 50
    # A row far down after blank lines counts by its line, as in a spreadsheet.
    far = b"codigo;nombre;precio\nA;B;1\n" + b"\n" * MAX_ROWS + b"C;D;2\n"
    assert refused(lambda: read_file("p.csv", far))[0] == TOO_MANY_ROWS


def test_formats_and_empty_files_keep_their_messages() -> None:
    assert refused(lambda: read_file("p.pdf", b"%PDF"))[0].startswith("Formato «.pdf» no soportado")
    assert refused(lambda: read_file("p.csv", b""))[0] == "El archivo está vacío."
    assert refused(lambda: read_file("p.xlsx", hand_made([])))[0] == "El archivo está vacío."
    headless = hand_made([row(3)])
    assert refused(lambda: read_file("p.xlsx", headless))[0].startswith("Faltan columnas obligatorias: codigo")


async def test_read_upload_reads_in_the_readers_own_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    real = reader.read_file

    def spy(name: str, data: bytes) -> list[SheetRow]:
        threads.append(threading.current_thread().name)
        return real(name, data)

    monkeypatch.setattr(reader, "read_file", spy)
    rows = await read_upload("p.csv", b"codigo;nombre;precio\nA;B;1\n")
    assert plain(rows) == [(2, {"code": "A", "name": "B", "price": "1"})]
    assert threads[0].startswith("import-reader") and threads[0] != threading.current_thread().name
    with pytest.raises(ImportFileError):
        await read_upload("p.xlsx", b"nope")
    # Two at once are both answered: one waits for the other's turn in the reader's queue.
    csv = b"codigo;nombre;precio\nA;B;1\n"
    both = await asyncio.gather(read_upload("a.csv", csv), read_upload("b.txt", csv))
    assert [len(rows) for rows in both] == [1, 1]
