"""What the "Documentos SII" page shows: the documents and their states, folios left, the certificate, the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.company import service as company
from appliance.core.errors import DomainError
from appliance.db.models import DOCUMENT_STATES, CafRange, Document
from appliance.sii import folios
from appliance.sii.certificate import Certificate, CertificateStore
from appliance.sii.stamping import certificate_store

LOW_FOLIOS_KEY = "sii.low_folios_warning"
CERT_WARNING_DAYS = 30


@dataclass(frozen=True)
class CertificateInfo:
    present: bool
    rut: str = ""
    name: str = ""
    valid_until: datetime | None = None
    days_left: int | None = None
    problem: str = ""

    @property
    def warning(self) -> bool:
        return bool(self.problem) or (self.days_left is not None and self.days_left <= CERT_WARNING_DAYS)


@dataclass(frozen=True)
class FolioInfo:
    tipo: int
    remaining: int
    ranges: list[CafRange]
    low: bool


@dataclass(frozen=True)
class Overview:
    counts: dict[str, int]
    oldest_pending: datetime | None
    folios: list[FolioInfo]
    certificate: CertificateInfo
    low_threshold: int


def certificate_info(secrets_dir: Path, now: datetime) -> CertificateInfo:
    store = certificate_store(secrets_dir)
    if not store.exists():
        return CertificateInfo(present=False, problem="No hay certificado digital: sin él no se pueden firmar boletas.")
    try:
        cert = store.load(now=now)
    except DomainError as exc:
        return CertificateInfo(present=True, problem=exc.message)
    return CertificateInfo(
        present=True,
        rut=cert.rut.formatted,
        name=cert.name,
        valid_until=cert.not_after,
        days_left=cert.days_to_expiry(now),
    )


async def low_threshold(session: AsyncSession) -> int:
    value = await company.setting(session, LOW_FOLIOS_KEY)
    return value if isinstance(value, int) else folios.LOW_FOLIOS_DEFAULT


async def overview(session: AsyncSession, secrets_dir: Path, now: datetime) -> Overview:
    counts = {state: 0 for state in DOCUMENT_STATES}
    counts.update(dict((await session.execute(select(Document.state, func.count()).group_by(Document.state))).all()))
    oldest = await session.scalar(select(func.min(Document.issued_at)).where(Document.state == "pendiente"))
    threshold = await low_threshold(session)
    ranges = list(await session.scalars(select(CafRange).order_by(CafRange.tipo, CafRange.folio_from)))
    by_type: dict[int, list[CafRange]] = {}
    for row in ranges:
        by_type.setdefault(row.tipo, []).append(row)
    folio_info = []
    for tipo, rows in sorted(by_type.items()):
        left = sum(max(r.remaining, 0) for r in rows if r.expires_on is None or r.expires_on >= now.date())
        folio_info.append(FolioInfo(tipo, left, rows, left < threshold))
    return Overview(counts, oldest, folio_info, certificate_info(secrets_dir, now), threshold)


async def documents(
    session: AsyncSession, *, tipo: int | None, state: str | None, folio: int | None, limit: int = 100
) -> list[Document]:
    stmt = select(Document).order_by(Document.id.desc()).limit(limit)
    if tipo:
        stmt = stmt.where(Document.tipo == tipo)
    if state in DOCUMENT_STATES:
        stmt = stmt.where(Document.state == state)
    if folio:
        stmt = stmt.where(Document.folio == folio)
    return list(await session.scalars(stmt))


def save_certificate(secrets_dir: Path, pfx: bytes, password: str, now: datetime) -> Certificate:
    """Check the .pfx opens with its password and keep both in secrets (0600); never in the database."""
    return CertificateStore(certificate_store(secrets_dir).directory).save(pfx, password, now=now)
