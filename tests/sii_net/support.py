"""A company, its documents and envelopes, made with the real SII core, for the network tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime

from appliance.core.clock import CHILE_TZ
from appliance.core.rut import Rut
from appliance.sii import Buyer, Caf, Certificate, DocumentSpec, Issuer, Line, TipoDTE, build_envelope, issue_document
from appliance.sii.clients import EnvelopeStatus

COMPANY_RUT = Rut(76123456, "0")
HOLDER_RUT = Rut(13185095, "6")
CERT_PASSWORD = "clave-de-prueba"
RESOLUTION_DATE = date(2026, 1, 2)

ISSUER = Issuer(
    rut=COMPANY_RUT,
    razon_social="Minimarket Doña Ñeli SpA",
    giro="Venta al por menor en almacenes de barrio",
    acteco=(472101,),
    direccion="Av. Irarrázaval 1234",
    comuna="Ñuñoa",
    ciudad="Santiago",
)
BUYER = Buyer(
    rut=Rut(77777777, "7"),
    razon_social="Restaurante El Buen Sabor Ltda.",
    giro="Restaurante",
    direccion="San Diego 2222",
    comuna="Santiago",
    ciudad="Santiago",
)


def now() -> datetime:
    return datetime.now(CHILE_TZ).replace(microsecond=0)


def boleta(caf: Caf, cert: Certificate, folio: int, *, tipo: TipoDTE = TipoDTE.BOLETA) -> bytes:
    spec = DocumentSpec(
        tipo=tipo,
        folio=folio,
        issued_at=now(),
        issuer=ISSUER,
        lines=(
            Line(name="Pan amasado", quantity_milli=2000, unit_price=1000 + folio),
            Line(name="Leche entera 1 L", quantity_milli=1000, unit_price=1290),
        ),
    )
    return issue_document(spec, caf, cert, now()).signed_xml


def factura(caf: Caf, cert: Certificate, folio: int) -> bytes:
    spec = DocumentSpec(
        tipo=TipoDTE.FACTURA,
        folio=folio,
        issued_at=now(),
        issuer=ISSUER,
        buyer=BUYER,
        lines=(Line(name="Bebida 1,5 L x 6", quantity_milli=4000, unit_price=4500 + folio, ila_code=27),),
    )
    return issue_document(spec, caf, cert, now()).signed_xml


def envelope(signed: Sequence[bytes], cert: Certificate) -> bytes:
    return build_envelope(
        signed,
        rut_emisor=COMPANY_RUT,
        fecha_resolucion=RESOLUTION_DATE,
        numero_resolucion=0,
        cert=cert,
        now=now(),
    )


async def until_final(
    query: Callable[[], Awaitable[EnvelopeStatus]], *, limit: float = 10.0, every: float = 0.05
) -> tuple[EnvelopeStatus, list[str]]:
    """Polls until the envelope's state is final; returns it and every state seen on the way."""
    seen: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        status = await query()
        if not seen or seen[-1] != status.state:
            seen.append(status.state)
        if status.is_final:
            return status, seen
        if loop.time() > deadline:
            raise AssertionError(f"the envelope never reached a final state: {seen}")
        await asyncio.sleep(every)
