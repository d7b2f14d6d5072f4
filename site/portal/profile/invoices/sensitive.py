"""A sensitive value of invoice details (PIPL art. 28), kept only under its own separate consent.

The bank account of a corporate invoice (bank.py) and the resident ID number of a personal one
(resident_ids.py) follow the same rules, written once here as a :class:`SensitiveField`:

- It is saved only while the user's *separate* consent to it stands: a ``consent_granted`` row
  with the field's purpose in the consent ledger, newer than any ``consent_withdrawn`` one. The
  grant is appended and flushed in the transaction that saves the first value, before the value
  is written (services.py), so no value is ever stored without a consent row beside it.
- It is stored as AES-256-GCM ciphertext under the user's data key (portal.crypto), bound to its
  row by the context ``users/<user>/<table>/<invoice>/<field>``: a ciphertext copied to another
  row, column or user does not decrypt.
- It is never shown in full after saving, only masked; a value that cannot be decrypted any more
  (the data key erased, the ciphertext damaged) reads as ``None``, and the page says so.
- Withdrawing the consent (:meth:`SensitiveField.withdraw_consent`) appends ``consent_withdrawn``
  and erases every such value of the user in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts.models import User
from portal.crypto import DataKeys, DecryptionError, decrypt_field, encrypt_field, user_context
from portal.i18n import LazyString
from portal.privacy.models import ConsentRecord
from portal.privacy.services import CONSENT_GRANTED, CONSENT_WITHDRAWN, record_consent
from portal.profile.audit import REMOVED, audit_record


@dataclass(frozen=True)
class SensitiveField:
    """One sensitive column of an invoice table, and the consent that allows it.

    ``purpose`` names the consent in the ledger (its checkbox is ``consent_<purpose>``, the box
    that erases a saved value ``remove_<purpose>``); ``column`` is the model's attribute and the
    form's field; ``audit_field`` the inventory key the audit rows name (never the value).
    """

    purpose: str
    model: type[Any]
    column: str
    record: str  # "corporate_invoice": audit rows name "<record>:<id>"
    audit_field: str
    consent_needed: LazyString  # the error beside an unticked box

    @property
    def consent_box(self) -> str:
        return f"consent_{self.purpose}"

    @property
    def remove_box(self) -> str:
        return f"remove_{self.purpose}"

    def context(self, user_id: int, invoice_id: int) -> str:
        """Where a ciphertext belongs: ``users/42/corporate_invoices/7/bank_account``."""
        return user_context(user_id, self.model.__tablename__, str(invoice_id), self.column)

    def stored(self, invoice: Any) -> str | None:
        """The ciphertext on ``invoice`` (``None`` when nothing is stored)."""
        return getattr(invoice, self.column) or None

    async def encrypt(self, data_keys: DataKeys, invoice: Any, value: str) -> str:
        """The ciphertext of ``value`` for this invoice (creates the user's data key if needed)."""
        key = await data_keys.for_user(invoice.user_id)
        return encrypt_field(key, value, context=self.context(invoice.user_id, invoice.id))

    async def decrypt(self, data_keys: DataKeys, invoice: Any) -> str | None:
        """The stored value; ``None`` when there is none or it cannot be read."""
        token = self.stored(invoice)
        if token is None:
            return None
        try:
            key = await data_keys.for_user(invoice.user_id, create=False)
            return decrypt_field(key, token, context=self.context(invoice.user_id, invoice.id))
        except DecryptionError:
            return None

    async def has_consent(self, session: AsyncSession, *, user_id: int) -> bool:
        """True when the user's newest consent row for this purpose is a grant."""
        newest = await session.scalar(
            select(col(ConsentRecord.kind))
            .where(col(ConsentRecord.user_id) == user_id)
            .where(col(ConsentRecord.purpose) == self.purpose)
            .where(col(ConsentRecord.kind).in_((CONSENT_GRANTED, CONSENT_WITHDRAWN)))
            .order_by(col(ConsentRecord.id).desc())
            .limit(1)
        )
        return newest == CONSENT_GRANTED

    def grant(
        self,
        session: AsyncSession,
        *,
        user_id: int,
        language: str,
        channel: str,
        policy_version: str | None,
    ) -> ConsentRecord:
        """Append the grant; the caller flushes it first and commits it with the value."""
        record = record_consent(
            session,
            user_id=user_id,
            purpose=self.purpose,
            granted=True,
            language=language,
            channel=channel,
        )
        record.policy_version = policy_version
        return record

    async def withdraw_consent(
        self,
        session: AsyncSession,
        *,
        user: User,
        language: str,
        channel: str,
        policy_version: str | None,
    ) -> int:
        """Withdraw the consent and erase every value of this field the user saved; commits.

        Appends ``consent_withdrawn`` (only when a consent stood: withdrawing twice records one
        withdrawal) and sets the column to NULL on every invoice of the user, with an audit row
        *removed* per invoice, all in one transaction. Returns how many values were erased. The
        caller holds the user's lock (services.py) so a save cannot slip between.
        """
        assert user.id is not None
        if await self.has_consent(session, user_id=user.id):
            record = record_consent(
                session,
                user_id=user.id,
                purpose=self.purpose,
                granted=False,
                language=language,
                channel=channel,
            )
            record.policy_version = policy_version
        column = getattr(self.model, self.column)
        erased = await session.execute(
            update(self.model)
            .where(self.model.user_id == user.id)
            .where(column.is_not(None))
            .values({self.column: None})
            .returning(self.model.id)
            .execution_options(synchronize_session=False)
        )
        ids = sorted(erased.scalars())
        for invoice_id in ids:
            audit_record(
                session,
                user_id=user.id,
                record=f"{self.record}:{invoice_id}",
                fields=[self.audit_field],
                action=REMOVED,
                channel=channel,
            )
        await session.commit()
        return len(ids)
