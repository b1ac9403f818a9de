"""Customers (buyers of facturas, fiado accounts) and suppliers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from appliance.db.base import Base, UtcDateTime, utcnow


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    rut: Mapped[str | None] = mapped_column(String(12), unique=True, nullable=True)  # a fiado neighbour may have none
    name: Mapped[str] = mapped_column(String(100))
    giro: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(String(70), default="")
    comuna: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    credit_limit: Mapped[int] = mapped_column(Integer, default=0)  # pesos of fiado allowed
    blocked: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Supplier(Base):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    rut: Mapped[str] = mapped_column(String(12), unique=True)
    razon_social: Mapped[str] = mapped_column(String(100))
    giro: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(String(70), default="")
    comuna: Mapped[str] = mapped_column(String(20), default="")
    contact_name: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(80), default="")
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CustomerAccountEntry(Base):
    """The fiado account, one row per movement: a cargo (a sale on credit) or an abono (the customer paying).

    The balance is the sum of cargos minus abonos; rows are never edited (a mistake is corrected by another row).
    """

    __tablename__ = "customer_account"
    __table_args__ = (
        CheckConstraint("kind IN ('cargo', 'abono')", name="kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_customer_account_customer_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(5))
    amount: Mapped[int] = mapped_column(Integer)
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True)
    method: Mapped[str] = mapped_column(String(14), default="")  # how an abono was paid: efectivo, transferencia…
    cash_session_id: Mapped[int | None] = mapped_column(ForeignKey("cash_sessions.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str] = mapped_column(String(120), default="")
