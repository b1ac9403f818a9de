"""Returns: what came back from a sale, where it went (shelf or merma), and how the money went back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 21:14:18.789580
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sale_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("lane", sa.String(length=20), nullable=False),
        sa.Column("cash_session_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("refund_method", sa.String(length=14), nullable=False),
        sa.Column("refund_cash", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["approved_by"], ["users.id"], name=op.f("fk_sale_returns_approved_by_users")),
        sa.ForeignKeyConstraint(
            ["cash_session_id"], ["cash_sessions.id"], name=op.f("fk_sale_returns_cash_session_id_cash_sessions")
        ),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_sale_returns_sale_id_sales")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sale_returns_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_returns")),
    )
    with op.batch_alter_table("sale_returns", schema=None) as batch_op:
        batch_op.create_index("ix_sale_returns_sale_id", ["sale_id"], unique=False)

    op.create_table(
        "return_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("sale_line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("to_merma", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["return_id"], ["sale_returns.id"], name=op.f("fk_return_lines_return_id_sale_returns")
        ),
        sa.ForeignKeyConstraint(
            ["sale_line_id"], ["sale_lines.id"], name=op.f("fk_return_lines_sale_line_id_sale_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_lines")),
    )


def downgrade() -> None:
    op.drop_table("return_lines")
    with op.batch_alter_table("sale_returns", schema=None) as batch_op:
        batch_op.drop_index("ix_sale_returns_sale_id")

    op.drop_table("sale_returns")
