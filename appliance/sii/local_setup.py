"""A shop that can issue documents without the SII: a local CAF authority, CAFs from it, a self-signed certificate.

For the demo shop and the tests only. The local SII simulator trusts the same authority, so the whole path — stamp,
sign, send, accept — runs on one machine. A box in producción never trusts this authority (folios.trusted_signers).
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from appliance.core.clock import CHILE_TZ
from appliance.core.rut import Rut
from appliance.db.models import Company
from appliance.sii import folios
from appliance.sii.caf_issuer import LocalCafAuthority
from appliance.sii.certificate import create_test_certificate
from appliance.sii.stamping import certificate_store

# Document types and folio ranges the demo shop gets.
RANGES = ((39, 1, 100_000), (41, 1, 10_000), (33, 1, 10_000), (34, 1, 1_000), (61, 1, 10_000), (56, 1, 1_000))
# The person who signs (RutEnvia): a test RUT, shown as such on the certificate.
SIGNER_RUT = Rut.parse("13.185.095-6")


@lru_cache(maxsize=4)
def _material(rut: str, razon_social: str, day: str) -> tuple[bytes, tuple[bytes, ...], bytes, str]:
    """Keys, CAFs and certificate for one company, made once per process (key generation takes seconds)."""
    authority = LocalCafAuthority.generate()
    authorized = datetime.fromisoformat(day).date()
    cafs = tuple(
        authority.issue(
            rut_emisor=Rut.parse(rut),
            razon_social=razon_social,
            tipo_dte=tipo,
            folio_desde=start,
            folio_hasta=end,
            fecha_autorizacion=authorized,
        )
        for tipo, start, end in RANGES
    )
    password = secrets.token_urlsafe(12)
    pfx = create_test_certificate(
        SIGNER_RUT, "Firmante de prueba", password=password, now=datetime.fromisoformat(day), days=3650
    )
    return authority.to_pem(), cafs, pfx, password


async def provision(session: AsyncSession, secrets_dir: Path, *, now: datetime) -> None:
    company = await session.get(Company, 1)
    if company is None:
        raise ValueError("the company must exist before its CAFs")
    day = now.astimezone(CHILE_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    pem, cafs, pfx, password = _material(company.rut, company.razon_social, day.isoformat())
    path = folios.local_authority_path(secrets_dir)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    for data in cafs:
        await folios.upload(session, secrets_dir, data, today=day.date(), user_id=None)
    certificate_store(secrets_dir).save(pfx, password, now=now)
