"""email changes and the mobile number's verification

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 09:00:00.000000

Correction (policy 5.3) of the two fields that identify an account: a new login address waits
in ``email_changes`` until the link mailed to it is used; the mobile number gets the time a text
message proved it (none yet: the check comes later, so every number starts unverified).
Self-contained: it touches only its own table and one new column.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('email_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('new_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    with op.batch_alter_table('email_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_changes_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_changes_token_hash'), ['token_hash'], unique=True)

    # Plain ALTER TABLE, not a batch: SQLite would copy ``users``, and the triggers of
    # ``consent_records`` (0004) refer to it (as in 0005).
    op.add_column('users', sa.Column('phone_verified_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('users', 'phone_verified_at')

    with op.batch_alter_table('email_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_changes_token_hash'))
        batch_op.drop_index(batch_op.f('ix_email_changes_expires_at'))

    op.drop_table('email_changes')
