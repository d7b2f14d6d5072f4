"""The bank account of a corporate invoice: sensitive personal information (PIPL art. 28).

- It is saved only while the user's *separate* consent to it stands: a ``consent_granted`` row
  with purpose :data:`PURPOSE` in the consent ledger, newer than any ``consent_withdrawn`` one.
  The grant is appended in the transaction that saves the first account, before the row is
  written (services.py), so no account is ever stored without a consent row beside it.
- It is stored as AES-256-GCM ciphertext under the user's data key (portal/crypto.py), bound to
  its row by the context ``users/<user>/corporate_invoices/<invoice>/bank_account``: a ciphertext
  copied to another row, column or user does not decrypt.
- It is never shown in full after saving: only ``•••• •••• 1234`` (:func:`masked`), whatever its
  length, so the page does not reveal that either.
- Withdrawing the consent (:func:`withdraw_consent`) appends ``consent_withdrawn`` and erases
  every bank account of the user in the same transaction.

What we accept: digits only once spaces and hyphens are removed, 8 to 30 of them. Accounts of
Chinese banks are usually 16 to 19 digits (cards) or up to 25 (company settlement accounts); 8
and 30 leave room for smaller banks and foreign accounts without letting a typo of a few digits
through.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts.models import User
from portal.crypto import DataKeys, DecryptionError, decrypt_field, encrypt_field, user_context
from portal.db import saved_id
from portal.i18n import lazy_gettext as _l
from portal.privacy import purposes
from portal.privacy.models import ConsentRecord
from portal.privacy.services import CONSENT_GRANTED, CONSENT_WITHDRAWN, record_consent
from portal.profile.audit import REMOVED, audit_record
from portal.profile.models import CorporateInvoice

#: The ledger's purpose for this consent (DESIGN.md: its checkbox is ``consent_bank_account``).
PURPOSE = purposes.BANK_ACCOUNT
MIN_DIGITS, MAX_DIGITS = 8, 30
CONSENT_NEEDED = _l(
    "We can save a bank account number only with your separate consent: tick the box to give "
    "it, or leave the account number empty."
)
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SEPARATORS = " -\u3000\t"


def normalize(value: str) -> str:
    """``"6222 0202-0011 2233 445"`` -> ``"6222020200112233445"``; anything else is kept for
    :func:`is_valid` to refuse."""
    text = value.translate(_FULL_WIDTH_DIGITS)
    return "".join(ch for ch in text if ch not in _SEPARATORS)


def is_valid(digits: str) -> bool:
    """8 to 30 ASCII digits (already :func:`normalize`\\ d)."""
    return digits.isascii() and digits.isdigit() and MIN_DIGITS <= len(digits) <= MAX_DIGITS


def context(user_id: int, invoice_id: int) -> str:
    """Where a ciphertext belongs: ``users/42/corporate_invoices/7/bank_account``."""
    return user_context(user_id, "corporate_invoices", str(invoice_id), "bank_account")


def masked(last_four: str) -> str:
    """``•••• •••• 1234``: the same shape for every account, whatever its length."""
    return f"•••• •••• {last_four}"


async def encrypt(data_keys: DataKeys, invoice: CorporateInvoice, digits: str) -> str:
    """The ciphertext of ``digits`` for this invoice (creates the user's data key if needed)."""
    key = await data_keys.for_user(invoice.user_id)
    return encrypt_field(key, digits, context=context(invoice.user_id, saved_id(invoice)))


async def last_four(data_keys: DataKeys, invoice: CorporateInvoice) -> str | None:
    """The last four digits of the saved account; ``None`` when there is none or it cannot be
    read (the data key erased, the ciphertext damaged): then the page says it is unavailable."""
    if not invoice.bank_account:
        return None
    try:
        key = await data_keys.for_user(invoice.user_id, create=False)
        digits = decrypt_field(
            key,
            invoice.bank_account,
            context=context(invoice.user_id, saved_id(invoice)),
        )
    except DecryptionError:
        return None
    return digits[-4:]


async def has_consent(session: AsyncSession, *, user_id: int) -> bool:
    """True when the user's newest bank-account consent row is a grant."""
    newest = await session.scalar(
        select(col(ConsentRecord.kind))
        .where(col(ConsentRecord.user_id) == user_id)
        .where(col(ConsentRecord.purpose) == PURPOSE)
        .where(col(ConsentRecord.kind).in_((CONSENT_GRANTED, CONSENT_WITHDRAWN)))
        .order_by(col(ConsentRecord.id).desc())
        .limit(1)
    )
    return newest == CONSENT_GRANTED


def grant(
    session: AsyncSession, *, user_id: int, language: str, channel: str, policy_version: str | None
) -> ConsentRecord:
    """Append the grant; the caller commits it with the account it allows."""
    record = record_consent(
        session, user_id=user_id, purpose=PURPOSE, granted=True, language=language, channel=channel
    )
    record.policy_version = policy_version
    return record


async def withdraw_consent(
    session: AsyncSession,
    *,
    user: User,
    language: str,
    channel: str,
    policy_version: str | None,
) -> int:
    """Withdraw the user's bank-account consent and erase every bank account they saved; commits.

    Appends ``consent_withdrawn`` (only when a consent stood: withdrawing twice records one
    withdrawal) and sets every ``bank_account`` of the user to NULL, with an audit row
    ``bank_account`` *removed* per invoice, all in one transaction. Returns how many accounts
    were erased. The caller holds the user's lock (services.py) so a save cannot slip between.
    """
    standing = await has_consent(session, user_id=saved_id(user))
    if standing:
        record = record_consent(
            session,
            user_id=saved_id(user),
            purpose=PURPOSE,
            granted=False,
            language=language,
            channel=channel,
        )
        record.policy_version = policy_version
    erased = await session.execute(
        update(CorporateInvoice)
        .where(col(CorporateInvoice.user_id) == user.id)
        .where(col(CorporateInvoice.bank_account).is_not(None))
        .values(bank_account=None)
        .returning(col(CorporateInvoice.id))
        .execution_options(synchronize_session=False)
    )
    ids = sorted(invoice_id for invoice_id in erased.scalars() if invoice_id is not None)
    for invoice_id in ids:
        audit_record(
            session,
            user_id=saved_id(user),
            record=f"corporate_invoice:{invoice_id}",
            fields=[PURPOSE],
            action=REMOVED,
            channel=channel,
        )
    await session.commit()
    return len(ids)
