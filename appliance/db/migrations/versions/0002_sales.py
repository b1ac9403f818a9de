"""Sales, their lines and payments: what the counter commits, and what reports and the SII documents read.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 20:19:34.250360
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("lane", sa.String(length=20), nullable=False),
        sa.Column("cashier_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("net", sa.Integer(), nullable=False),
        sa.Column("iva", sa.Integer(), nullable=False),
        sa.Column("exempt", sa.Integer(), nullable=False),
        sa.Column("additional_tax", sa.Integer(), nullable=False),
        sa.Column("discount", sa.Integer(), nullable=False),
        sa.Column("cash_rounding", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('completed', 'returned', 'partially_returned')", name=op.f("ck_sales_status")),
        sa.CheckConstraint("total = net + iva + exempt + additional_tax", name=op.f("ck_sales_totals_add_up")),
        sa.ForeignKeyConstraint(["cashier_id"], ["users.id"], name=op.f("fk_sales_cashier_id_users")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_sales_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales")),
        sa.UniqueConstraint("number", name=op.f("uq_sales_number")),
    )
    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.create_index("ix_sales_at", ["at"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=14), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("tendered", sa.Integer(), nullable=True),
        sa.Column("change", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.CheckConstraint(
            "method IN ('efectivo', 'debito', 'credito', 'transferencia', 'fiado')", name=op.f("ck_payments_method")
        ),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_payments_sale_id_sales")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_sale_id", ["sale_id"], unique=False)

    op.create_table(
        "sale_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("discount", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("tax", sa.String(length=7), nullable=False),
        sa.Column("additional_tax_code", sa.Integer(), nullable=True),
        sa.Column("unit_cost", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_sale_lines_product_id_products")),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_sale_lines_sale_id_sales")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_lines")),
        sa.UniqueConstraint("sale_id", "line_no", name=op.f("uq_sale_lines_sale_id_line_no")),
    )
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.create_index("ix_sale_lines_product_id", ["product_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_sale_lines_product_id")

    op.drop_table("sale_lines")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_sale_id")

    op.drop_table("payments")
    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_at")

    op.drop_table("sales")
