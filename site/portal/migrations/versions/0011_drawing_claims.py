"""when a drawing's reading was claimed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:05:00.000000

A drawing in "reading" whose reader died (a crash, a deploy's SIGKILL) would stay there for
good; the claim's time lets the worker tell such a drawing from one being read, and hand it back.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('drawings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('drawings', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
