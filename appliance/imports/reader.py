"""Reading a product spreadsheet (CSV or XLSX) into rows of text keyed by our field names.

Owners export from whatever they have: Excel in Spanish (";" separators, Latin-1), Google Sheets (UTF-8, ","),
headers with accents and capitals. All of that is accepted; anything else gets a Spanish message.

A file is hostile until read: a 1,5 KB .xlsx can declare a million rows or unzip to gigabytes. So the zip's directory
is checked before anything is unpacked, rows are read as a stream and the reading stops at the first row past the
limit, nothing is sized from what the file declares (the sheet's "dimension"), and the web layer reads in a worker
thread (`read_upload`) so the counter's event loop never waits for a spreadsheet.
"""

from __future__ import annotations

import asyncio
import csv
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from appliance.core.errors import DomainError
from appliance.core.text import fold, is_digits

MAX_ROWS = 50_000
# Bytes as received: the back office's upload limit, also for the command line.
MAX_FILE_BYTES = 20 * 1024 * 1024
# Columns read from each row; a product sheet has about fifteen, the rest is ignored unread.
MAX_COLUMNS = 100
# A CSV row (one record, even across quoted line breaks) past this many characters is not a product.
MAX_CSV_ROW_CHARS = 100_000
# XLSX, checked on the zip's central directory before unpacking: everything unzipped, the parts, and how much a big
# part may grow (sheets compress 5-20 times; a bomb a thousand).
MAX_XLSX_UNZIPPED = 50 * 1024 * 1024
MAX_XLSX_PARTS = 1_000
MAX_XLSX_RATIO = 100
XLSX_RATIO_FROM = 1024 * 1024
# Cells (each costs a few microseconds of CPU, kept or not) and distinct texts (each is kept) a product list of
# MAX_ROWS rows can sensibly have, at about fifteen columns; beyond, it is something else.
MAX_XLSX_CELLS = MAX_ROWS * 40
MAX_XLSX_STRINGS = MAX_ROWS * 10
# Excel's own limits: no valid sheet has more cells in a row, nor more characters in a cell.
EXCEL_MAX_COLUMN = 16_384
EXCEL_MAX_CELL_CHARS = 32_767
# A value kept for a field, cut past any valid one (a name has at most 80): one long shared text that every row
# points to must not become a copy per row here or in the preview's messages. A cut value still fails its check.
MAX_VALUE_CHARS = 200
# Bytes between two "<" of an XML part, i.e. the longest tag or text: Excel's longest cell fits; an element with
# a million attributes (expat and pyexpat build them all at once) does not. Parts are fed in smaller pieces.
MAX_XML_RUN = 256 * 1024
XML_PIECE = 64 * 1024

# Folded header → field. Several spellings per field, as people write them.
HEADERS = {
    "codigo": "code",
    "codigo interno": "code",
    "cod": "code",
    "sku": "code",
    "nombre": "name",
    "descripcion": "name",
    "producto": "name",
    "nombre corto": "short_name",
    "nombre boleta": "short_name",
    "categoria": "category",
    "familia": "category",
    "precio": "price",
    "precio venta": "price",
    "precio de venta": "price",
    "unidad": "unit",
    "unidad de venta": "unit",
    "iva": "tax",
    "ila": "additional_tax",
    "impuesto adicional": "additional_tax",
    "codigo de barras": "barcodes",
    "codigos de barras": "barcodes",
    "codigo barras": "barcodes",
    "codigos barras": "barcodes",
    "ean": "barcodes",
    "barcode": "barcodes",
    "plu": "plu",
    "stock minimo": "min_stock",
    "minimo": "min_stock",
    "alcohol": "is_alcohol",
    "tabaco": "is_tobacco",
    "mayores de 18": "age_restricted",
    "mayor de edad": "age_restricted",
    "edad": "age_restricted",
    "envase": "container_code",
    "envase retornable": "container_code",
    "activo": "active",
    "tecla rapida": "quick_key",
}
REQUIRED = ("code", "name", "price")


class ImportFileError(DomainError):
    default_code = "invalid_import_file"


@dataclass(frozen=True)
class SheetRow:
    line: int  # as the owner sees it in the spreadsheet (header is line 1)
    values: dict[str, str]


def _field(header: str) -> str | None:
    key = " ".join(fold(header).replace("_", " ").replace("-", " ").replace(".", " ").split())
    return HEADERS.get(key)


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


TOO_MANY_ROWS = f"El archivo tiene más de {_thousands(MAX_ROWS)} filas; divídalo en partes."
DAMAGED_XLSX = "No se pudo leer el archivo Excel: ¿está dañado o no es .xlsx?"
NOT_A_SPREADSHEET = "El archivo Excel no parece una planilla normal"


def _sheet_rows(lines: Iterable[tuple[int, list[str]]]) -> list[SheetRow]:
    """(line, cells) pairs, header on line 1, into rows keyed by field; stops at the first row past the limit."""
    numbered = iter(lines)
    first = next(numbered, None)
    if first is None:
        raise ImportFileError("El archivo está vacío.")
    line, cells = first
    header = [_field(h) for h in cells[:MAX_COLUMNS]] if line == 1 else []
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        names = {"code": "codigo", "name": "nombre", "price": "precio"}
        raise ImportFileError(
            "Faltan columnas obligatorias: "
            + ", ".join(names[m] for m in missing)
            + ". La primera fila debe tener los títulos (codigo, nombre, precio …)."
        )
    rows: list[SheetRow] = []
    for line, cells in numbered:
        if not any(c.strip() for c in cells):
            continue
        # The line number counts, not the rows seen: a cell on row 300.000 after three rows is past the limit, and
        # the gap before it was never read (neither a CSV nor a sheet's XML has anything to read for empty rows).
        if line > MAX_ROWS + 1 or len(rows) == MAX_ROWS:
            raise ImportFileError(TOO_MANY_ROWS)
        values = {field: (_clip(cells[i].strip()) if i < len(cells) else "") for i, field in enumerate(header) if field}
        rows.append(SheetRow(line, values))
    return rows


def _clip(value: str) -> str:
    return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + "…"


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# Lines end as Windows, Unix or old Macintosh (CR alone, Excel's "CSV Macintosh") write them.
_NEWLINE = re.compile(r"\r\n?|\n")


class _CsvLines:
    """The text's lines one at a time, without a copy of the whole text; a record too long is refused unsliced."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._at = 0
        self.record_chars = 0  # since the last complete record; the reader of records resets it

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        text, at = self._text, self._at
        if at >= len(text):
            raise StopIteration
        newline = _NEWLINE.search(text, at)
        end = newline.end() if newline else len(text)
        self.record_chars += end - at
        if self.record_chars > MAX_CSV_ROW_CHARS:
            raise ImportFileError(
                f"Una fila del archivo tiene más de {_thousands(MAX_CSV_ROW_CHARS)} caracteres: "
                "¿es realmente una lista de productos en CSV?"
            )
        self._at = end
        return text[at:end]


def read_csv(data: bytes) -> list[SheetRow]:
    text = _decode(data)
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    lines = _CsvLines(text)
    records = csv.reader(lines, dialect)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        for number, cells in enumerate(records, start=1):
            lines.record_chars = 0
            yield number, cells[:MAX_COLUMNS]

    try:
        return _sheet_rows(numbered())
    except csv.Error as exc:  # whatever the csv module still objects to (its dialects here are lenient)
        raise ImportFileError(
            f"No se pudo leer el archivo CSV (línea {records.line_num}): ¿está dañado o no es un CSV?"
        ) from exc


def _open_xlsx(data: bytes) -> zipfile.ZipFile:
    """The archive, once its central directory says unpacking it stays small; nothing is unpacked here."""
    # zipfile makes an object per directory entry before anything can be counted; each entry starts with this
    # signature, so counting it bounds them in one pass over the bytes.
    if data.count(b"PK\x01\x02") > MAX_XLSX_PARTS:
        raise ImportFileError(
            f"{NOT_A_SPREADSHEET}: contiene más de {_thousands(MAX_XLSX_PARTS)} archivos internos. "
            "Guarde la lista de productos en un libro nuevo."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # zipfile raises many kinds for a damaged file
        raise ImportFileError(DAMAGED_XLSX) from exc
    # Sizes from the central directory bound what unpacking yields: zipfile stops a member at its declared size (and
    # fails its CRC if the data says otherwise).
    members = archive.infolist()
    unzipped = sum(info.file_size for info in members)
    try:
        if unzipped > MAX_XLSX_UNZIPPED:
            raise ImportFileError(
                f"El archivo Excel ocupa más de {MAX_XLSX_UNZIPPED // 2**20} MB al descomprimirlo "
                f"({unzipped / 2**20:,.0f} MB); divídalo en partes o guárdelo como CSV.".replace(",", ".")
            )
        for info in members:
            if info.file_size > XLSX_RATIO_FROM and info.file_size > MAX_XLSX_RATIO * max(info.compress_size, 1):
                raise ImportFileError(
                    f"{NOT_A_SPREADSHEET}: una de sus partes crece más de {MAX_XLSX_RATIO} veces al descomprimirla. "
                    "Ábralo en Excel y guárdelo de nuevo."
                )
    except ImportFileError:
        archive.close()
        raise
    return archive


class _Part:
    """expat callbacks for one XML part, by local name: namespaces vary (transitional, strict, prefixed)."""

    finished = False  # the rest of the part is not needed

    def start(self, name: str, attrs: dict[str, str]) -> None:
        pass

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


def _refuse_doctype(*_: Any) -> None:
    # No part of an .xlsx has a DTD; refusing it rules out entity expansion of any kind.
    raise ImportFileError(DAMAGED_XLSX)


# What reading a member of a damaged archive or a broken XML part may raise (our own refusals pass through).
_DAMAGE = (
    expat.ExpatError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    OSError,
    ValueError,
)


def _feed(archive: zipfile.ZipFile, info: zipfile.ZipInfo, part: _Part) -> Iterator[None]:
    """Unzip and parse a part a piece at a time, pausing after each so the caller takes what is ready."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.StartElementHandler = part.start
    parser.EndElementHandler = part.end
    parser.CharacterDataHandler = part.text
    run = 0  # bytes since the last "<"; within one piece a run is shorter than MAX_XML_RUN anyway
    try:
        with archive.open(info) as stream:
            while not part.finished and (chunk := stream.read(XML_PIECE)):
                first = chunk.find(b"<")
                if first < 0:
                    run += len(chunk)
                elif run + first > MAX_XML_RUN:
                    raise ImportFileError(DAMAGED_XLSX)
                else:
                    run = len(chunk) - 1 - chunk.rfind(b"<")
                if run > MAX_XML_RUN:
                    raise ImportFileError(DAMAGED_XLSX)
                parser.Parse(chunk, False)
                yield
        if not part.finished:
            parser.Parse(b"", True)
    except _DAMAGE as exc:
        raise ImportFileError(DAMAGED_XLSX) from exc
    yield


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, part: _Part) -> None:
    for _ in _feed(archive, info, part):
        pass


# Element name (with its namespace) → local name. Few names recur millions of times; the cap keeps a hostile part
# with endless distinct names from growing it.
_LOCAL_NAMES: dict[str, str] = {}


def _local(name: str) -> str:
    local = _LOCAL_NAMES.get(name)
    if local is None:
        local = name.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 256:
            _LOCAL_NAMES[name] = local
    return local


class _Relationships(_Part):
    """A .rels part: the targets of the wanted ids, and the first target of a few kinds."""

    KINDS = ("officeDocument", "sharedStrings")

    def __init__(self, wanted: Iterable[str] = ()) -> None:
        self.wanted = set(wanted)
        self.by_id: dict[str, tuple[str, str]] = {}  # id → (kind, target)
        self.by_kind: dict[str, str] = {}

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if _local(name) != "Relationship" or attrs.get("TargetMode") == "External":
            return
        kind = attrs.get("Type", "").rpartition("/")[2]
        target = attrs.get("Target", "")
        if attrs.get("Id") in self.wanted:
            self.by_id[attrs["Id"]] = (kind, target)
        if kind in self.KINDS:
            self.by_kind.setdefault(kind, target)


class _Workbook(_Part):
    """workbook.xml: the relationship ids of its sheets, in the order the owner sees the tabs."""

    MAX_SHEETS = 256

    def __init__(self) -> None:
        self.sheets: list[str] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet" and len(self.sheets) < self.MAX_SHEETS:
            rid = next((value for key, value in attrs.items() if key.endswith("}id")), None)
            if rid:
                self.sheets.append(rid)


class _SharedStrings(_Part):
    """sharedStrings.xml: the texts cells point to, runs of rich text joined, phonetic hints left out."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._current: list[str] | None = None
        self._length = 0
        self._collect = False
        self._phonetic = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "si":
            self._current = []
            self._length = 0
        elif local == "t":
            self._collect = self._current is not None and not self._phonetic
        elif local == "rPh":
            self._phonetic += 1

    def end(self, name: str) -> None:
        local = _local(name)
        if local == "t":
            self._collect = False
        elif local == "rPh":
            self._phonetic -= 1
        elif local == "si" and self._current is not None:
            if len(self.strings) == MAX_XLSX_STRINGS:
                raise ImportFileError(
                    f"{NOT_A_SPREADSHEET}: tiene más de {_thousands(MAX_XLSX_STRINGS)} textos distintos. "
                    "Deje solo la lista de productos y divídala en partes."
                )
            # Stripped and cut once here: every cell pointing to it then shares this one string.
            self.strings.append(_clip("".join(self._current).strip()))
            self._current = None

    def text(self, data: str) -> None:
        if self._collect and self._current is not None and self._length < EXCEL_MAX_CELL_CHARS:
            self._current.append(data)
            self._length += len(data)


def _letters(column: int) -> str:
    return _letters((column - 1) // 26) + chr(65 + (column - 1) % 26) if column else ""


# Column letters → number for the columns we read (A → 1 … CV → 100); any other letters are past them.
_COLUMNS = {_letters(n): n for n in range(1, MAX_COLUMNS + 1)}


def _number(raw: str) -> str:
    """A numeric cell as openpyxl gave it to us before: 1090 and EANs as integers, decimals with a comma."""
    try:
        if "." in raw or "e" in raw or "E" in raw:
            value = float(raw)
            return str(int(value)) if value.is_integer() else f"{value}".replace(".", ",")
        return str(int(raw))
    except ValueError:  # not a number after all, or too many digits for int(): the text as written
        return raw


class _Sheet(_Part):
    """A worksheet's rows as (line, cells) in `ready`, each row only as long as its last non-empty cell.

    The sheet's declared dimension is never read, and empty rows are not in the XML: a gap costs nothing. Cells past
    MAX_COLUMNS are counted and looked at (a value there still makes its row a row) but their text is not kept.
    """

    def __init__(self, strings: list[str]) -> None:
        self.strings = strings
        self.ready: list[tuple[int, list[str]]] = []
        self._in_data = False
        self._line = 0
        self._last = 0  # rows must come in order; a repeated or earlier line is dropped, as openpyxl did
        self._cells: dict[int, str] = {}
        self._far = False  # the current row has a value past MAX_COLUMNS
        self._row_cells = 0
        self._all_cells = 0
        self._column = 0
        self._keep = False  # the current cell is within MAX_COLUMNS
        self._kind = "n"
        self._inline = False
        self._phonetic = 0
        self._collect = False
        self._text: list[str] = []
        self._length = 0

    # The two handlers below run for every element of the sheet: they test the frequent names first.
    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _LOCAL_NAMES.get(name) or _local(name)
        if local == "c" and self._in_data:
            self._all_cells += 1
            self._row_cells += 1
            if self._all_cells > MAX_XLSX_CELLS:
                raise ImportFileError(
                    f"{NOT_A_SPREADSHEET}: tiene más de {_thousands(MAX_XLSX_CELLS)} celdas. "
                    "Deje solo la lista de productos y divídala en partes."
                )
            if self._row_cells > EXCEL_MAX_COLUMN:
                raise ImportFileError(DAMAGED_XLSX)
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                self._column = _COLUMNS.get(letters, MAX_COLUMNS + 1) if letters else self._column + 1
            else:
                self._column += 1
            self._keep = self._column <= MAX_COLUMNS
            self._kind = attrs.get("t", "n")
            self._text = []
            self._length = 0
        elif local == "v" or (local == "t" and self._inline and not self._phonetic):
            self._collect = True
        elif local == "row" and self._in_data:
            ref = attrs.get("r")
            try:
                self._line = int(ref) if ref else self._line + 1
            except ValueError:
                raise ImportFileError(DAMAGED_XLSX) from None
            self._cells = {}
            self._far = False
            self._row_cells = 0
            self._column = 0
        elif local == "is":
            self._inline = True
        elif local == "rPh":
            self._phonetic += 1
        elif local == "sheetData":
            self._in_data = True

    def end(self, name: str) -> None:
        local = _LOCAL_NAMES.get(name) or _local(name)
        if local == "c":
            if self._keep:
                if value := self._value():
                    self._cells[self._column] = value
            elif self._text and "".join(self._text).strip():
                self._far = True
            self._keep = self._inline = self._collect = False
            self._text = []
        elif local == "v" or local == "t":
            self._collect = False
        elif local == "row" and self._in_data:
            if not (self._cells or self._far):
                return
            # Checked here too, for a row with values only past the columns kept: the consumer never sees those.
            if self._line > MAX_ROWS + 1:
                raise ImportFileError(TOO_MANY_ROWS)
            if self._cells and self._line > self._last:
                self._last = self._line
                width = max(self._cells)
                self.ready.append((self._line, [self._cells.get(i, "") for i in range(1, width + 1)]))
        elif local == "is":
            self._inline = False
        elif local == "rPh":
            self._phonetic -= 1
        elif local == "sheetData":
            self.finished = True  # what follows (formatting, validations …) is not data

    def text(self, data: str) -> None:
        if self._collect and self._length < EXCEL_MAX_CELL_CHARS:
            self._text.append(data)
            self._length += len(data)

    def _value(self) -> str:
        raw = "".join(self._text)
        if not raw:
            return ""
        kind = self._kind
        if kind == "s":
            index = int(raw) if is_digits(raw, max_len=9) else -1
            if not 0 <= index < len(self.strings):
                raise ImportFileError(DAMAGED_XLSX)
            return self.strings[index]
        if kind == "n":
            return _number(raw)
        if kind == "b":
            return "True" if raw == "1" else "False"
        return raw  # str (a formula's text), inlineStr, e (#N/A …), d (an ISO date): as written


def _resolve(folder: str, target: str) -> str:
    """A relationship's target as a member name (lower case: OPC part names ignore case)."""
    path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
    return path.lower()


def read_xlsx(data: bytes) -> list[SheetRow]:
    with _open_xlsx(data) as archive:
        parts = {info.filename.lower(): info for info in archive.infolist()}

        def part(name: str) -> zipfile.ZipInfo:
            if name not in parts:
                raise ImportFileError(DAMAGED_XLSX)
            return parts[name]

        package = _Relationships()
        if "_rels/.rels" in parts:
            _read_part(archive, parts["_rels/.rels"], package)
        book = _resolve("", package.by_kind.get("officeDocument", "xl/workbook.xml"))
        folder = posixpath.dirname(book)
        workbook = _Workbook()
        _read_part(archive, part(book), workbook)
        links = _Relationships(workbook.sheets)
        _read_part(archive, part(posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")), links)
        first = next((links.by_id[i][1] for i in workbook.sheets if links.by_id.get(i, ("",))[0] == "worksheet"), None)
        if first is None:
            raise ImportFileError("El archivo Excel no tiene ninguna hoja de cálculo.")
        strings = _SharedStrings()
        if "sharedStrings" in links.by_kind:
            _read_part(archive, part(_resolve(folder, links.by_kind["sharedStrings"])), strings)
        sheet = _Sheet(strings.strings)

        def lines() -> Generator[tuple[int, list[str]]]:
            for _ in _feed(archive, part(_resolve(folder, first)), sheet):
                yield from sheet.ready
                sheet.ready.clear()

        with closing(lines()) as numbered:  # refused midway: the member is closed before the archive
            return _sheet_rows(numbered)


def read_file(name: str, data: bytes) -> list[SheetRow]:
    """The rows of an uploaded spreadsheet, or ImportFileError with a message for the owner. CPU-bound: see
    `read_upload` for code on the event loop."""
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
        raise ImportFileError(f"Formato «{suffix or name}» no soportado: use CSV o Excel (.xlsx).")
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"El archivo pesa más de {MAX_FILE_BYTES // 2**20} MB; divídalo en partes o quite las columnas que no "
            "sean de productos."
        )
    if suffix in (".csv", ".txt"):
        return read_csv(data)
    return read_xlsx(data)


# A thread of its own, started at the first upload: files are read one at a time (each read is bounded in memory,
# two at once would double the bound), and uploads waiting their turn wait in its queue, not in the default
# executor's threads, which the database's commits use too.
_READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-reader")


async def read_upload(name: str, data: bytes) -> list[SheetRow]:
    """`read_file` in the reader's thread: a big sheet takes seconds of CPU the counter's event loop must not wait
    for."""
    return await asyncio.get_running_loop().run_in_executor(_READER, read_file, name, data)
