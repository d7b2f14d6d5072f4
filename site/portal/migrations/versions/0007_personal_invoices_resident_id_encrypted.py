"""personal invoices: the resident ID number optional, encrypted, under its own consent

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:50:00.000000

A resident ID number is sensitive personal information: from this revision it is optional, and
``personal_invoices.tax_number`` holds its ciphertext under the user's data key (up to 200
characters), only while the user's separate consent to storing it stands (the ledger purpose
``resident_id``).

Numbers saved before this revision were stored in plain text, and no consent was ever asked or
recorded for them, so none may be kept: the upgrade erases every one of them (sets the column to
NULL). The rest of each personal invoice stays; a customer who wants the number on invoices
types it again and gives the consent then. Nothing is written to the consent ledger: a consent
that was never given is not made up.

The downgrade cannot give the numbers back either: the code before this revision reads plain
text, so every ciphertext is erased too (an empty string, as the column is NOT NULL there).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlmodel
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('personal_invoices', schema=None) as batch_op:
        batch_op.alter_column(
            'tax_number',
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=18),
            type_=sqlmodel.sql.sqltypes.AutoString(length=200),
            nullable=True,
        )
    # Plain-text numbers stored without consent: erased, not encrypted.
    op.execute("UPDATE personal_invoices SET tax_number = NULL")


def downgrade() -> None:
    # Ciphertexts the older code cannot read, and which would not fit its column: erased.
    op.execute("UPDATE personal_invoices SET tax_number = ''")
    with op.batch_alter_table('personal_invoices', schema=None) as batch_op:
        batch_op.alter_column(
            'tax_number',
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
            type_=sqlmodel.sql.sqltypes.AutoString(length=18),
            nullable=False,
        )
