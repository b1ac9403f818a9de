""" "Probar conexión": a probe object written, read back and deleted, with a plain Spanish answer either way."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from appliance.backup import destination, probe
from appliance.backup.destination import BackupSettings, FileDestination, S3Destination, S3Keys
from appliance.backup.s3 import object_url, sign
from appliance.settings import Settings
from tests.backup.support import BUCKET, KEYS, Moto, use_destination


async def test_directory_probe(tmp_path: Path) -> None:
    ok = await probe.test_destination(FileDestination(tmp_path / "replica"))
    assert ok.ok and ok.message.startswith("Conexión correcta")
    assert not list((tmp_path / "replica" / probe.PROBE_DIR).iterdir())  # nothing left behind

    unplugged = await probe.test_destination(FileDestination(tmp_path / "no-montado" / "respaldo"))
    assert not unplugged.ok and "no existe" in unplugged.message and "montado" in unplugged.message


async def test_s3_probe_against_a_local_server(tmp_path: Path, moto: Moto) -> None:
    settings = Settings.load(tmp_path)
    use_destination(settings, moto.destination("caja-1"))
    result = await probe.test_connection(settings)
    assert result.ok, result.message
    assert f"s3://{BUCKET}/caja-1" in result.message
    assert moto.keys_in("caja-1/") == []  # the probe cleaned up after itself

    missing = await probe.test_destination(S3Destination("no-existe", "x", moto.endpoint, force_path_style=True), KEYS)
    assert not missing.ok and "El bucket «no-existe» no existe" in missing.message
    no_keys = await probe.test_destination(moto.destination(), None)
    assert not no_keys.ok and "Faltan las claves" in no_keys.message


async def test_s3_probe_when_nothing_answers(tmp_path: Path) -> None:
    from tests.backup.support import free_port

    dest = S3Destination(BUCKET, "caja", f"http://127.0.0.1:{free_port()}", force_path_style=True)
    result = await probe.test_destination(dest, KEYS)
    assert not result.ok and "No se pudo conectar" in result.message


def test_signature_matches_botocore() -> None:
    """The product signs without an AWS SDK; the SDK's own signer must agree, header for header."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    keys = S3Keys("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    body = b"hola"
    payload = sign("PUT", "https://x/y", body, keys, "auto")["x-amz-content-sha256"]
    for dest in (
        S3Destination("tienda", "caja 1", "https://abc.r2.cloudflarestorage.com", "auto"),
        S3Destination("tienda", "caja", region="sa-east-1"),
    ):
        url = object_url(dest, f"{dest.path}/.minimarket-probe/probe-ñ+1.txt")
        request = AWSRequest(method="PUT", url=url, data=body, headers={"x-amz-content-sha256": payload})
        S3SigV4Auth(Credentials(keys.access_key_id, keys.secret_access_key), "s3", dest.region).add_auth(request)
        at = datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        assert request.headers["Authorization"] == sign("PUT", url, body, keys, dest.region, now=at)["authorization"]


def test_saved_backup_settings_roundtrip(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    backup = BackupSettings(FileDestination(tmp_path / "usb"), local_snapshot_days=3)
    destination.save(settings, backup)
    loaded = destination.load(settings)
    assert loaded == replace(backup, metrics_port=loaded.metrics_port)  # the data dir's own port, chosen on save
