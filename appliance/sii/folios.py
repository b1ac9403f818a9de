"""CAF files on the box and the folios taken from them.

The CAF file carries the private key that stamps timbres, so it lives in the secrets directory (0600), never in the
replicated database; the database keeps each range and its next folio. A folio is taken inside the sale's own
transaction (BEGIN IMMEDIATE), so two lanes can never get the same one and a crash before commit gives it back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.core.errors import DomainError
from appliance.core.rut import Rut
from appliance.db.models import CafRange, Company
from appliance.db.raw import raw
from appliance.sii.caf import Caf, parse_caf, sii_signer_keys, verify_caf
from appliance.sii.caf_issuer import LocalCafAuthority
from appliance.sii.doctypes import TipoDTE

LOW_FOLIOS_DEFAULT = 200


class NoFolios(DomainError):
    default_code = "no_folios"


def caf_dir(secrets_dir: Path) -> Path:
    return secrets_dir / "sii" / "caf"


def local_authority_path(secrets_dir: Path) -> Path:
    """A CAF-signing key standing in for the SII's, made only by the demo shop and the tests."""
    return secrets_dir / "sii" / "local-caf-authority.pem"


def trusted_signers(secrets_dir: Path, environment: str) -> dict[int, rsa.RSAPublicKey]:
    keys = sii_signer_keys("produccion" if environment == "produccion" else "certificacion")
    local = local_authority_path(secrets_dir)
    if environment != "produccion" and local.exists():
        keys.update(LocalCafAuthority.from_pem(local.read_bytes()).signer_keys())
    return keys


@dataclass(frozen=True)
class CafFile:
    """A range a folio was taken from: which file holds its key."""

    id: int
    tipo: int
    folio_from: int
    folio_to: int
    file_name: str


@lru_cache(maxsize=32)
def _load(path: str, _mtime: float) -> Caf:
    return parse_caf(Path(path).read_bytes())


def load_caf(secrets_dir: Path, row: CafFile | CafRange) -> Caf:
    path = caf_dir(secrets_dir) / row.file_name
    if not path.exists():
        raise NoFolios(
            f"Falta el archivo del CAF de {TipoDTE(row.tipo).nombre.lower()} ({row.folio_from}–"
            f"{row.folio_to}) en esta caja: súbalo de nuevo en Documentos SII › CAF."
        )
    return _load(str(path), path.stat().st_mtime)


async def upload(
    session: AsyncSession, secrets_dir: Path, data: bytes, *, today: date, user_id: int | None
) -> CafRange:
    """Verify a CAF file as the SII issued it, keep the file in secrets and its range in the database."""
    company = await session.get(Company, 1)
    if company is None:
        raise DomainError("Complete los datos de la empresa (Ajustes) antes de subir un CAF.", "company_missing")
    caf = parse_caf(data)
    try:
        TipoDTE(caf.tipo_dte)
    except ValueError as exc:
        raise DomainError(
            f"El CAF es para documentos tipo {caf.tipo_dte}, que esta caja no emite.", "unsupported_type"
        ) from exc
    verify_caf(
        caf,
        trusted_signers(secrets_dir, company.environment),
        tipo_dte=caf.tipo_dte,
        rut_emisor=Rut.parse(company.rut),
        today=today,
    )
    overlapping = await session.scalar(
        select(CafRange).where(
            CafRange.tipo == caf.tipo_dte, CafRange.folio_from <= caf.folio_hasta, CafRange.folio_to >= caf.folio_desde
        )
    )
    if overlapping is not None:
        raise DomainError(
            f"Ese rango de folios ({caf.folio_desde}–{caf.folio_hasta}) ya está cargado o se cruza con "
            f"el {overlapping.folio_from}–{overlapping.folio_to}.",
            "duplicate_caf",
        )
    name = f"{caf.tipo_dte}-{caf.folio_desde}-{caf.folio_hasta}.xml"
    directory = caf_dir(secrets_dir)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    row = CafRange(
        tipo=caf.tipo_dte,
        folio_from=caf.folio_desde,
        folio_to=caf.folio_hasta,
        next_folio=caf.folio_desde,
        authorized_on=caf.fecha_autorizacion,
        expires_on=caf.expires_on,
        idk=caf.idk,
        file_name=name,
        uploaded_by=user_id,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        user_id,
        "sii.caf_upload",
        "caf",
        row.id,
        {"tipo": caf.tipo_dte, "desde": caf.folio_desde, "hasta": caf.folio_hasta, "idk": caf.idk},
    )
    return row


async def take(session: AsyncSession, tipo: TipoDTE, *, now: datetime) -> tuple[CafFile, int]:
    """The next folio of `tipo`: from the oldest range that still has folios and has not expired.

    Plain SQL, on every sale (db/raw.py); the write lock taken at BEGIN keeps two lanes from reading the same one.
    """
    today = now.date().isoformat()  # DATE columns hold ISO dates, which sort as they compare
    sql = await raw(session)
    row = await sql.one(
        "SELECT id, tipo, folio_from, folio_to, file_name, next_folio FROM caf_ranges"
        " WHERE tipo = ? AND next_folio <= folio_to AND (expires_on IS NULL OR expires_on >= ?)"
        " ORDER BY folio_from LIMIT 1",
        (int(tipo), today),
    )
    if row is not None:
        folio = row[5]
        await sql.run("UPDATE caf_ranges SET next_folio = ? WHERE id = ?", (folio + 1, row[0]))
        return CafFile(row[0], row[1], row[2], row[3], row[4]), folio
    raise NoFolios(f"No quedan folios de {tipo.nombre.lower()}: suba un CAF nuevo en Documentos SII › CAF.")


async def remaining(session: AsyncSession) -> dict[int, int]:
    """Folios left per document type, for the warning on the status page."""
    out: dict[int, int] = {}
    for row in await session.scalars(select(CafRange)):
        out[row.tipo] = out.get(row.tipo, 0) + max(row.remaining, 0)
    return out
