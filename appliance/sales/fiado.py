"""Fiado: the neighbour's account. A sale on credit is a cargo, a payment an abono; the balance is their difference.

A customer buys on fiado only when not blocked and when the balance after the sale stays within the credit limit
the owner set (a limit of $0 means no fiado at all).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.core.errors import DomainError
from appliance.core.money import format_clp
from appliance.db.models import CashMovement, Customer, CustomerAccountEntry


class FiadoError(DomainError):
    default_code = "fiado_refused"


async def balance(session: AsyncSession, customer_id: int) -> int:
    signed = case(
        (CustomerAccountEntry.kind == "cargo", CustomerAccountEntry.amount), else_=-CustomerAccountEntry.amount
    )
    value = await session.scalar(
        select(func.coalesce(func.sum(signed), 0)).where(CustomerAccountEntry.customer_id == customer_id)
    )
    return int(value or 0)


async def check(session: AsyncSession, customer: Customer | None, amount: int) -> int:
    """Refuse a fiado the rules don't allow; return the balance before it."""
    if customer is None:
        raise FiadoError("Para vender fiado, elija primero el cliente.", "fiado_needs_customer")
    if customer.blocked or not customer.active:
        raise FiadoError(f"{customer.name} está bloqueado/a para fiado.", "fiado_blocked")
    owed = await balance(session, customer.id)
    if owed + amount > customer.credit_limit:
        available = max(0, customer.credit_limit - owed)
        raise FiadoError(
            f"{customer.name} debe {format_clp(owed)} y su cupo es {format_clp(customer.credit_limit)}: "
            f"puede fiar hasta {format_clp(available)}.",
            "fiado_over_limit",
        )
    return owed


async def charge(
    session: AsyncSession, customer: Customer | None, amount: int, *, sale_id: int, user_id: int, now: datetime
) -> None:
    await check(session, customer, amount)
    assert customer is not None  # check() refuses a fiado without a customer
    session.add(
        CustomerAccountEntry(
            customer_id=customer.id, at=now, kind="cargo", amount=amount, sale_id=sale_id, user_id=user_id
        )
    )


async def pay(
    session: AsyncSession,
    customer_id: int,
    amount: int,
    *,
    method: str,
    user_id: int,
    now: datetime,
    cash_session_id: int | None,
    note: str = "",
) -> int:
    """An abono; paid in cash it also enters the drawer of the open cash session. Returns the new balance."""
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise FiadoError("El cliente no existe.", "not_found")
    if amount <= 0:
        raise FiadoError("El abono debe ser mayor que cero.", "invalid_amount")
    owed = await balance(session, customer_id)
    if amount > owed:
        raise FiadoError(f"{customer.name} debe {format_clp(owed)}: el abono no puede ser mayor.", "overpayment")
    if method == "efectivo":
        if cash_session_id is None:
            raise FiadoError("Abra la caja (turno) para recibir un abono en efectivo.", "no_cash_session")
        session.add(
            CashMovement(
                session_id=cash_session_id,
                at=now,
                kind="abono_fiado",
                amount=amount,
                note=customer.name[:120],
                user_id=user_id,
            )
        )
    session.add(
        CustomerAccountEntry(
            customer_id=customer_id,
            at=now,
            kind="abono",
            amount=amount,
            method=method,
            cash_session_id=cash_session_id,
            user_id=user_id,
            note=note[:120],
        )
    )
    await audit.record(session, user_id, "fiado.abono", "customer", customer_id, {"amount": amount, "method": method})
    return owed - amount
