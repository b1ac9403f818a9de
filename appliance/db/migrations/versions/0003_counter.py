"""The counter: lanes, paired tablets, pairing codes, PIN lockouts, carts, cash sessions and movements, outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 20:49:19.794259
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lanes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("printer", sa.String(length=200), nullable=False),
        sa.Column("scanner", sa.String(length=200), nullable=False),
        sa.Column("scale", sa.String(length=200), nullable=False),
        sa.Column("drawer_pin", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lanes")),
        sa.UniqueConstraint("code", name=op.f("uq_lanes_code")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("ref_type", sa.String(length=24), nullable=False),
        sa.Column("ref_id", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'done', 'failed')", name=op.f("ck_outbox_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_available", ["status", "available_at"], unique=False)

    op.create_table(
        "carts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lane_id", sa.Integer(), nullable=False),
        sa.Column("cashier_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["cashier_id"], ["users.id"], name=op.f("fk_carts_cashier_id_users")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_carts_customer_id_customers")),
        sa.ForeignKeyConstraint(["lane_id"], ["lanes.id"], name=op.f("fk_carts_lane_id_lanes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carts")),
        sa.UniqueConstraint("lane_id", name=op.f("uq_carts_lane_id")),
    )
    op.create_table(
        "cash_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lane_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=6), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=False),
        sa.Column("opening_float", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("counted", sa.JSON(), nullable=True),
        sa.Column("counted_total", sa.Integer(), nullable=True),
        sa.Column("expected_total", sa.Integer(), nullable=True),
        sa.Column("difference", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_cash_sessions_status")),
        sa.ForeignKeyConstraint(["approved_by"], ["users.id"], name=op.f("fk_cash_sessions_approved_by_users")),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name=op.f("fk_cash_sessions_closed_by_users")),
        sa.ForeignKeyConstraint(["lane_id"], ["lanes.id"], name=op.f("fk_cash_sessions_lane_id_lanes")),
        sa.ForeignKeyConstraint(["opened_by"], ["users.id"], name=op.f("fk_cash_sessions_opened_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_sessions")),
    )
    with op.batch_alter_table("cash_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_cash_sessions_lane_status", ["lane_id", "status"], unique=False)

    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lane_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("paired_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("pin_failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["lane_id"], ["lanes.id"], name=op.f("fk_devices_lane_id_lanes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_devices_token_hash")),
    )
    op.create_table(
        "pairing_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lane_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_pairing_codes_created_by_users")),
        sa.ForeignKeyConstraint(["lane_id"], ["lanes.id"], name=op.f("fk_pairing_codes_lane_id_lanes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_pairing_codes_code_hash")),
    )
    op.create_table(
        "pin_locks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_pin_locks_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_pin_locks")),
    )
    op.create_table(
        "cart_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cart_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("discount", sa.Integer(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cart_id"], ["carts.id"], name=op.f("fk_cart_lines_cart_id_carts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_cart_lines_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_lines")),
        sa.UniqueConstraint("cart_id", "line_no", name=op.f("uq_cart_lines_cart_id_line_no")),
    )
    op.create_table(
        "cash_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=120), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('retiro', 'ingreso', 'gasto', 'pago_proveedor', 'terceros_ingreso', 'terceros_egreso')",
            name=op.f("ck_cash_movements_kind"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_cash_movements_amount_positive")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["cash_sessions.id"], name=op.f("fk_cash_movements_session_id_cash_sessions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_cash_movements_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_movements")),
    )
    with op.batch_alter_table("cash_movements", schema=None) as batch_op:
        batch_op.create_index("ix_cash_movements_session_id", ["session_id"], unique=False)

    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cash_session_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_sales_cash_session_id"), ["cash_session_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_sales_cash_session_id_cash_sessions"), "cash_sessions", ["cash_session_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_sales_cash_session_id_cash_sessions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_sales_cash_session_id"))
        batch_op.drop_column("cash_session_id")

    with op.batch_alter_table("cash_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_cash_movements_session_id")

    op.drop_table("cash_movements")
    op.drop_table("cart_lines")
    op.drop_table("pin_locks")
    op.drop_table("pairing_codes")
    op.drop_table("devices")
    with op.batch_alter_table("cash_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_cash_sessions_lane_status")

    op.drop_table("cash_sessions")
    op.drop_table("carts")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_available")

    op.drop_table("outbox")
    op.drop_table("lanes")
