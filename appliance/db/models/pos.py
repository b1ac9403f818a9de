"""The counter: lanes (cajas), the tablets paired to them, their carts, cash sessions, and the outbox.

The cart lives here, on the box, not in the tablet: a reload, a Wi-Fi drop or a change of cashier loses nothing.
The outbox holds every side effect of a committed sale (printing, the drawer, SII submission), written in the sale's
own transaction and carried out after commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appliance.db.base import Base, UtcDateTime, utcnow

CASH_MOVEMENT_KINDS = (
    "retiro",
    "ingreso",
    "gasto",
    "pago_proveedor",
    "terceros_ingreso",
    "terceros_egreso",
    "abono_fiado",
)


class Lane(Base):
    __tablename__ = "lanes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # "caja-1"
    name: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)
    # Device connection strings (see drivers/): "simulated", "usb:04b8:0e15", "tcp:192.168.1.50:9100" …
    printer: Mapped[str] = mapped_column(String(200), default="simulated")
    scanner: Mapped[str] = mapped_column(String(200), default="simulated")
    scale: Mapped[str] = mapped_column(String(200), default="simulated")
    drawer_pin: Mapped[int] = mapped_column(Integer, default=2)


class Device(Base):
    """A tablet paired to a lane. It holds a long random token; we keep only its hash."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    lane_id: Mapped[int] = mapped_column(ForeignKey("lanes.id"))
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    paired_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # PIN guessing on this tablet (pos/pins.py): failures since `pin_counted_since` lock it; lockouts grow.
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    pin_lockouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pin_counted_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    lane: Mapped[Lane] = relationship(lazy="raise")


class PairingCode(Base):
    __tablename__ = "pairing_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lane_id: Mapped[int] = mapped_column(ForeignKey("lanes.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # Wrong codes typed anywhere while this one was valid: past a few, it is void (pos/pairing.py).
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PinLock(Base):
    """A user's PIN lockout: a lockout stops guessing a 4-digit PIN from any tablet, and each one lasts longer."""

    __tablename__ = "pin_locks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lockouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    counted_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PinFailure(Base):
    """One wrong PIN: against the user who was tried, on the tablet it was typed on. A success clears only that
    user's failures on that tablet, so signing in elsewhere (or as oneself) never wipes a guesser's count."""

    __tablename__ = "pin_failures"
    __table_args__ = (
        Index("ix_pin_failures_user_at", "user_id", "at"),
        Index("ix_pin_failures_device_at", "device_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class CashSession(Base):
    """A turno: from the counted opening float to the blind count at the Z close."""

    __tablename__ = "cash_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        Index("ix_cash_sessions_lane_status", "lane_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lane_id: Mapped[int] = mapped_column(ForeignKey("lanes.id"))
    status: Mapped[str] = mapped_column(String(6), default="open")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opening_float: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    counted: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)  # denomination → pieces
    counted_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expected_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    difference: Mapped[int | None] = mapped_column(Integer, nullable=True)  # counted − expected, never forced to 0
    note: Mapped[str] = mapped_column(String(200), default="")


class CashMovement(Base):
    """Cash in or out of the drawer that is not a sale: withdrawals to the safe, expenses, Caja Vecina …"""

    __tablename__ = "cash_movements"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"kind IN {CASH_MOVEMENT_KINDS!r}", name="kind"),
        Index("ix_cash_movements_session_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cash_sessions.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Cart(Base):
    """The open cart of a lane: at most one, kept until the sale commits or is voided."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    lane_id: Mapped[int] = mapped_column(ForeignKey("lanes.id"), unique=True)
    cashier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    document_tipo: Mapped[int] = mapped_column(Integer, default=39)  # 39 boleta, 33 factura (needs the customer)
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped on every change, for the tablets
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", lazy="raise", order_by="CartLine.line_no"
    )


class CartLine(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (UniqueConstraint("cart_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    description: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[int] = mapped_column(Integer)  # milli-units
    unit_price: Mapped[int] = mapped_column(Integer)
    discount: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

    cart: Mapped[Cart] = relationship(back_populates="lines", lazy="raise")


class OutboxEntry(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'done', 'failed')", name="status"),
        Index("ix_outbox_status_available", "status", "available_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # print_receipt, open_drawer, sii_submit …
    ref_type: Mapped[str] = mapped_column(String(24), default="")
    ref_id: Mapped[str] = mapped_column(String(40), default="")
    payload: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
