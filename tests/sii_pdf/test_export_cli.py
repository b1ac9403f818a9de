"""`minimarket sii export` and `minimarket sii status`, through the same argparse wiring `appliance/cli.py` uses
(`export.build_parser(subparsers, common)`), on the real SQLite file of a shop that sold, returned and queued."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from appliance.core.clock import CHILE_TZ
from appliance.sii import export
from appliance.sii.canonical import parse
from tests.sii_pdf.conftest import IssuedShop, pdf_text, pdf_to_png

DECLARATION = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'


def _cli(issued: IssuedShop, *args: str) -> int:
    return export.main(["sii", *args, "--data-dir", str(issued.settings.data_dir)])


def test_export_signed_xml_is_the_stored_dte_after_the_declaration(
    issued: IssuedShop, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for document in (issued.boleta, issued.nota):
        out = tmp_path / f"{document.tipo}.xml"
        assert (
            _cli(issued, "export", "--type", str(document.tipo), "--folio", str(document.folio), "--out", str(out)) == 0
        )
        data = out.read_bytes()
        assert data.startswith(DECLARATION)
        assert data[len(DECLARATION) :] == document.signed_xml  # byte for byte: the signature still verifies
        assert parse(data).find("{http://www.sii.cl/SiiDte}Documento") is not None  # the declaration tells Latin-1
        said = json.loads(capsys.readouterr().out)
        assert said["bytes"] == len(data) and said["name"] == f"DTE-{document.tipo}-{document.folio}.xml"


def test_export_envelope_is_exactly_what_was_sent(
    issued: IssuedShop, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "envio.xml"
    assert _cli(issued, "export", "--envelope", str(issued.sent.id), "--out", str(out)) == 0
    assert out.read_bytes() == issued.sent.xml
    assert json.loads(capsys.readouterr().out)["name"] == f"EnvioBOLETA-{issued.sent.id}-TrackID-4711.xml"
    assert _cli(issued, "export", "--envelope", str(issued.stuck.id), "--out", str(out)) == 0
    assert out.read_bytes() == issued.stuck.xml and out.read_bytes().startswith(DECLARATION)


@pytest.mark.parametrize("carta", [False, True])
def test_export_pdf_roll_and_letter(issued: IssuedShop, tmp_path: Path, carta: bool) -> None:
    out = tmp_path / "boleta.pdf"
    extra = ["--carta"] if carta else []
    args = ["export", "--type", "39", "--folio", str(issued.boleta.folio), "--pdf", *extra, "--copy"]
    assert _cli(issued, *args, "--out", str(out)) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    width, _height = Image.open(pdf_to_png(data, tmp_path / "page.png", dpi=100)).size
    assert width == (850 if carta else 315)  # 8,5 in or 80 mm at 100 dpi
    found = zxingcpp.read_barcodes(Image.open(pdf_to_png(data, tmp_path / "hi.png")))
    assert [code.bytes for code in found] == [issued.boleta.ted]
    text = pdf_text(data, tmp_path)
    assert "COPIA" in text and "BOLETA ELECTRÓNICA" in text


def test_status_prints_the_queue_as_json(issued: IssuedShop, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(issued, "status") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["documents"] == {"pendiente": 5, "enviado": 1, "aceptado": 0, "reparo": 0, "rechazado": 0}
    assert status["envelopes"] == {"por_enviar": 1, "enviado": 1, "procesado": 0, "rechazado": 0}
    assert status["oldest_pending"].startswith(f"{issued.nota.issued_at.astimezone(CHILE_TZ):%Y-%m-%dT%H:%M}")
    assert isinstance(status["oldest_pending_minutes"], int)
    # make_shop's ranges minus one document of each type.
    assert status["folios_remaining"] == {"33": 9_999, "34": 999, "39": 99_999, "41": 9_999, "56": 999, "61": 9_999}
    [error] = status["envelope_errors"]
    assert error["envelope"] == issued.stuck.id and error["attempts"] == 3 and "no respondió" in error["last_error"]


def test_status_in_a_separate_process(issued: IssuedShop) -> None:
    """What the shell sees: `python -m appliance.sii.export` takes the same arguments as `minimarket`."""
    done = subprocess.run(
        [sys.executable, "-m", "appliance.sii.export", "sii", "status", "--data-dir", str(issued.settings.data_dir)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["documents"]["enviado"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--type", "39", "--folio", "999999"], "No existe boleta electrónica (tipo 39) con folio 999999."),
        (["export", "--type", "61", "--folio", "999", "--pdf"], "No existe nota de crédito electrónica"),
        (["export", "--envelope", "999"], "No existe el envío N° 999."),
        (["export", "--type", "40", "--folio", "1"], "El tipo 40 no es un documento que emita la tienda"),
        (["export", "--folio", "1"], "Indique --type y --folio"),
        (["export", "--envelope", "1", "--pdf"], "Un envío se exporta solo como XML"),
        (["export", "--type", "39", "--folio", "1", "--copy"], "--copy marca un PDF"),
    ],
)
def test_errors_are_spanish_and_exit_2(
    issued: IssuedShop, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "nada"
    assert _cli(issued, *args, "--out", str(out)) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_missing_folder_and_missing_database(
    issued: IssuedShop, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["export", "--type", "39", "--folio", str(issued.boleta.folio), "--out", str(tmp_path / "no" / "x.xml")]
    assert _cli(issued, *args) == 2
    assert "La carpeta" in capsys.readouterr().err
    assert export.main(["sii", "status", "--data-dir", str(tmp_path / "vacia")]) == 2
    assert "No hay base de datos" in capsys.readouterr().err
    assert not (tmp_path / "vacia" / "minimarket.sqlite").exists()  # nothing created by asking
