"""Importing products from CSV and XLSX: preview first, nothing written until confirmed, idempotent re-import."""

from __future__ import annotations

import io
import re
from typing import Any

from litestar.testing import TestClient
from openpyxl import Workbook

from tests.support import login

CSV_OK = (
    "codigo;nombre;categoria;precio;unidad;codigo_barras;ila\n"
    "E1;Envase retornable 2 L;Envases;300;UN;;\n"
    "B1;Bebida Cola 2 L Retornable;Bebidas > Gaseosas;1.990;UN;7802820005509;271\n"
    "F1;Tomate;Frutas y verduras;1.490;KG;;\n"
).encode("cp1252")


def _upload(client: TestClient[Any], token: str, name: str, data: bytes, create: bool = True) -> Any:
    form = {"_csrf_token": token}
    if create:
        form["crear_categorias"] = "on"
    return client.post("/importar", data=form, files={"archivo": (name, data)})


def _confirm(client: TestClient[Any], token: str, preview_html: str) -> Any:
    action = re.search(r'action="(/importar/[^"]+/confirmar)"', preview_html)
    assert action, "preview has no confirm button"
    return client.post(action.group(1), data={"_csrf_token": token, "crear_categorias": "on"}, follow_redirects=False)


def _product_count(client: TestClient[Any]) -> int:
    return len(client.get("/api/productos", params={"q": "e", "limit": 100}).json()["results"]) + len(
        client.get("/api/productos", params={"q": "tomate"}).json()["results"]
    )


def test_csv_preview_writes_nothing_then_confirm_creates(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    preview = _upload(client, token, "productos.csv", CSV_OK)
    assert preview.status_code == 200, preview.text
    assert "3 nuevos" in preview.text
    assert client.get("/api/productos", params={"q": "cola"}).json()["results"] == []
    done = _confirm(client, token, preview.text)
    assert done.status_code == 303
    found = client.get("/api/productos", params={"q": "cola"}).json()["results"]
    assert [(r["code"], r["price"]) for r in found] == [("B1", 1990)]
    assert client.get("/api/productos", params={"q": "tomate"}).json()["results"][0]["unit"] == "kg"


def test_same_file_twice_updates_instead_of_duplicating(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    _confirm(client, token, _upload(client, token, "p.csv", CSV_OK).text)
    changed = CSV_OK.replace(b"1.990", b"2.190")
    preview = _upload(client, token, "p.csv", changed)
    assert "1 a actualizar" in preview.text and "2 sin cambios" in preview.text and "0 nuevos" in preview.text
    _confirm(client, token, preview.text)
    found = client.get("/api/productos", params={"q": "cola"}).json()["results"]
    assert [(r["code"], r["price"]) for r in found] == [("B1", 2190)]


def test_malformed_rows_show_spanish_errors_and_nothing_is_written(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    bad = (
        "codigo,nombre,categoria,precio,codigo_barras,unidad\n"
        "A1,Arroz Grado 2 1 kg,,1290,7802820005508,UN\n"  # bad check digit
        "A2,Azúcar 1 kg,,mil pesos,,UN\n"  # price not a number
        "A3,Aceite 1 L,,2490,,LITRO\n"  # unknown unit
        "A4,Fideos,Inexistente,990,,UN\n"  # unknown category
        "A4,Fideos otra vez,,990,,UN\n"  # repeated code
    ).encode()
    preview = _upload(client, token, "malo.csv", bad, create=False)
    assert preview.status_code == 400
    text = preview.text
    assert "dígito verificador debería ser 9" in text
    assert "«Inexistente» no existe" in text
    assert "mil pesos" in text and "no es un monto válido" in text
    assert "LITRO" in text and "use UN o KG" in text
    assert "repetido (también en la fila 5)" in text
    assert "Confirmar e importar" not in text
    assert client.get("/api/productos", params={"q": "fideos"}).json()["results"] == []


def test_missing_columns_and_unknown_format_are_refused(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    response = _upload(client, token, "p.csv", b"nombre;valor\nLeche;100\n")
    assert response.status_code == 400 and "Faltan columnas obligatorias: codigo, precio" in response.text
    response = _upload(client, token, "p.pdf", b"%PDF-1.4")
    assert response.status_code == 400 and "no soportado" in response.text
    response = _upload(client, token, "p.xlsx", b"this is not a zip")
    assert response.status_code == 400 and "No se pudo leer el archivo Excel" in response.text


def test_xlsx_import_with_numeric_cells(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Código", "Nombre", "Categoría", "Precio", "Código de barras", "Alcohol"])
    sheet.append(["V1", "Vino Tinto Reserva 750 ml", "Alcoholes > Vinos", 5990, 7802820005509, "sí"])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = _upload(client, token, "productos.xlsx", buffer.getvalue())
    assert preview.status_code == 200, preview.text
    assert _confirm(client, token, preview.text).status_code == 303
    hits = client.get("/productos", params={"q": "7802820005509"}).text
    assert "Vino Tinto Reserva 750 ml" in hits and "+18" in hits


def test_cli_import_previews_without_writing_then_writes_with_yes(tmp_path: Any, shop: Any) -> None:
    from appliance.cli import main

    path = tmp_path / "p.csv"
    path.write_bytes(CSV_OK)
    args = ["import", "products", str(path), "--data-dir", str(shop.data_dir), "--crear-categorias"]
    assert main(args) == 0
    import sqlite3

    count = sqlite3.connect(shop.database_path).execute("SELECT count(*) FROM products").fetchone()[0]
    assert count == 0
    assert main([*args, "--yes"]) == 0
    count = sqlite3.connect(shop.database_path).execute("SELECT count(*) FROM products").fetchone()[0]
    assert count == 3
