""" "Probar conexión": write a small probe object at the destination, read it back, delete it, and say how it went.

The back-office button calls `test_connection(settings)` (the saved destination) or `test_destination(...)` (what the
administrator just typed, before saving). The probe goes beside Litestream's files, never among them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from appliance.backup import destination
from appliance.backup.destination import Destination, FileDestination, S3Destination, S3Keys
from appliance.backup.s3 import S3Client, S3Error
from appliance.settings import Settings

PROBE_DIR = ".minimarket-probe"


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    message: str
    seconds: float


async def test_connection(settings: Settings) -> ProbeResult:
    try:
        backup = destination.load(settings)
    except (ValueError, OSError) as exc:
        return ProbeResult(False, f"La configuración del respaldo no es válida: {exc}", 0.0)
    keys = destination.load_keys(settings) or destination.keys_from_env()
    return await test_destination(backup.destination, keys)


async def test_destination(dest: Destination, keys: S3Keys | None = None) -> ProbeResult:
    started = time.monotonic()
    name = f"probe-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.txt"
    body = f"minimarket: prueba de conexión {datetime.now(UTC).isoformat()}\n".encode()
    if isinstance(dest, FileDestination):
        error = await asyncio.to_thread(_probe_dir, dest, name, body)
    else:
        error = await _probe_s3(dest, keys, name, body)
    seconds = round(time.monotonic() - started, 2)
    if error:
        return ProbeResult(False, error, seconds)
    shown = f"{seconds:.2f}".replace(".", ",")
    return ProbeResult(
        True, f"Conexión correcta: se escribió y leyó un archivo de prueba en {dest.describe()} ({shown} s).", seconds
    )


def _probe_dir(dest: FileDestination, name: str, body: bytes) -> str | None:
    root = dest.path
    try:
        missing = not root.exists() and not root.parent.is_dir()
    except OSError as exc:  # a name too long for the file system, say
        return f"La carpeta no es válida: {exc.strerror or exc}."
    if missing:
        return f"La carpeta {root.parent} no existe (¿el disco está conectado y montado?)."
    folder = root / PROBE_DIR
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        back = path.read_bytes()
        path.unlink()
    except PermissionError:
        return f"Sin permiso para escribir en {root}: el usuario del servicio debe poder escribir ahí."
    except OSError as exc:
        return f"No se pudo escribir en {root}: {exc.strerror or exc}."
    if back != body:
        return f"El archivo de prueba en {root} volvió distinto: revise el disco."
    return None


async def _probe_s3(dest: S3Destination, keys: S3Keys | None, name: str, body: bytes) -> str | None:
    if keys is None or not keys.access_key_id or not keys.secret_access_key:
        return "Faltan las claves de acceso (Access Key ID y Secret Access Key)."
    client = S3Client(dest, keys)
    key = f"{dest.path}/{PROBE_DIR}/{name}" if dest.path else f"{PROBE_DIR}/{name}"
    try:
        await client.put(key, body)
        back = await client.get(key)
        await client.delete(key)
    except S3Error as exc:
        return _explain(exc, dest)
    except httpx.TimeoutException:
        return f"{_where(dest)} no respondió a tiempo: revise la conexión a internet."
    except httpx.HTTPError as exc:
        return f"No se pudo conectar con {_where(dest)}: {exc.__class__.__name__}. Revise el endpoint y la conexión."
    finally:
        await client.close()
    if back != body:
        return "El archivo de prueba volvió distinto de como se escribió: revise el proveedor."
    return None


def _where(dest: S3Destination) -> str:
    return dest.endpoint or f"AWS S3 ({dest.region})"


def _explain(exc: S3Error, dest: S3Destination) -> str:
    if exc.code == "NoSuchBucket":
        return f"El bucket «{dest.bucket}» no existe en {_where(dest)}: créelo o corrija el nombre."
    if exc.code in ("InvalidAccessKeyId", "SignatureDoesNotMatch") or exc.status == 401:
        return f"{_where(dest)} rechazó las claves ({exc.code}): revise el Access Key ID y el Secret."
    if exc.status == 403:
        return f"Las claves no tienen permiso para escribir en el bucket «{dest.bucket}» ({exc.code})."
    if exc.code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"):
        return f"La región no corresponde al bucket ({exc.code}): revise la región."
    return f"El destino respondió con un error: {exc}."
