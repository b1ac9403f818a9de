"""Cash sessions (turnos): open with a counted float, move cash in and out, X report any time, Z close with a blind
count by denomination.

Expected cash = float + cash kept from sales (handed over − change, i.e. the rounded cash part) + cash in − cash out.
The difference against the count is stored as it is — never forced to zero — and a supervisor signs the close.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.core.errors import DomainError
from appliance.core.money import format_clp
from appliance.db.models import CashMovement, CashSession, Payment, Role, Sale, SaleReturn, User
from appliance.db.raw import raw

DENOMINATIONS = (20_000, 10_000, 5_000, 2_000, 1_000, 500, 100, 50, 10)
CASH_IN = ("ingreso", "terceros_ingreso", "abono_fiado")
CASH_OUT = ("retiro", "gasto", "pago_proveedor", "terceros_egreso")
MOVEMENT_LABELS = {
    "retiro": "Retiro a caja fuerte",
    "ingreso": "Ingreso de sencillo",
    "gasto": "Gasto pagado de caja",
    "pago_proveedor": "Pago a proveedor",
    "terceros_ingreso": "Dinero de terceros recibido (Caja Vecina, recargas)",
    "terceros_egreso": "Dinero de terceros pagado (Caja Vecina, giros)",
}
# Recorded by their own flows (a fiado abono), never typed as a bare movement; still shown on the X and Z reports.
REPORT_LABELS = {**MOVEMENT_LABELS, "abono_fiado": "Abonos de fiado en efectivo"}


class CashError(DomainError):
    default_code = "cash_error"


@dataclass(frozen=True)
class Report:
    """The X report (and the Z report's figures)."""

    session_id: int
    opening_float: int
    sales_count: int
    sales_total: int
    by_method: dict[str, int]
    cash_from_sales: int
    rounding: int
    movements_in: int
    movements_out: int
    movements: dict[str, int] = field(default_factory=dict)
    refunds_cash: int = 0  # cash handed back on returns
    returns_count: int = 0

    @property
    def expected_cash(self) -> int:
        return self.opening_float + self.cash_from_sales + self.movements_in - self.movements_out - self.refunds_cash


def count_total(counted: Mapping[str, int]) -> int:
    total = 0
    for denomination, pieces in counted.items():
        if int(denomination) not in DENOMINATIONS:
            raise CashError(f"{denomination} no es un billete ni una moneda chilena.", "invalid_denomination")
        if pieces < 0:
            raise CashError("La cantidad de billetes o monedas no puede ser negativa.", "invalid_count")
        total += int(denomination) * pieces
    return total


async def current(session: AsyncSession, lane_id: int) -> CashSession | None:
    return await session.scalar(select(CashSession).where(CashSession.lane_id == lane_id, CashSession.status == "open"))


async def open_session_id(session: AsyncSession, lane_id: int) -> int | None:
    """The lane's open session, for the sale that goes in it: plain SQL, on every sale (db/raw.py)."""
    row = await (await raw(session)).one(
        "SELECT id FROM cash_sessions WHERE lane_id = ? AND status = 'open'", (lane_id,)
    )
    return int(row[0]) if row else None


async def open_session(
    session: AsyncSession, lane_id: int, *, user_id: int, opening_float: int, now: datetime
) -> CashSession:
    if await current(session, lane_id) is not None:
        raise CashError("Esta caja ya tiene un turno abierto.", "already_open")
    if opening_float < 0:
        raise CashError("El fondo de caja no puede ser negativo.", "invalid_amount")
    row = CashSession(lane_id=lane_id, opened_by=user_id, opening_float=opening_float, opened_at=now, status="open")
    session.add(row)
    await session.flush()
    await audit.record(session, user_id, "cash.open", "cash_session", row.id, {"float": opening_float})
    return row


async def add_movement(
    session: AsyncSession, lane_id: int, *, kind: str, amount: int, note: str, user_id: int, now: datetime
) -> CashMovement:
    row = await current(session, lane_id)
    if row is None:
        raise CashError("No hay turno abierto en esta caja.", "no_cash_session")
    if kind not in MOVEMENT_LABELS:
        raise CashError("Elija el tipo de movimiento.", "invalid_kind")
    if amount <= 0:
        raise CashError("El monto debe ser mayor que cero.", "invalid_amount")
    if kind in CASH_OUT:
        report = await x_report(session, row.id)
        if amount > report.expected_cash:
            raise CashError(
                f"En caja debería haber {format_clp(report.expected_cash)}: no alcanza para sacar "
                f"{format_clp(amount)}.",
                "insufficient_cash",
            )
    movement = CashMovement(
        session_id=row.id, kind=kind, amount=amount, note=note.strip()[:120], user_id=user_id, at=now
    )
    session.add(movement)
    await audit.record(session, user_id, "cash.movement", "cash_session", row.id, {"kind": kind, "amount": amount})
    return movement


async def x_report(session: AsyncSession, session_id: int) -> Report:
    row = await session.get(CashSession, session_id)
    if row is None:
        raise CashError("El turno no existe.", "not_found")
    sales = (
        await session.execute(
            select(
                func.count(), func.coalesce(func.sum(Sale.total), 0), func.coalesce(func.sum(Sale.cash_rounding), 0)
            ).where(Sale.cash_session_id == session_id)
        )
    ).one()
    by_method = dict(
        (
            await session.execute(
                select(Payment.method, func.sum(Payment.amount))
                .join(Sale, Sale.id == Payment.sale_id)
                .where(Sale.cash_session_id == session_id)
                .group_by(Payment.method)
            )
        ).all()
    )
    movements = dict(
        (
            await session.execute(
                select(CashMovement.kind, func.sum(CashMovement.amount))
                .where(CashMovement.session_id == session_id)
                .group_by(CashMovement.kind)
            )
        ).all()
    )
    refunds = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(SaleReturn.refund_cash), 0)).where(
                SaleReturn.cash_session_id == session_id
            )
        )
    ).one()
    return Report(
        refunds_cash=int(refunds[1]),
        returns_count=int(refunds[0]),
        session_id=session_id,
        opening_float=row.opening_float,
        sales_count=int(sales[0]),
        sales_total=int(sales[1]),
        by_method={k: int(v) for k, v in by_method.items()},
        cash_from_sales=int(by_method.get("efectivo", 0)),
        rounding=int(sales[2]),
        movements_in=sum(int(movements.get(k, 0)) for k in CASH_IN),
        movements_out=sum(int(movements.get(k, 0)) for k in CASH_OUT),
        movements={k: int(v) for k, v in movements.items()},
    )


async def close(
    session: AsyncSession,
    lane_id: int,
    *,
    counted: Mapping[str, int],
    user_id: int,
    approver: User,
    note: str,
    now: datetime,
) -> tuple[CashSession, Report]:
    """The Z close: blind count in, expected and difference out. The approver must be a supervisor or admin."""
    row = await current(session, lane_id)
    if row is None:
        raise CashError("No hay turno abierto en esta caja.", "no_cash_session")
    if approver.role not in (Role.SUPERVISOR, Role.ADMINISTRADOR) or not approver.active:
        raise CashError("El cierre de caja lo aprueba un supervisor o administrador.", "approval_required")
    total = count_total(counted)
    report = await x_report(session, row.id)
    row.status, row.closed_at, row.closed_by, row.approved_by = "closed", now, user_id, approver.id
    row.counted = {str(k): int(v) for k, v in counted.items() if int(v)}
    row.counted_total, row.expected_total = total, report.expected_cash
    row.difference = total - report.expected_cash
    row.note = note.strip()[:200]
    await audit.record(
        session,
        user_id,
        "cash.close",
        "cash_session",
        row.id,
        {"counted": total, "expected": report.expected_cash, "difference": row.difference, "approved_by": approver.id},
    )
    return row, report
