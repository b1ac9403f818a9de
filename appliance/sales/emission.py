"""Which document a card payment gets: the store's declared SII emission model.

By default every sale issues its boleta. A shop whose card terminal issues a "comprobante de pago electrónico válido
como boleta" (declared to the SII) must not issue a second boleta for what the card paid: a sale paid wholly by
débito or crédito then gets no boleta from the box, only a non-fiscal comprobante. A mixed payment still issues the
boleta for the whole sale (a boleta cannot be split by payment method), and a factura is always issued.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from appliance.company import service as company
from appliance.db.models import PaymentMethod, Setting

CARD_VOUCHER_KEY = "sii.card_voucher_is_boleta"
CARDS = (PaymentMethod.DEBITO, PaymentMethod.CREDITO)


async def card_voucher_is_boleta(session: AsyncSession) -> bool:
    return bool(await company.setting(session, CARD_VOUCHER_KEY))


async def set_card_voucher_is_boleta(session: AsyncSession, value: bool) -> None:
    row = await session.get(Setting, CARD_VOUCHER_KEY)
    if row is None:
        session.add(Setting(key=CARD_VOUCHER_KEY, value=value))
    else:
        row.value = value


def voucher_is_the_boleta(methods: Iterable[PaymentMethod], *, voucher_model: bool, factura: bool) -> bool:
    """Whether the box issues no boleta because the card voucher is it."""
    paid = list(methods)
    return voucher_model and not factura and bool(paid) and all(method in CARDS for method in paid)
