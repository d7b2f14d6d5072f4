"""what deleting an account leaves: kept orders, and drawing objects still to delete

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 10:00:00.000000

When an account is deleted (portal.accounts.deregistration), its orders' terms are kept for the
period the E-commerce Law requires, naming nobody (``retained_orders``), and the storage keys of
its drawings are queued in the same transaction (``drawing_deletions``), so a process that dies
before deleting the objects leaves a list for the worker rather than orphans nobody can find.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('retained_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('process', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('material', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('finish', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('tolerance', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('required_date', sa.Date(), nullable=True),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('lead_days', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retained_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retained_until', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('retained_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retained_orders_retained_until'), ['retained_until'], unique=False)

    op.create_table('drawing_deletions',
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('storage_key')
    )
    with op.batch_alter_table('drawing_deletions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drawing_deletions_queued_at'), ['queued_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('drawing_deletions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drawing_deletions_queued_at'))
    op.drop_table('drawing_deletions')
    with op.batch_alter_table('retained_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retained_orders_retained_until'))
    op.drop_table('retained_orders')
