"""Sales as committed at the counter: the sale, its lines and its payments. Amounts in pesos, quantities in milli."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appliance.db.base import Base, Cost, UtcDateTime, utcnow


class PaymentMethod(enum.StrEnum):
    EFECTIVO = "efectivo"
    DEBITO = "debito"
    CREDITO = "credito"
    TRANSFERENCIA = "transferencia"
    FIADO = "fiado"
    ENVASE = "envase"  # empties brought back: their deposit pays part of the sale (Ley 21.368)


class Sale(Base):
    __tablename__ = "sales"
    __table_args__ = (
        Index("ix_sales_at", "at"),
        CheckConstraint("status IN ('completed', 'returned', 'partially_returned')", name="status"),
        CheckConstraint("total = net + iva + exempt + additional_tax", name="totals_add_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # the shop's own correlative, on every receipt
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lane: Mapped[str] = mapped_column(String(20))
    cash_session_id: Mapped[int | None] = mapped_column(ForeignKey("cash_sessions.id"), nullable=True, index=True)
    cashier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="completed")
    total: Mapped[int] = mapped_column(Integer)  # exact document total (never cash-rounded)
    net: Mapped[int] = mapped_column(Integer)
    iva: Mapped[int] = mapped_column(Integer)
    exempt: Mapped[int] = mapped_column(Integer, default=0)
    additional_tax: Mapped[int] = mapped_column(Integer, default=0)
    discount: Mapped[int] = mapped_column(Integer, default=0)
    # Ley 20.956: what the cash part was rounded by (negative = the customer paid less).
    cash_rounding: Mapped[int] = mapped_column(Integer, default=0)

    lines: Mapped[list[SaleLine]] = relationship(back_populates="sale", lazy="raise", order_by="SaleLine.line_no")
    payments: Mapped[list[Payment]] = relationship(back_populates="sale", lazy="raise", order_by="Payment.id")


class SaleLine(Base):
    __tablename__ = "sale_lines"
    __table_args__ = (
        UniqueConstraint("sale_id", "line_no"),
        Index("ix_sale_lines_product_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    description: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[int] = mapped_column(Integer)  # milli-units (grams for kg products)
    unit_price: Mapped[int] = mapped_column(Integer)  # gross, per unit or per kg
    discount: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[int] = mapped_column(Integer)  # gross line total after discount
    tax: Mapped[str] = mapped_column(String(7), default="afecto")
    additional_tax_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unit_cost: Mapped[Decimal] = mapped_column(Cost, default=Decimal(0))  # average cost when sold, for margins
    note: Mapped[str] = mapped_column(String(40), default="")  # the promotion or authorised discount, for receipts
    deposit: Mapped[bool] = mapped_column(default=False)  # a container deposit (garantía de envase), not a sale

    sale: Mapped[Sale] = relationship(back_populates="lines", lazy="raise")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(
            "method IN ('efectivo', 'debito', 'credito', 'transferencia', 'fiado', 'envase')", name="method"
        ),
        Index("ix_payments_sale_id", "sale_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"))
    method: Mapped[str] = mapped_column(String(14))
    amount: Mapped[int] = mapped_column(Integer)  # what this tender covers of the total (cash: after rounding)
    tendered: Mapped[int | None] = mapped_column(Integer, nullable=True)  # cash handed over
    change: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reference: Mapped[str] = mapped_column(String(40), default="")  # voucher / authorisation / transfer id

    sale: Mapped[Sale] = relationship(back_populates="payments", lazy="raise")


class SaleReturn(Base):
    """A return of some or all of a sale's lines: stock back (or to merma), money back, and its nota de crédito."""

    __tablename__ = "sale_returns"
    __table_args__ = (Index("ix_sale_returns_sale_id", "sale_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lane: Mapped[str] = mapped_column(String(20))
    cash_session_id: Mapped[int | None] = mapped_column(ForeignKey("cash_sessions.id"), nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    total: Mapped[int] = mapped_column(Integer)
    refund_method: Mapped[str] = mapped_column(String(14))
    refund_cash: Mapped[int] = mapped_column(Integer, default=0)  # what left the drawer (rounded, Ley 20.956)
    reason: Mapped[str] = mapped_column(String(120))

    lines: Mapped[list[ReturnLine]] = relationship(lazy="raise", order_by="ReturnLine.id")


class ReturnLine(Base):
    __tablename__ = "return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("sale_returns.id"))
    sale_line_id: Mapped[int] = mapped_column(ForeignKey("sale_lines.id"))
    quantity: Mapped[int] = mapped_column(Integer)  # milli-units
    amount: Mapped[int] = mapped_column(Integer)
    to_merma: Mapped[bool] = mapped_column(default=False)  # damaged: not back on the shelf
