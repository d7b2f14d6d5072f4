"""room for longer audit actions

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 09:00:00.000000

``audit_entries.action`` was ``VARCHAR(10)``, sized for "added", "changed" and "removed". The
copy a receiving processor downloads is audited as "transferred" (11 characters): SQLite never
enforces a length, PostgreSQL refused the row and the download failed. Twenty leaves room for
the actions to come. ``audit_entries`` has no triggers and nothing refers to it, so SQLite's
batch copy of the table is safe.

The downgrade narrows the column back; PostgreSQL refuses it while a longer action is stored,
which is the right answer: those rows would not fit the older schema.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlmodel
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('action',
               existing_type=sqlmodel.sql.sqltypes.AutoString(length=10),
               type_=sqlmodel.sql.sqltypes.AutoString(length=20),
               existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('action',
               existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
               type_=sqlmodel.sql.sqltypes.AutoString(length=10),
               existing_nullable=False)
