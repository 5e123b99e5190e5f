"""The retirement table: the factory's TokenRetired per followed token (additive).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retirement",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("factory", sa.String(length=42), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["token"], ["token.address"]),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("retirement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retirement_token"), ["token"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("retirement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retirement_token"))

    op.drop_table("retirement")
