"""Reading a product spreadsheet (CSV or XLSX) into rows of text keyed by our field names.

Owners export from whatever they have: Excel in Spanish (";" separators, Latin-1), Google Sheets (UTF-8, ","),
headers with accents and capitals. All of that is accepted; anything else gets a Spanish message.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from appliance.core.errors import DomainError
from appliance.core.text import fold

MAX_ROWS = 50_000

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


def _rows_from_table(table: list[list[str]]) -> list[SheetRow]:
    if not table:
        raise ImportFileError("El archivo está vacío.")
    header = [_field(h) for h in table[0]]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        names = {"code": "codigo", "name": "nombre", "price": "precio"}
        raise ImportFileError(
            "Faltan columnas obligatorias: "
            + ", ".join(names[m] for m in missing)
            + ". La primera fila debe tener los títulos (codigo, nombre, precio …)."
        )
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(f"El archivo tiene más de {MAX_ROWS:,} filas; divídalo en partes.".replace(",", "."))
    rows = []
    for index, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {field: (cells[i].strip() if i < len(cells) else "") for i, field in enumerate(header) if field}
        rows.append(SheetRow(index, values))
    return rows


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_csv(data: bytes) -> list[SheetRow]:
    text = _decode(data)
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    table = [row for row in csv.reader(io.StringIO(text), dialect)]
    return _rows_from_table(table)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 1090 and EANs as floats
    if isinstance(value, float):
        return f"{value}".replace(".", ",")
    return str(value)


def read_xlsx(data: bytes) -> list[SheetRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError("No se pudo leer el archivo Excel: ¿está dañado o no es .xlsx?") from exc
    try:
        sheet = workbook.worksheets[0]
        table = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _rows_from_table(table)


def read_file(name: str, data: bytes) -> list[SheetRow]:
    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".txt"):
        return read_csv(data)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data)
    raise ImportFileError(f"Formato «{suffix or name}» no soportado: use CSV o Excel (.xlsx).")
