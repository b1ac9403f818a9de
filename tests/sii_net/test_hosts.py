"""The SII's hosts per environment (NOTES §1), and overriding them for the simulator."""

from __future__ import annotations

import pytest

from appliance.core.rut import Rut
from appliance.sii.clients import Ambiente, SiiHosts


def test_certificacion_and_produccion_hosts() -> None:
    cert = SiiHosts.for_ambiente("certificacion")
    assert cert.crseed == "https://maullin.sii.cl/DTEWS/CrSeed.jws"
    assert cert.get_token_from_seed == "https://maullin.sii.cl/DTEWS/GetTokenFromSeed.jws"
    assert cert.query_est_up == "https://maullin.sii.cl/DTEWS/QueryEstUp.jws"
    assert cert.query_est_dte == "https://maullin.sii.cl/DTEWS/QueryEstDte.jws"
    assert cert.dte_upload == "https://maullin.sii.cl/cgi_dte/UPL/DTEUpload"
    assert cert.boleta_semilla == "https://apicert.sii.cl/recursos/v1/boleta.electronica.semilla"
    assert cert.boleta_token == "https://apicert.sii.cl/recursos/v1/boleta.electronica.token"
    assert cert.boleta_envio == "https://pangal.sii.cl/recursos/v1/boleta.electronica.envio"
    assert cert.boleta_estado(Rut(76123456, "0"), "1014") == (
        "https://apicert.sii.cl/recursos/v1/boleta.electronica.envio/76123456-0-1014"
    )
    prod = SiiHosts.for_ambiente(Ambiente.PRODUCCION)
    assert prod.dte_upload == "https://palena.sii.cl/cgi_dte/UPL/DTEUpload"
    assert prod.boleta_token == "https://api.sii.cl/recursos/v1/boleta.electronica.token"
    assert prod.boleta_envio == "https://rahue.sii.cl/recursos/v1/boleta.electronica.envio"


def test_every_base_can_be_overridden() -> None:
    local = SiiHosts.local("http://127.0.0.1:8123/")
    assert local.crseed == "http://127.0.0.1:8123/DTEWS/CrSeed.jws"
    assert local.boleta_envio == "http://127.0.0.1:8123/recursos/v1/boleta.electronica.envio"
    mixed = SiiHosts.from_environ(
        {"MINIMARKET_SII_AMBIENTE": "produccion", "MINIMARKET_SII_BOLETA_UPLOAD_URL": "http://127.0.0.1:9000"}
    )
    assert mixed.ambiente is Ambiente.PRODUCCION
    assert mixed.soap == "https://palena.sii.cl"
    assert mixed.boleta_envio == "http://127.0.0.1:9000/recursos/v1/boleta.electronica.envio"
    assert SiiHosts.from_config({"url": "http://localhost:1"}).boleta_api == "http://localhost:1"
    with pytest.raises(ValueError):
        SiiHosts.from_config({"ambiente": "pruebas"})
    with pytest.raises(ValueError):
        SiiHosts.local("maullin.sii.cl")
